"""The triage queue's rows as the screen writes them (triage/templatetags/triage_rows.py):
each value escaped, the concern cut to its first twelve words, and the select boxes
wired to the assign control's error message. The screen's other tests read the same
rows for order, filters, checks and assigning."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from triage.selectors import age_in_years
from triage.services import assign_contact, decide_contact

pytestmark = pytest.mark.django_db


def row_of(page: str, contact) -> str:
    found = re.search(
        rf'<tr class="govuk-table__row" data-contact="{contact.pk}">.*?</tr>', page, re.S
    )
    assert found, f"contact {contact.pk} not in the queue"
    return found.group(0)


def test_what_people_typed_is_shown_as_text(sign_in, make_contact):
    contact = make_contact(
        first_name="<img src=x onerror=alert(1)>",
        last_name='O\'Brien & "Co"',
        concern='<script>alert("x")</script> seen with men in a car outside the shop on '
        "Tuesday and Wednesday and again today",
    )
    page = sign_in("mash.manager").get(reverse("triage")).content.decode()
    row = row_of(page, contact)
    assert "<script>" not in row and "<img" not in row
    assert "&lt;img src=x onerror=alert(1)&gt; O&#x27;Brien &amp; &quot;Co&quot;" in row
    # The concern's first twelve words, as typed, then an ellipsis.
    assert (
        "\u201c&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; seen with men in a car outside "
        "the shop on Tuesday \u2026\u201d"
    ) in row
    assert f'<a class="govuk-link" href="{reverse("contact", args=[contact.pk])}">' in row
    age = age_in_years(contact.child.date_of_birth, timezone.localdate())
    assert "Not assigned" in row and "None asked" in row and f"Age {age}<br>" in row


def test_the_first_box_carries_the_assign_controls_id_and_every_box_its_error(
    sign_in, make_contact, people
):
    first, second = make_contact(rag="red"), make_contact(rag="red")
    client = sign_in("mash.manager")
    page = client.get(reverse("triage")).content.decode()
    ids = re.findall(r'<input class="govuk-checkboxes__input" id="([^"]+)"', page)
    rows = re.findall(r'data-contact="(\d+)"', page)
    assert ids == ["assign-contact", f"select-{rows[1]}"]
    assert 'aria-describedby="contact-error"' not in page
    # Sent with a box ticked and nobody chosen: the box stays ticked, and no box is
    # described by an error (the contacts were right). Sent with nothing ticked: every box
    # is described by the error, whose link goes to the first box.
    refused = client.post(reverse("triage"), {"contact": [second.pk], "assignee": ""})
    page = refused.content.decode()
    assert page.count('aria-describedby="contact-error"') == 0  # the contacts were right
    assert f'value="{second.pk}" checked' in page and f'value="{first.pk}" checked' not in page
    nothing = client.post(reverse("triage"), {"assignee": people["social.worker"].pk})
    page = nothing.content.decode()
    assert page.count('aria-describedby="contact-error"') == 2
    assert '<a href="#assign-contact">' in page


def test_assigned_and_decided_rows(sign_in, make_contact, people):
    mine = make_contact(rag="amber")
    assign_contact(people["mash.manager"], mine, people["social.worker"])
    decided = make_contact(rag="green")
    decide_contact(people["mash.manager"], decided, "no_further_action", "Nothing more: a test.")
    page = sign_in("mash.manager").get(reverse("triage") + "?state=decided").content.decode()
    row = row_of(page, decided)
    assert 'type="checkbox"' not in row and "Decided " in row
    page = sign_in("mash.manager").get(reverse("triage")).content.decode()
    assert "Jo Fletcher" in row_of(page, mine)

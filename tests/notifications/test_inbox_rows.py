"""The inbox's rows as the page writes them (notifications/templatetags/inbox_rows.py):
each value escaped, each kind of notification linked to where to act on it, the child
and their flags only on a case the agency may open, and the deadline's tags and the
acknowledge button as the state says. The inbox's other tests read the same rows for
order, paging, counts and acknowledging."""

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from safeguarding import uk_time
from tests.notifications.test_inbox_pages import client_for

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def row_of(page: str, notification: Notification) -> str:
    found = re.search(
        rf'<tr class="govuk-table__row" id="notification-{notification.pk}">.*?</tr>', page, re.S
    )
    assert found, f"notification {notification.pk} not in the inbox"
    return found.group(0)


def words(row: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row))).strip()


@pytest.fixture
def send(people, agencies):
    """A notification to Suffolk police from Norfolk's social worker, as the services
    write one, with `changes` over it."""

    def send(kind: str, case=None, **changes) -> Notification:
        now = timezone.now()
        fields = {
            "agency": agencies["suffolk_police"],
            "case": case,
            "subject_reference": case.reference if case else "CON-2026-000042",
            "kind": kind,
            "summary": f"About {case.reference if case else 'a contact'}",
            "subject_id": 42,
            "caused_by": people["social.worker"],
            "caused_by_agency": people["social.worker"].agency,
            "acknowledge_by": now + dt.timedelta(hours=4),
        }
        return Notification.objects.create(**fields | changes)

    return send


def test_what_people_typed_is_shown_as_text(open_case_for, share, send):
    case = open_case_for("social.worker", first_name="<img src=x onerror=alert(1)>",
                         last_name='O\'Brien & "Co"')  # fmt: skip
    share(case, "suffolk_police", "view")
    hostile = send(Kind.MISSING, case, summary='<script>alert("x")</script> & more')
    page = client_for("suffolk.officer").get(reverse("inbox")).content.decode()
    row = row_of(page, hostile)
    assert "<script>" not in row and "<img" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in row
    assert (
        '<span data-testid="child-name">&lt;img src=x onerror=alert(1)&gt; '
        "O&#x27;Brien &amp; &quot;Co&quot;</span>"
    ) in row


def test_each_kind_links_to_where_to_act_on_it(open_case_for, share, send):
    case = open_case_for("social.worker")
    share(case, "suffolk_police", "view")
    check = send(Kind.PARTNER_CHECK, subject_id=7)
    closed = send(Kind.CHECK_CLOSED, subject_id=8)
    match = send(Kind.LINK_MATCH, subject_reference="LNK-2026-000009", subject_id=9)
    contact = send(Kind.CONTACT_OUTCOME, subject_id=10)
    missing = send(Kind.MISSING, case)
    review = send(Kind.ASSESSMENT_REVIEW, case)
    action = send(Kind.MEETING_ACTION, case, subject_id=11)
    page = client_for("suffolk.officer").get(reverse("inbox")).content.decode()

    hidden = '<span class="govuk-visually-hidden">'
    assert (
        f'href="{reverse("check", args=[7])}">Answer the check'
        f"{hidden} for contact CON-2026-000042</span></a>"
    ) in row_of(page, check)
    closed_link = f'href="{reverse("check", args=[8])}">See why the check was closed'
    assert closed_link in row_of(page, closed)
    assert (
        f'href="{reverse("link-match", args=[9])}">See what matched and whom to ask'
        f"{hidden} for LNK-2026-000009</span>"
    ) in row_of(page, match)
    contact_link = f'href="{reverse("contact", args=[10])}">Contact CON-2026-000042</a>'
    assert contact_link in row_of(page, contact)
    missing_row = row_of(page, missing)
    case_link = f'href="{reverse("case", args=[case.pk])}">{case.reference}</a>'
    profile = f'href="{reverse("missing-profile", args=[case.pk])}" data-testid="profile-link">'
    assert case_link in missing_row and profile in missing_row
    review_link = f'href="{reverse("assessments", args=[case.pk])}" data-testid="review-link">'
    assert review_link in row_of(page, review)
    action_link = f'href="{reverse("action-close", args=[11])}">See or close the action'
    assert action_link in row_of(page, action)
    # The missing-from-care profile is for the police.
    norfolk = send(Kind.MISSING, case, agency=case.lead_agency)
    own = client_for("social.worker").get(reverse("inbox")).content.decode()
    assert 'data-testid="child-name"' in row_of(own, norfolk)
    assert "profile-link" not in row_of(own, norfolk)


def test_a_case_the_agency_cannot_open_names_no_child_and_says_whom_to_ask(open_case_for, send):
    case = open_case_for("social.worker", first_name="Unshared")
    missing = send(Kind.MISSING, case)
    action = send(Kind.MEETING_ACTION, case, subject_id=12)
    page = client_for("suffolk.officer").get(reverse("inbox")).content.decode()
    row = row_of(page, missing)
    assert reverse("case", args=[case.pk]) not in row and "Unshared" not in row
    assert "child-name" not in row and "profile-link" not in row
    sender = case.lead_agency.name
    said = f"{case.reference} Your agency cannot open this case. Ask {sender} to share it."
    assert said in words(row)
    assert f'href="{reverse("action-close", args=[12])}">' in row_of(page, action)


def test_the_deadline_and_the_acknowledgement_say_the_state(open_case_for, people, send):
    case = open_case_for("social.worker")
    now = timezone.now()
    late = send(Kind.MISSING, case, acknowledge_by=now - dt.timedelta(hours=1),
                escalated_at=now - dt.timedelta(minutes=5))  # fmt: skip
    withdrawn = send(Kind.PLACEMENT, case, withdrawn_at=now - dt.timedelta(minutes=3))
    done = send(Kind.RETURNED, case, acknowledged_at=now - dt.timedelta(minutes=1),
                acknowledged_by=people["suffolk.officer"])  # fmt: skip
    client = client_for("suffolk.officer")
    page = client.get(reverse("inbox") + "?page=1&x=<b>").content.decode()

    row = row_of(page, late)
    assert 'govuk-tag--red">Overdue' in row and 'govuk-tag--orange">Escalated' in row
    assert f'action="{reverse("inbox-acknowledge", args=[late.pk])}"' in row
    assert re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', row)
    assert '<input type="hidden" name="next" value="/inbox/?page=1&amp;x=%3Cb%3E">' in row
    assert f"> child missing for {case.reference}</span></button>" in row
    assert "also acknowledges the access" not in row

    row = row_of(page, withdrawn)
    assert "No longer needed since " + uk_time.said(withdrawn.withdrawn_at) in words(row)
    assert "Overdue" not in row and "Escalated" not in row

    row = row_of(page, done)
    by = people["suffolk.officer"].display_name
    assert f"{uk_time.said(done.acknowledged_at)} by {by}" in words(row)
    assert "<form" not in row and "No longer needed" not in row
    sender = people["social.worker"].agency.name
    assert f"{sender} {uk_time.said(done.created_at)}" in words(row)


def test_an_empty_inbox_says_so(people):
    page = client_for("suffolk.officer").get(reverse("inbox")).content.decode()
    assert (
        '<td class="govuk-table__cell" colspan="5">Your agency has no notifications.</td>' in page
    )

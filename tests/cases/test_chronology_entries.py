"""The chronology's entries as the case page writes them (cases/templatetags/chronology.py):
each value escaped, times in UK local time, and the words that say whose, when, amended,
superseded and restricted. The page's other tests read the same entries as text."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.services import add_entry, amend_entry
from tests.cases.page_helpers import html

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def entry_item(page: str, entry) -> str:
    """The `<li>` of one entry."""
    found = re.search(rf'<li class="app-entry[^"]*" id="entry-{entry.pk}">.*?</li>', page, re.S)
    assert found, f"entry {entry.pk} not on the page"
    return found.group(0)


def test_hostile_text_is_shown_as_typed_with_its_line_breaks(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    entry = add_entry(
        people["social.worker"],
        case,
        category="concern",
        occurred_at=dt.datetime(2026, 7, 1, 21, 30, tzinfo=LONDON),
        text='<script>alert("x")</script>\nSeen at "Mo\'s" & left\r\nwith <b>him</b>',
        restricted=False,
    )
    item = entry_item(html(sign_in("social.worker").get(reverse("case", args=[case.pk]))), entry)
    assert "<script>" not in item and "<b>" not in item
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Seen at &quot;Mo&#x27;s&quot; "
        "&amp; left<br>with &lt;b&gt;him&lt;/b&gt;"
    ) in item
    # Summer: the machine-readable time carries the BST offset, the words say it as read.
    assert '<time datetime="2026-07-01T21:30:00+01:00">1 July 2026 at 9:30pm</time>' in item


def test_whose_entry_is_said_in_words_and_repeated_in_colour(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    police = add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=dt.datetime(2026, 11, 2, 8, 0, tzinfo=LONDON),
        text="Car seen",
        restricted=True,
    )
    page = html(sign_in("police.officer").get(reverse("case", args=[case.pk])))
    item = entry_item(page, police)
    assert 'class="app-entry app-entry--police"' in item
    assert '<strong class="govuk-tag app-agency-tag">Norfolk Constabulary</strong>' in item
    assert "Restricted to Norfolk Constabulary" in item
    opened = entry_item(page, case.entries.get(category="case_opened"))
    assert "app-entry--social_care" in opened and "govuk-tag--purple" in opened
    assert "Restricted to" not in opened


def test_amended_superseded_and_recorded_late_are_said(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    worker = people["social.worker"]
    happened = dt.datetime(2026, 10, 20, 18, 0, tzinfo=LONDON)
    original = add_entry(worker, case, category="concern", occurred_at=happened,
                         text="Met at 9pm", restricted=False)  # fmt: skip
    amended = amend_entry(worker, original, text="Met at <10pm>", occurred_at=happened,
                          category="concern", reason='Time "was" wrong')  # fmt: skip
    page = html(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    old, new = entry_item(page, original), entry_item(page, amended)
    assert "app-entry--superseded" in old and ">Superseded</strong>" in old
    assert "Superseded by a later entry</strong>, amended on " in old
    assert ": Time &quot;was&quot; wrong</p>" in old
    assert reverse("entry-amend", args=[case.pk, original.pk]) not in old
    assert "app-entry--superseded" not in new and "Met at &lt;10pm&gt;" in new
    assert "by Jo Fletcher</strong>: Time &quot;was&quot; wrong" in new
    # Recorded days after it happened, and amendable by the agency that recorded it.
    assert re.search(r"Recorded by Jo Fletcher on [^<]+, \d+ days? after it happened", new)
    link = reverse("entry-amend", args=[case.pk, amended.pk])
    assert (
        f'. <a class="govuk-link" href="{link}">Amend<span class="govuk-visually-hidden"> '
        "the concern entry of 20 October 2026 at 6pm</span></a></p>"
    ) in new

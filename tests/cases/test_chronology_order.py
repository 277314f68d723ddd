"""A chronology in the order things happened (issue 15, item 4): entries the services write
carry the time the thing happened; the page shows when each was recorded where that
differs; a significant-events view hides the paperwork across pages, print, CSV and API;
what others recorded since the reader's last visit is flagged wherever it lands."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import visits
from cases.models import Entry, Visit
from cases.services import add_entry
from missing.services import record_return, record_return_interview, report_missing
from safeguarding.uk_time import said
from tests.cases.page_helpers import html, text_of
from triage.services import decide_contact

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _hour(when: dt.datetime) -> dt.datetime:
    """On the hour, so the page says it without minutes and tests can look for it."""
    return when.replace(minute=0, second=0, microsecond=0)


def test_entries_the_services_write_carry_when_it_happened(open_case_for, place, people):
    before = timezone.now()
    case = open_case_for("social.worker", concern="Seen with older men")
    placed, last_seen = _hour(before - 10 * DAY), _hour(before - 3 * DAY)
    returned, held = _hour(before - 2 * DAY), _hour(before - DAY)
    place(case, at=placed)
    episode = report_missing(
        people["police.officer"], case, last_seen_at=last_seen, last_seen_where="The park",
        circumstances="Did not come home.", risk="high",
    )  # fmt: skip
    record_return(
        people["police.officer"], episode, returned_at=returned, how_found="At a friend's"
    )
    episode.refresh_from_db()
    record_return_interview(
        people["social.worker"], episode.return_interview, held_on=held, summary="Talked."
    )
    written = {e.category: e for e in case.entries.all()}
    for category, happened in [
        (Entry.Category.PLACEMENT, placed),
        (Entry.Category.MISSING, last_seen),
        (Entry.Category.RETURNED, returned),
        (Entry.Category.RETURN_INTERVIEW, held),
    ]:
        assert written[category].occurred_at == happened, category
        assert written[category].recorded_at >= before, category
    # Their text says the times one way: "Last seen 2 December 2026 at 3pm".
    assert f"Last seen {said(last_seen)} at The park" in written[Entry.Category.MISSING].text


def test_the_chronology_is_in_the_order_things_happened_and_says_when_each_was_recorded(
    open_case_for, people, sign_in
):
    case = open_case_for("social.worker", concern="Seen with older men")
    last_seen = _hour(timezone.now() - 3 * DAY)
    # Recorded after the concern, but it happened three days before it.
    report_missing(
        people["police.officer"], case, last_seen_at=last_seen, last_seen_where="The park",
        circumstances="Did not come home.", risk="high",
    )  # fmt: skip
    page = text_of(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    assert page.index("Seen with older men") < page.index("Reported missing by")
    assert "in the order they happened, newest first" in page
    # The late one says when it was recorded, and how long after; the concern, recorded as
    # it happened, says only who recorded it.
    missing_at = page.index("Reported missing by")
    late = page[missing_at : page.index("Recorded by", missing_at) + 160]
    assert "3 days after it happened" in late
    concern_at = page.index("Seen with older men")
    recorded = page[page.index("Recorded by", concern_at) :][:60]
    assert recorded.startswith("Recorded by Jo Fletcher.")


def test_a_contact_and_its_decision_sit_where_they_happened(make_contact, people):
    received = _hour(timezone.now() - 4 * DAY)
    contact = make_contact(rag="amber", received_at=received)
    contact = decide_contact(people["mash.manager"], contact, "assessment", "Needs assessing.")
    entries = {e.category: e for e in contact.case.entries.all()}
    assert entries[Entry.Category.MASH_CONTACT].occurred_at == received
    assert entries[Entry.Category.MASH_DECISION].occurred_at == contact.decided_at


ADMINISTRATIVE_TEXT = ["Case opened", "Shared", "Share acknowledged"]


@pytest.fixture
def busy_case(open_case_for, share, people):
    """30 significant entries and shares in between: two pages either way."""
    case = open_case_for("social.worker", concern="Concern 0")
    now = timezone.now()
    for number in range(1, 30):
        add_entry(people["social.worker"], case, category="note",
                  occurred_at=now - number * dt.timedelta(hours=1), text=f"Note {number}",
                  restricted=False)  # fmt: skip
        if number % 5 == 0:
            share(case, "norfolk_police" if number == 5 else "norfolk_hospital", "view")
    return case


def test_the_significant_events_view_hides_the_paperwork_on_every_page(busy_case, sign_in):
    client = sign_in("social.worker")
    url = reverse("case", args=[busy_case.pk])
    every = client.get(url).context["page_obj"].paginator.count
    first = client.get(url, {"show": "significant"})
    assert first.context["page_obj"].paginator.count == 30 < every
    text = text_of(first)
    assert "Showing significant events only" in text and "Show all entries" in text
    raw = html(first)
    # Paging, print and CSV links keep the view.
    assert "show=significant&amp;page=2" in raw or "page=2&amp;show=significant" in raw
    assert f"{reverse('case-print', args=[busy_case.pk])}?show=significant" in raw
    assert f"{reverse('case-export', args=[busy_case.pk])}?show=significant" in raw
    second = client.get(url, {"show": "significant", "page": 2})
    for response in (first, second):
        categories = {e.category for e in response.context["page_obj"]}
        assert categories and not categories & set(Entry.ADMINISTRATIVE), categories
    # The filter form carries the view, so applying a filter keeps it.
    assert 'name="show" type="radio" value="significant" checked' in raw

    printed = text_of(
        client.get(reverse("case-print", args=[busy_case.pk]), {"show": "significant"})
    )
    assert "Significant events only" in printed and "30 entries" in printed
    for paperwork in ("Case opened.", "Shared."):
        assert paperwork not in printed

    response = client.get(reverse("case-export", args=[busy_case.pk]), {"show": "significant"})
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert len(rows) == 30
    assert {row[7] for row in rows} == {"Concern", "Note"}

    everything = text_of(client.get(url))
    assert "Showing all entries" in everything and "Show significant events only" in everything


def test_the_api_has_the_same_significant_view(busy_case, people):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(people["social.worker"])
    url = reverse("api-case-entries", args=[busy_case.pk])
    shown = client.get(url, {"show": "significant", "limit": 100}).json()
    categories = {e["category"] for e in shown["results"]}
    assert categories == {"concern", "note"}
    assert client.get(url, {"show": "everything"}).status_code == 400


def _rewind_visit(case, person, by: dt.timedelta) -> None:
    """As if the person's last read of the case was `by` ago (a visit that ended then)."""
    Visit.objects.filter(case=case, person=person).update(seen_at=timezone.now() - by)


def test_entries_recorded_since_the_last_visit_are_flagged_wherever_they_land(
    busy_case, sign_in, people
):
    reader = people["social.worker"]
    client = sign_in("social.worker")
    url = reverse("case", args=[busy_case.pk])
    first = client.get(url)
    assert "recorded since your last visit" not in text_of(first)  # a first visit
    _rewind_visit(busy_case, reader, dt.timedelta(hours=2))
    # Police record something that happened a month ago: it lands at the very end.
    old = add_entry(people["police.officer"], busy_case, category="intelligence",
                    occurred_at=timezone.now() - 30 * DAY, text="Seen in a car in May",
                    restricted=False)  # fmt: skip
    # Theirs only, and the reader's own new entry is not news to them.
    add_entry(people["police.officer"], busy_case, category="intelligence",
              occurred_at=timezone.now(), text="Police only", restricted=True)  # fmt: skip
    add_entry(reader, busy_case, category="note", occurred_at=timezone.now(),
              text="My own note", restricted=False)  # fmt: skip

    back = client.get(url)
    text = text_of(back)
    assert "1 entry recorded since your last visit" in text
    pages = back.context["page_obj"].paginator.num_pages
    assert pages > 1
    (item,) = back.context["new_entries"]
    assert item["pk"] == old.pk and item["page"] == pages
    raw = html(back)
    assert f'?page={pages}#entry-{old.pk}"' in raw and f"(page {pages})" in text
    assert 'data-testid="new-tag"' not in raw  # not on page 1

    # Paging on in the same visit keeps the flag where the entry sits.
    last = client.get(url, {"page": pages})
    flagged = [e.pk for e in last.context["page_obj"] if e.is_new]
    assert flagged == [old.pk]
    assert "New since your last visit" in text_of(last)
    # The significant view counts and places it in its own paging.
    significant = client.get(url, {"show": "significant"})
    (item,) = significant.context["new_entries"]
    assert (
        item["pk"] == old.pk and item["page"] == significant.context["page_obj"].paginator.num_pages
    )

    # A visit later (an hour on), it is no longer new.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
        again = sign_in("social.worker").get(url)  # signed out after 30 idle minutes
    assert again.context["new_entries"] == []
    assert "recorded since your last visit" not in text_of(again)


def test_a_visit_is_a_run_of_reads_with_short_gaps(open_case_for, people):
    case = open_case_for("social.worker")
    person = people["police.officer"]
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert visits.visit(person, case, start) is None  # first ever
    assert visits.visit(person, case, start + dt.timedelta(minutes=20)) is None  # same visit
    # More than VISIT_GAP after the last read: a new visit, "since" is where the last ended.
    later = start + dt.timedelta(minutes=20) + visits.VISIT_GAP + dt.timedelta(minutes=1)
    assert visits.visit(person, case, later) == start + dt.timedelta(minutes=20)
    assert visits.visit(person, case, later + dt.timedelta(minutes=5)) == (
        start + dt.timedelta(minutes=20)
    )
    # A read stamped earlier (another tab, a clock behind) never moves the visit back.
    assert visits.visit(person, case, start) == start + dt.timedelta(minutes=20)
    assert Visit.objects.get(person=person, case=case).seen_at == later + dt.timedelta(minutes=5)

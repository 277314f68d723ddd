"""Times typed on the pages across the clocks changing (2026 and 2027), and when something
can have happened at all: a repeated time is asked about, a skipped one refused, each with
everything typed kept; the chosen instant is recorded and shown with its zone."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from cases.models import Entry
from missing.models import MissingEpisode, Placement

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Frozen after both clock changes of the year each test types a time in.
AFTER = {2026: dt.datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
         2027: dt.datetime(2027, 11, 5, 12, 0, tzinfo=UTC)}  # fmt: skip
BACK = {2026: dt.date(2026, 10, 25), 2027: dt.date(2027, 10, 31)}
FORWARD = {2026: dt.date(2026, 3, 29), 2027: dt.date(2027, 3, 28)}
TEXT = "Seen getting into a car with two older men."


def said(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def typed(day: dt.date, time: str, date_field="occurred_on", time_field="occurred_time") -> dict:
    return {
        f"{date_field}_day": str(day.day),
        f"{date_field}_month": str(day.month),
        f"{date_field}_year": str(day.year),
        time_field: time,
    }


def entry(day: dt.date, time: str, **more) -> dict:
    return {"category": "concern", "text": TEXT, **typed(day, time)} | more


@pytest.fixture
def case(open_case_for):
    return open_case_for("social.worker", date_of_birth=dt.date(2010, 5, 1))


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_repeated_time_is_asked_about_then_recorded_as_answered(year, case, sign_in):
    with time_machine.travel(AFTER[year], tick=False):
        client = sign_in("social.worker")
        url = reverse("entry-new", args=[case.pk])
        asked = client.post(url, entry(BACK[year], "01:30"))
        page = said(asked)
        day = f"{BACK[year].day} October {year}"
        assert "There is a problem" in page
        assert f"1:30am on {day} happened twice, because the clocks went back an hour" in page
        assert f"Which 1:30am on {day} do you mean?" in page
        raw = asked.content.decode()
        # The summary links to the first radio; both readings are offered, none chosen.
        assert 'href="#id_occurred_time_zone"' in raw
        assert (
            'id="id_occurred_time_zone" name="occurred_time_zone" type="radio" value="BST">' in raw
        )
        assert "1:30am BST (first time)" in page and "1:30am GMT (second time)" in page
        assert TEXT in page and 'value="01:30"' in raw  # everything typed is kept
        assert not case.entries.filter(text=TEXT).exists()

        for zone, utc_hour in [("GMT", 1), ("BST", 0)]:
            answered = client.post(url, entry(BACK[year], "01:30", occurred_time_zone=zone))
            assert answered.status_code == 302
            recorded = case.entries.filter(text=TEXT).latest("id")
            assert recorded.occurred_at == dt.datetime.combine(
                BACK[year], dt.time(utc_hour, 30), UTC
            )
        # The chronology says which 01:30 each was.
        chronology = said(client.get(reverse("case", args=[case.pk])))
        assert f"{day} at 1:30am GMT" in chronology and f"{day} at 1:30am BST" in chronology


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_skipped_time_is_refused_and_what_was_typed_kept(year, case, sign_in):
    with time_machine.travel(AFTER[year], tick=False):
        client = sign_in("social.worker")
        response = client.post(reverse("entry-new", args=[case.pk]), entry(FORWARD[year], "01:30"))
        page = said(response)
        assert (
            f"The clocks went forward at 1am on {FORWARD[year].day} March {year}: 1:30am did "
            "not happen that day. Give a time before 1am or from 2am."
        ) in page
        assert 'href="#id_occurred_time"' in response.content.decode()
        assert TEXT in page and 'value="01:30"' in response.content.decode()
        assert not case.entries.filter(text=TEXT).exists()
        # Either side of the gap is fine, and a time outside the repeated hour is not asked.
        for time, utc in [("00:59", dt.time(0, 59)), ("02:00", dt.time(1, 0))]:
            assert (
                client.post(
                    reverse("entry-new", args=[case.pk]), entry(FORWARD[year], time)
                ).status_code
                == 302
            )
            assert case.entries.latest("id").occurred_at == dt.datetime.combine(
                FORWARD[year], utc, UTC
            )
        page = said(client.get(reverse("case", args=[case.pk])))
        assert f"{FORWARD[year].day} March {year}, 02:00 BST" not in page  # not ambiguous


def test_a_missing_report_and_a_placement_ask_and_refuse_the_same_way(
    open_case_for, agencies, partnership, sign_in
):
    case = open_case_for("social.worker", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    with time_machine.travel(AFTER[2026], tick=False):
        client = sign_in("social.worker")
        url = reverse("missing-new", args=[case.pk])
        report = {"last_seen_where": "Norwich bus station", "circumstances": "Ran off.",
                  "risk": "high", "last_seen_area": str(partnership.areas["norfolk"].pk),
                  } | typed(BACK[2026], "01:15", "last_seen_on", "last_seen_time")  # fmt: skip
        page = said(client.post(url, report))
        assert "1:15am on 25 October 2026 happened twice" in page and "Norwich bus station" in page
        assert client.post(url, report | {"last_seen_time_zone": "GMT"}).status_code == 302
        episode = MissingEpisode.objects.get(case=case)
        assert episode.last_seen_at == dt.datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
        assert "25 October 2026 at 1:15am GMT" in said(client.get(reverse("case", args=[case.pk])))

        placement = {"area": str(partnership.areas["suffolk"].pk), "address": "1 Test Street",
                     "postcode": "ip1 1aa", "provider_type": "childrens_home",
                     **typed(FORWARD[2026], "01:45", "started_on", "started_time")}  # fmt: skip
        page = said(client.post(reverse("placement-new", args=[case.pk]), placement))
        assert "1:45am did not happen that day. Give a time before 1am or from 2am." in page
        assert not Placement.objects.filter(case=case).exists()


def test_a_contact_asks_which_time_it_was_received(make_contact, people, partnership, sign_in):
    child = make_contact().child
    with time_machine.travel(AFTER[2027], tick=False):
        client = sign_in("health.nurse")
        form = {"child": str(child.pk), "area": str(partnership.areas["norfolk"].pk),
                "referrer_type": "professional", "referrer_name": "A Nurse",
                "referrer_role": "School nurse", "concern": TEXT,
                **typed(BACK[2027], "01:05", "received_on", "received_time")}  # fmt: skip
        page = said(client.post(reverse("contact-new"), form))
        assert "1:05am on 31 October 2027 happened twice" in page and TEXT in page
        answered = client.post(reverse("contact-new"), form | {"received_time_zone": "BST"})
        assert answered.status_code == 302
        contact = child.contacts.latest("id")
        assert contact.received_at == dt.datetime(2027, 10, 31, 0, 5, tzinfo=UTC)
        # The contact page says which 01:05 it was.
        page = said(client.get(reverse("contact", args=[contact.pk])))
        assert "31 October 2027 at 1:05am BST" in page


# When something can have happened -------------------------------------------------------

NOW = AFTER[2026]


@pytest.mark.parametrize(
    ("born", "day", "message"),
    [
        (dt.date(2010, 5, 1), dt.date(1229, 6, 1),
         "Date it happened must be on or after 1 January 1900"),
        (dt.date(2010, 5, 1), dt.date(2010, 4, 30),
         "Date it happened must be on or after the child’s date of birth (1 May 2010)"),
        (None, dt.date(1899, 12, 31), "Date it happened must be on or after 1 January 1900"),
    ],
)  # fmt: skip
def test_an_entry_before_the_child_was_born_or_1900_is_refused(
    born, day, message, open_case_for, sign_in
):
    case = open_case_for("social.worker", date_of_birth=born)
    with time_machine.travel(NOW, tick=False):
        client = sign_in("social.worker")
        response = client.post(reverse("entry-new", args=[case.pk]), entry(day, "10:00"))
        page = said(response)
        assert message in page and 'href="#id_occurred_on_day"' in response.content.decode()
        assert TEXT in page and f'value="{day.year}"' in response.content.decode()
        assert not case.entries.filter(text=TEXT).exists()
        # The day of birth itself is fine.
        if born:
            assert (
                client.post(reverse("entry-new", args=[case.pk]), entry(born, "00:30")).status_code
                == 302
            )


def test_an_entry_may_be_a_few_minutes_ahead_for_clock_skew_but_no_more(case, sign_in):
    with time_machine.travel(NOW, tick=False):
        client = sign_in("social.worker")
        url = reverse("entry-new", args=[case.pk])
        today = NOW.date()
        # 12:00 UTC on 2 November 2026 is 12:00 GMT: five minutes ahead is allowed, six not.
        page = said(client.post(url, entry(today, "12:06")))
        assert "The time it happened must be in the past" in page
        assert client.post(url, entry(today, "12:05")).status_code == 302
        assert Entry.objects.filter(case=case, text=TEXT).count() == 1

"""When something happened, through the API: always with its offset from UTC, never before
the child was born (1900 where that is not known), and at most a few minutes ahead (for
clocks that differ); the same rule as the pages (cases.moments.check_when)."""

import datetime as dt

import pytest
import time_machine

from cases.models import Entry
from cases.serializers import AWARE_DATETIME
from missing.models import MissingEpisode
from tests.cases.api_helpers import entry, post, url
from tests.problems import errors

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def refused(response) -> list[str]:
    return errors(response)["occurred_at"]


@pytest.mark.parametrize(
    ("born", "occurred_at", "message"),
    [
        (dt.date(2010, 5, 1), "1229-06-01T10:00:00Z",
         "Give a time on or after the child's date of birth (1 May 2010)."),
        (dt.date(2010, 5, 1), "2010-04-30T22:59:00Z",
         "Give a time on or after the child's date of birth (1 May 2010)."),
        (None, "1899-12-31T12:00:00Z", "Give a time from 1900 onwards."),
    ],
)  # fmt: skip
def test_an_entry_is_refused_outside_the_childs_life_so_far(
    born, occurred_at, message, open_case_for, sign_in
):
    case = open_case_for("social.worker", date_of_birth=born)
    with time_machine.travel(NOW, tick=False):
        response = post(sign_in("social.worker"), url("api-case-entries", case.pk),
                        entry(occurred_at=occurred_at))  # fmt: skip
    assert refused(response) == [message]
    assert not Entry.objects.filter(case=case, text="Came home late").exists()


def test_an_entry_may_be_five_minutes_ahead_and_on_the_day_of_birth(open_case_for, sign_in):
    case = open_case_for("social.worker", date_of_birth=dt.date(2010, 5, 1))
    with time_machine.travel(NOW, tick=False):
        client = sign_in("social.worker")
        new = url("api-case-entries", case.pk)
        # Other clocks differ from ours by a little: five minutes ahead is now, a second
        # more is the future.
        assert post(client, new, entry(occurred_at="2026-11-02T12:05:00Z")).status_code == 201
        assert refused(post(client, new, entry(occurred_at="2026-11-02T12:05:01Z"))) == [
            "Give a time that is not in the future."
        ]
        # 23:30 UTC on 30 April 2010 was 00:30 BST on the day of birth.
        made = post(client, new, entry(occurred_at="2010-04-30T23:30:00+00:00"))
        assert made.status_code == 201
        # Read back as the schema says it is sent (no LMT offset like -00:01:15).
        assert AWARE_DATETIME.match(made.json()["occurred_at"])


def test_an_entry_needs_an_offset_which_says_which_repeated_time(open_case_for, sign_in):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    naive = post(client, url("api-case-entries", case.pk), entry(occurred_at="2026-10-25T01:30:00"))
    assert refused(naive) == [
        "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
        "2025-06-01T21:30:00+01:00."
    ]
    for sent, utc in [("2026-10-25T01:30:00+01:00", dt.time(0, 30)),
                      ("2026-10-25T01:30:00+00:00", dt.time(1, 30))]:  # fmt: skip
        response = post(client, url("api-case-entries", case.pk), entry(occurred_at=sent))
        assert response.status_code == 201
        assert dt.datetime.fromisoformat(response.json()["occurred_at"]) == (
            dt.datetime.fromisoformat(sent)
        )
        stored = Entry.objects.get(pk=response.json()["id"]).occurred_at
        assert stored == dt.datetime.combine(dt.date(2026, 10, 25), utc, dt.UTC)


def test_a_missing_report_before_the_child_was_born_is_refused(open_case_for, sign_in):
    case = open_case_for("social.worker", date_of_birth=dt.date(2010, 5, 1))
    report = {"last_seen_at": "2010-04-01T10:00:00Z", "last_seen_where": "Norwich bus station",
              "circumstances": "Ran off.", "risk": "high"}  # fmt: skip
    response = post(sign_in("social.worker"), url("api-case-missing-episodes", case.pk), report)
    assert errors(response) == {
        "last_seen_at": ["Give a time on or after the child's date of birth (1 May 2010)."]
    }
    assert not MissingEpisode.objects.exists()

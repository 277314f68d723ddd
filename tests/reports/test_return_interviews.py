"""The return home interview compliance report (issue 19, item 5): per month of returns, by
placing authority or host area, held within 72 hours, later, declined, not held, still owed;
small counts about other authorities suppressed; page, CSV and API alike."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missing.models import MissingEpisode, ReturnInterview
from reports.interviews import compliance, month_bounds
from tests.missing.test_pages import client_for, text_of
from tests.problems import problem

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture
def returns(open_case_for, agencies, partnership, people):
    """Returns in November 2026: Norfolk's (in time 3, late 1, declined 1, not held 1, owed
    1) and Suffolk's (in time 6, declined 1), each episode made straight in its table."""
    case = open_case_for("social.worker", first_name="Report")
    worker = people["social.worker"]

    def back(day: int, authority: str, outcome: str = "", *, late=False, area="suffolk"):
        returned = dt.datetime(2026, 11, day, 12, tzinfo=UTC)
        episode = MissingEpisode.objects.create(
            case=case, last_seen_at=returned - dt.timedelta(hours=5), last_seen_where="X",
            circumstances="Y", risk="medium", reported_by=worker,
            reporting_agency=worker.agency, returned_at=returned,
        )  # fmt: skip
        due = returned + dt.timedelta(hours=72)
        held = (due + dt.timedelta(hours=5) if late else returned + dt.timedelta(hours=20)) if (
            outcome == "held") else None  # fmt: skip
        return ReturnInterview.objects.create(
            episode=episode, agency=agencies[authority], due_at=due, outcome=outcome,
            held_on=held, completed_at=(held or due) if outcome else None,
            host_area=partnership.areas[area],
        )  # fmt: skip

    made = [back(day, "norfolk_childrens", "held") for day in (2, 3, 4)]
    norfolk = "norfolk_childrens"
    made += [back(5, norfolk, "held", late=True), back(6, norfolk, "declined"),
             back(7, norfolk, "not_held"), back(8, norfolk)]  # fmt: skip
    made += [back(day, "suffolk_childrens", "held", area="norfolk") for day in range(10, 16)]
    made += [back(16, "suffolk_childrens", "declined", area="norfolk")]
    return made


def by_name(rows):
    return {row.name: row for row in rows}


def test_each_authority_sees_its_own_row_in_full_and_others_small_counts_hidden(returns, people):
    rows, total = compliance(people["social.worker"], NOVEMBER)
    norfolk = by_name(rows)["Norfolk County Council Children's Services"]
    assert norfolk.own
    assert norfolk.shown == {"returns": 7, "in_time": 3, "late": 1, "declined": 1,
                             "not_held": 1, "owed": 1}  # fmt: skip
    assert norfolk.in_time_percent == round(100 * 3 / 7, 1)
    suffolk = by_name(rows)["Suffolk County Council Children's Services"]
    assert not suffolk.own
    # 6 held in time stands; 1 declined is hidden, and so is the next smallest (0s stay)
    # so that the hidden one cannot be worked out from the 7 returns.
    assert suffolk.shown["returns"] == 7 and suffolk.shown["declined"] is None
    assert suffolk.shown["in_time"] is None
    assert suffolk.in_time_percent is None
    # Nor can it be worked out down the column: Norfolk knows its own 3, so the country's 9
    # would give Suffolk's 6 away; with no other authority's cell to hide, the total's goes.
    assert total.counts["returns"] == 14 and total.shown["in_time"] is None
    assert total.shown["returns"] == 14
    # The police hold no interviews: every row is someone else's, small counts hidden.
    rows, _ = compliance(people["suffolk.officer"], NOVEMBER)
    assert not any(row.own for row in rows)
    assert by_name(rows)["Norfolk County Council Children's Services"].shown["late"] is None


def test_by_host_area_counts_where_the_child_was_placed(returns, people):
    rows, _ = compliance(people["social.worker"], NOVEMBER, by="host")
    names = by_name(rows)
    # Norfolk children's services cover Norfolk: the returns of children placed there.
    assert names["Norfolk"].own and names["Norfolk"].shown["returns"] == 7
    assert not names["Suffolk"].own


def test_a_month_is_a_month_of_uk_time_across_the_clock_change():
    start, end = month_bounds(dt.date(2026, 10, 1))
    assert start == dt.datetime(2026, 9, 30, 23, tzinfo=UTC)  # midnight BST
    assert end == dt.datetime(2026, 11, 1, 0, tzinfo=UTC)  # midnight GMT


def test_the_page_the_csv_and_the_api_agree(returns):
    client = client_for("social.worker")
    page = client.get(reverse("return-interview-report"), {"month": "2026-11"})
    text = text_of(page)
    assert "November 2026, by placing authority" in text
    assert "3 (42.9%)" in text and "fewer than 5" in text
    csv = client.get(reverse("return-interview-report-csv"), {"month": "2026-11"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[1].startswith(
        "2026-11,Norfolk County Council Children's Services,7,3,1,1,1,1,42.9"
    )
    assert "fewer than 5" in lines[2]
    api = client.get(reverse("api-return-interview-report"), {"month": "2026-11"})
    data = api.json()
    assert data["suppressed_under"] == 5
    assert data["rows"][1]["declined"] is None and data["rows"][0]["declined"] == 1
    assert problem(client.get(reverse("api-return-interview-report"), {"month": "11/2026"}), 400)
    bad = text_of(client.get(reverse("return-interview-report"), {"month": "<b>x"}))
    assert "Enter the month as year and month" in bad
    empty = text_of(client.get(reverse("return-interview-report"), {"month": "2026-06"}))
    assert "No child returned from a missing episode in June 2026." in empty
    assert "See July 2026" in empty and "so far" not in empty


def test_an_agency_admin_is_refused_and_the_signed_out_sent_to_sign_in(returns, client):
    admin = client_for("admin.ncc")
    assert admin.get(reverse("return-interview-report")).status_code == 403
    assert admin.get(reverse("return-interview-report-csv")).status_code == 403
    assert problem(admin.get(reverse("api-return-interview-report")), 403)
    assert client.get(reverse("return-interview-report"))["Location"].startswith("/sign-in/")


def test_the_page_costs_the_same_queries_however_many_returns(returns, open_case_for, people):
    client = client_for("social.worker")
    url = reverse("return-interview-report")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"month": "2026-11"})
    with CaptureQueriesContext(connection) as none:
        client.get(url, {"month": "2026-06"})
    assert len(few.captured_queries) == len(none.captured_queries)


def test_no_hidden_count_can_be_worked_out_by_subtraction_across_or_down():
    from reports.interviews import OUTCOMES, Row, _protect, _suppress

    def row(name, own, in_time, late, declined, not_held, owed):
        counts = dict(zip(OUTCOMES, (in_time, late, declined, not_held, owed), strict=True))
        return Row(name, own, {"returns": sum(counts.values()), **counts})

    rows = [row("Ours", True, 9, 2, 1, 0, 0), row("B", False, 20, 6, 1, 0, 0),
            row("C", False, 30, 8, 7, 0, 0)]  # fmt: skip
    total = row("All", False, 59, 16, 9, 0, 0)
    for each in (*rows, total):
        _suppress(each)
    _protect(rows, total)
    for each in (*rows, total):
        shown = each.shown
        if shown["returns"] is not None:  # across: never exactly one unknown in a row
            assert sum(shown[name] is None for name in OUTCOMES) != 1, each
    for name in ("returns", *OUTCOMES):  # down: never exactly one unknown among the rows
        if total.shown[name] is not None:
            assert sum(r.shown[name] is None for r in rows) != 1, name
    assert rows[1].shown["declined"] is None and rows[2].shown["declined"] is None
    assert rows[0].shown == rows[0].counts  # our own, whole

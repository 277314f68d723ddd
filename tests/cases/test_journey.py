"""The child's journey (/cases/<id>/journey/): placements as bands, missing episodes as marks
with their length, contacts, decisions and strategy discussions as points, and a table of
the same events; exactly what the person sees on the chronology, whatever the range; its
read audited, its queries constant; and in the print for strategy meetings."""

import datetime as dt
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases import journey as journeys
from cases import selectors
from cases.services import add_entry, amend_entry
from missing.models import MissingEpisode, Placement
from missing.services import record_return, report_missing
from people.models import Area
from safeguarding.uk_time import day_said
from tests.conftest import events

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _ago(days: float, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


def _missing(people, case, *, last_seen, returned=None, risk="high", where="Ely bus station"):
    episode = report_missing(people["police.officer"], case, last_seen_at=last_seen,
                             last_seen_where=where, circumstances="Did not come home.",
                             risk=risk)  # fmt: skip
    if returned:
        record_return(people["police.officer"], episode, returned_at=returned,
                      how_found="Found by officers.")  # fmt: skip
    return episode


def _note(people, who, case, category, when, text, restricted=False):
    return add_entry(people[who], case, category=category, occurred_at=when, text=text,
                     restricted=restricted)  # fmt: skip


@pytest.fixture
def case(open_case_for, share, place, people):
    """A looked-after child: placed in Cambridgeshire (where no demo agency works) 200 days
    ago, moved to Norfolk 60 days ago, missing twice, a
    contact, a strategy discussion; shared with the police (contribute) and the hospital
    (view)."""
    case = open_case_for("social.worker", first_name="Journey", last_name="Testchild",
                         concern="Seen with older men at the bus station")  # fmt: skip
    share(case, "norfolk_police", "contribute")
    share(case, "norfolk_hospital", "view")
    place(case, "cambridgeshire", at=_ago(200))
    place(case, "norfolk", at=_ago(60))
    _missing(people, case, last_seen=_ago(100), returned=_ago(100) + dt.timedelta(days=2, hours=4))
    _missing(people, case, last_seen=_ago(0, hours=10), where="Norwich bus station")
    _note(people, "social.worker", case, "strategy_discussion", _ago(20),
          "Strategy discussion with police and school.")  # fmt: skip
    return case


def page_of(client, case, query=None):
    response = client.get(reverse("case-journey", args=[case.pk]), query or {})
    assert response.status_code == 200
    return response


def svg(html: str, name: str) -> str:
    return re.search(rf'<svg[^>]*data-testid="journey-{name}".*?</svg>', html, re.S).group(0)


def table(html: str) -> str:
    return re.search(r'<table class="govuk-table app-journey__table">.*?</table>', html, re.S)[0]


def shapes(drawing: str) -> dict:
    return {
        "bands": drawing.count('class="app-journey__band"'),
        "marks": len(re.findall(r'class="app-journey__mark[ "]', drawing)),
        "contacts": drawing.count("app-journey__point--contact"),
        "decisions": drawing.count("app-journey__point--decision"),
        "strategy": drawing.count("app-journey__point--strategy"),
    }


def test_the_journey_draws_placements_missing_episodes_and_points_and_lists_them(sign_in, case):
    html = page_of(sign_in("social.worker"), case).content.decode()
    for name in ("wide", "narrow"):
        drawing = svg(html, name)
        assert 'role="img"' in drawing and "<title" in drawing and "<desc" in drawing
        assert shapes(drawing) == {"bands": 2, "marks": 2, "contacts": 1, "decisions": 0,
                                   "strategy": 1}  # fmt: skip
        assert "2 placements, 2 missing episodes, 1 contact or concern" in drawing
    wide = svg(html, "wide")
    # Labels where they fit: where each placement is, how long each episode lasted.
    assert "Children’s home in Cambridgeshire" in wide
    assert "missing 2 days 4 hours" in wide
    assert "still missing, 10 hours" in wide
    rows = re.findall(r'<tr class="govuk-table__row" data-kind="(\w+)"', table(html))
    # In the order they started, oldest first.
    assert rows == ["placement", "missing", "placement", "strategy", "missing", "contact"]
    text = table(html)
    assert "Missing 2 days 4 hours, high risk. Last seen at Ely bus station." in text
    assert "Still missing after 10 hours, high risk. Last seen at Norwich bus station." in text
    assert "Children’s home in Cambridgeshire. Ended: Moved to a new placement." in text
    assert "Placed by Norfolk County Council Children" in text
    assert "Strategy discussion with police and school." in text
    assert "to now" in text


def test_a_restricted_entry_never_shows_to_anyone_outside_its_agency(sign_in, case, people):
    _note(people, "police.officer", case, "strategy_discussion", _ago(30),
          "Police-only discussion about Operation Nightjar.", restricted=True)  # fmt: skip
    _note(people, "social.worker", case, "concern", _ago(40),
          "Children's services only: the mother's new partner.", restricted=True)  # fmt: skip
    police = page_of(sign_in("police.officer"), case).content.decode()
    assert "Operation Nightjar" in table(police)
    assert shapes(svg(police, "wide"))["strategy"] == 2
    assert "new partner" not in police
    assert shapes(svg(police, "wide"))["contacts"] == 1
    for who in ("social.worker", "health.nurse"):
        html = page_of(sign_in(who), case).content.decode()
        assert "Nightjar" not in html, who
        assert shapes(svg(html, "wide"))["strategy"] == 1, who
        assert shapes(svg(html, "narrow"))["strategy"] == 1, who
    assert "new partner" in page_of(sign_in("social.worker"), case).content.decode()


def test_each_person_sees_on_the_journey_exactly_the_points_their_chronology_shows(case, people):
    """The hospital holds view only, the police contribute, children's services manage:
    for each, what the journey draws is what their chronology lists, restricted entries of
    each agency (and another agency's amendments) included."""
    _note(people, "police.officer", case, "mash_contact", _ago(5), "Police contact.",
          restricted=True)  # fmt: skip
    own = _note(people, "health.nurse", case, "concern", _ago(6), "Hospital concern.")
    _note(people, "social.worker", case, "mash_decision", _ago(7), "A decision.",
          restricted=True)  # fmt: skip
    amend_entry(people["health.nurse"], own, text="Hospital concern, corrected.",
                occurred_at=own.occurred_at, category="concern", reason="Typo")  # fmt: skip
    first, last = journeys.default_range()
    for who in ("social.worker", "police.officer", "health.nurse"):
        person = people[who]
        drawn = journeys.journey(person, case, first, last)
        points = sorted(e.detail for e in drawn.events if e.kind not in ("placement", "missing"))
        expected = sorted(
            e.text
            for e in selectors.chronology(case, person).filter(
                category__in=list(journeys.POINTS), superseded_by__isnull=True
            )
        )
        assert points == expected, who
        assert "Hospital concern." not in points  # superseded: its correction is drawn
    nurse = journeys.journey(people["health.nurse"], case, first, last)
    assert not any("Police contact" in e.detail or "A decision" in e.detail for e in nurse.events)


def test_a_placement_or_episode_shows_only_where_its_chronology_entry_does(
    sign_in, case, people, open_case_for, place
):
    """A placement or episode row with no chronology entry the person can see is not drawn
    (here: rows written straight into their tables), nor one on another case of the child."""
    Placement.objects.filter(case=case, ended_at__isnull=True).update(ended_at=_ago(50))
    Placement.objects.create(
        case=case, child=case.child, placing_authority=case.lead_agency,
        area=Area.objects.get(name="Suffolk"), address="2 Example Road, Ipswich",
        postcode="IP1 4AA", provider_type="foster_care", started_at=_ago(40),
        recorded_by=case.opened_by,
    )  # fmt: skip
    MissingEpisode.objects.create(
        case=case, last_seen_at=_ago(30), returned_at=_ago(29), last_seen_where="Nowhere seen",
        circumstances="Unrecorded", risk="low", reported_by=people["police.officer"],
        reporting_agency=people["police.officer"].agency,
    )  # fmt: skip
    html = page_of(sign_in("social.worker"), case).content.decode()
    assert "in Suffolk" not in html and "Nowhere seen" not in html
    assert shapes(svg(html, "wide"))["bands"] == 2
    assert shapes(svg(html, "wide"))["marks"] == 2


def test_the_range_defaults_to_12_months_and_can_be_chosen(sign_in, case, people):
    _note(people, "social.worker", case, "concern", _ago(500), "An old concern.")
    client = sign_in("social.worker")
    default = page_of(client, case)
    assert "An old concern." not in default.content.decode()
    first, last = journeys.default_range()
    assert default.context["journey"].first == first
    assert last == timezone.localdate() and (last - first).days in (364, 365)

    old = (timezone.localdate() - dt.timedelta(days=600)).timetuple()
    query = {"occurred_from_day": old.tm_mday, "occurred_from_month": old.tm_mon,
             "occurred_from_year": old.tm_year}  # fmt: skip
    chosen = page_of(client, case, query).content.decode()
    assert "An old concern." in table(chosen)
    assert shapes(svg(chosen, "wide"))["contacts"] == 2

    # Only 300 to 200 days ago: the first placement and the first missing episode.
    # (UK dates: from 23:00 in winter, 200 days ago in summer time is the next day there.)
    start, end = timezone.localdate(_ago(300)), timezone.localdate(_ago(200))
    narrow = page_of(client, case, {
        "occurred_from_day": start.day, "occurred_from_month": start.month,
        "occurred_from_year": start.year, "occurred_to_day": end.day,
        "occurred_to_month": end.month, "occurred_to_year": end.year,
    }).content.decode()  # fmt: skip
    assert re.findall(r'data-kind="(\w+)"', table(narrow)) == ["placement"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"occurred_from_day": "31", "occurred_from_month": "2", "occurred_from_year": "2025"},
         "From must be a real date"),
        ({"occurred_from_day": "1", "occurred_from_month": "1"}, "From must include a year"),
        ({"occurred_from_day": "1", "occurred_from_month": "1", "occurred_from_year": "2015"},
         "From must be no more than 5 years before today"),
        ({"occurred_from_day": "2", "occurred_from_month": "1", "occurred_from_year": "2025",
          "occurred_to_day": "1", "occurred_to_month": "1", "occurred_to_year": "2025"},
         "To must be the same as or after From"),
        ({"occurred_from_day": "1", "occurred_from_month": "1", "occurred_from_year": "2019",
          "occurred_to_day": "2", "occurred_to_month": "1", "occurred_to_year": "2024"},
         "From must be no more than 5 years before To"),
        ({"occurred_to_day": "1", "occurred_to_month": "1", "occurred_to_year": "2999"},
         "To must be today or in the past"),
    ],
)  # fmt: skip
def test_a_wrong_range_says_what_is_wrong_and_keeps_what_was_typed(sign_in, case, query, message):
    response = page_of(sign_in("social.worker"), case, query)
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert response.context["journey"] is None
    assert 'data-testid="journey"' not in html
    for name, value in query.items():
        assert f'name="{name}" type="text" inputmode="numeric" maxlength="10" value="{value}"' in (
            html
        )


def test_the_journey_read_is_audited_with_its_range(sign_in, case):
    year = str(timezone.localdate().year)
    query = {"occurred_from_day": "1", "occurred_from_month": "1", "occurred_from_year": year}
    page_of(sign_in("police.officer"), case, query)
    (event,) = events(Action.CASE_VIEWED)
    assert event.target_id == str(case.pk)
    assert event.detail["view"] == "journey"
    assert event.detail["from"] == f"{timezone.localdate().year}-01-01"
    assert event.detail["to"] == timezone.localdate().isoformat()
    assert event.detail["via"] == "share"


def test_someone_who_may_not_see_the_case_gets_404_and_the_refusal_is_recorded(sign_in, case):
    response = sign_in("suffolk.officer").get(reverse("case-journey", args=[case.pk]))
    assert response.status_code == 404
    assert "Testchild" not in response.content.decode()
    assert events(Action.CASE_VIEWED) == []
    assert len(events(Action.PERMISSION_REFUSED)) == 1


# Measured with one event of each kind (the session, the person, their authenticator, the
# header's inbox count, the case, the access check, the read's basis and its audit insert,
# the entries, the placements and the episodes); many must not need more.
JOURNEY_QUERIES = 16


def test_the_journey_takes_the_same_number_of_queries_for_1_event_or_many(
    sign_in, open_case_for, share, place, people, django_assert_max_num_queries
):
    case = open_case_for("social.worker", concern="One concern")
    share(case, "norfolk_police", "contribute")
    place(case, "suffolk", at=_ago(300))
    _missing(people, case, last_seen=_ago(250), returned=_ago(249))
    client = sign_in("police.officer")
    with django_assert_max_num_queries(JOURNEY_QUERIES):
        response = page_of(client, case)
    assert len(response.context["journey"].events) == 3

    for number in range(1, 30):
        place(case, "suffolk" if number % 2 else "norfolk", at=_ago(240 - number * 7))
        _missing(people, case, last_seen=_ago(240 - number * 7, hours=-2),
                 returned=_ago(240 - number * 7, hours=-30))  # fmt: skip
        _note(people, "police.officer", case, "mash_contact", _ago(number), f"Contact {number}",
              restricted=number % 2 == 0)  # fmt: skip
        _note(people, "social.worker", case, "strategy_discussion", _ago(number),
              f"Discussion {number}", restricted=number % 3 == 0)  # fmt: skip
    with django_assert_max_num_queries(JOURNEY_QUERIES):
        response = page_of(client, case)
    assert len(response.context["journey"].events) > 100


def test_the_print_for_a_strategy_meeting_has_the_journey_of_the_printed_range(
    sign_in, case, people
):
    _note(people, "police.officer", case, "strategy_discussion", _ago(150),
          "Police-only plan.", restricted=True)  # fmt: skip
    client = sign_in("social.worker")
    html = client.get(reverse("case-print", args=[case.pk])).content.decode()
    assert "Police-only plan" not in html
    assert shapes(svg(html, "wide")) == {"bands": 2, "marks": 2, "contacts": 1, "decisions": 0,
                                         "strategy": 1}  # fmt: skip
    assert "Journey from" in html and "Still missing after 10 hours" in table(html)
    # Printed from a date: the journey starts there too.
    start = _ago(70).date()
    html = client.get(reverse("case-print", args=[case.pk]), {
        "occurred_from_day": start.day, "occurred_from_month": start.month,
        "occurred_from_year": start.year,
    }).content.decode()  # fmt: skip
    assert f"Journey from {day_said(start)} to" in html
    kinds = ["placement", "placement", "strategy", "missing", "contact"]
    assert re.findall(r'data-kind="(\w+)"', table(html)) == kinds
    # Printed for one category, the journey (every kind of event) is left out.
    html = client.get(reverse("case-print", args=[case.pk]), {"category": "missing"})
    assert 'data-testid="journey"' not in html.content.decode()
    assert 'data-testid="no-journey"' in html.content.decode()


def test_a_print_of_old_entries_reaches_back_to_them_but_no_more_than_5_years():
    today = dt.date(2026, 5, 1)
    filters = {"occurred_from": None, "occurred_to": today}

    class Old:
        occurred_at = dt.datetime(2024, 3, 2, 12, tzinfo=dt.UTC)

    assert journeys.printed_days(filters, [Old()]) == (dt.date(2024, 3, 2), today)
    assert journeys.printed_days(filters, []) == (dt.date(2025, 5, 2), today)
    Old.occurred_at = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    assert journeys.printed_days(filters, [Old()]) == (dt.date(2021, 5, 2), today)


def test_labels_are_drawn_only_where_they_fit():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    end = start + 365 * DAY
    events = [
        journeys.Event(kind="placement", start=start, end=start + 3 * DAY, title="Foster care"),
        journeys.Event(kind="placement", start=start + 3 * DAY, end=end, title="Foster care"),
        journeys.Event(kind="missing", start=start + 100 * DAY, end=start + 101 * DAY,
                       title="missing 1 day"),
        journeys.Event(kind="missing", start=start + 102 * DAY, end=start + 103 * DAY,
                       title="missing 1 day"),
    ]  # fmt: skip
    for width in (journeys.WIDE, journeys.NARROW):
        drawing = journeys.draw(events, start, end, end, width=width, prefix="t")
        assert [bool(b.label) for b in drawing.bands] == [False, True]
        # Episodes close together: the newest labelled first, the other on the next row.
        assert [(m.label, m.label_y) for m in drawing.marks] == [
            ("missing 1 day", journeys.MARK_LABELS[1]),
            ("missing 1 day", journeys.MARK_LABELS[0]),
        ]
        labels = [t for t in drawing.ticks if t.label]
        assert all(b.label_x - a.label_x >= journeys.text_width("Sep")
                   for a, b in itertools.pairwise(labels))  # fmt: skip
        assert all(t.label_x + journeys.text_width("Sep") <= width + 3 for t in labels)
    assert len([t for t in journeys.draw(events, start, end, end, width=journeys.WIDE,
                                         prefix="t").ticks if t.label]) == 12  # fmt: skip

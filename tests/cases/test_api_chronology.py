"""The case API for a case's chronology and screenings: what each agency sees of the
entries, recording and amending them, screenings and the risk level they set, cursor paging
and query counts, and a personal token reading and writing entries as its person.

The world most tests start from (the `world` fixture, tests/cases/api_helpers.py):
social.worker (Norfolk children's services) has opened a case for Amy, and shared it `view`
with Norfolk Constabulary. Suffolk police and the hospital have nothing.
"""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from cases.services import add_entry
from people.tokens import create_token
from safeguarding import problems
from sharing.models import Share
from tests.cases.api_helpers import (
    NOT_FOUND,
    actions,
    count_queries,
    entry,
    ids,
    post,
    recorded,
    results,
    url,
)
from tests.conftest import events, scored_screening
from tests.problems import errors, problem

pytestmark = pytest.mark.django_db


# --- the chronology ------------------------------------------------------------------------


@pytest.fixture
def chronology(world, people, share):
    """Entries from two agencies, one of them restricted to the police."""
    share(world.case, "norfolk_police", "contribute")
    when = timezone.now() - dt.timedelta(days=3)
    police = add_entry(
        people["police.officer"], world.case, category="intelligence",
        occurred_at=when, text="Vehicle seen twice", restricted=True,
    )  # fmt: skip
    note = add_entry(
        people["social.worker"], world.case, category="note",
        occurred_at=when - dt.timedelta(days=1), text="Home visit", restricted=False,
    )  # fmt: skip
    return SimpleNamespace(police=police, note=note)


def test_the_chronology_shows_every_agency_but_not_others_restricted_entries(
    sign_in, world, chronology
):
    client = sign_in("social.worker")
    with recorded() as written:
        social = client.get(url("api-case-entries", world.case.pk))
    assert chronology.police.pk not in ids(social)
    assert chronology.note.pk in ids(social)
    assert actions(written) == [Action.CASE_VIEWED]
    lead = Share.objects.get(case=world.case, level="manage")
    assert written[0].detail == {
        "view": "chronology",
        "entries": ids(social),
        **{"via": "share", "share": lead.pk, "level": "manage"},
    }

    police = sign_in("police.officer").get(url("api-case-entries", world.case.pk))
    seen = {row["id"]: row for row in results(police)}
    assert seen[chronology.police.pk]["restricted"] is True
    assert seen[chronology.police.pk]["agency"] == {
        "id": chronology.police.agency_id,
        "name": "Norfolk Constabulary",
        "kind": "police",
    }
    assert seen[chronology.police.pk]["recorded_by"] == "Dana Wells"
    assert seen[chronology.note.pk]["agency"]["kind"] == "social_care"
    # Newest first by when it happened.
    times = [row["occurred_at"] for row in results(police)]
    assert times == sorted(times, reverse=True)


def test_the_chronology_filters_by_agency_category_and_dates(sign_in, world, chronology, agencies):
    client = sign_in("police.officer")
    entries = url("api-case-entries", world.case.pk)
    police = client.get(f"{entries}?agency={agencies['norfolk_police'].pk}")
    assert ids(police) == [chronology.police.pk]
    assert ids(client.get(f"{entries}?category=note")) == [chronology.note.pk]
    day = chronology.note.occurred_at.astimezone(timezone.get_current_timezone()).date()
    between = client.get(f"{entries}?occurred_from={day}&occurred_to={day}")
    assert ids(between) == [chronology.note.pk]
    assert errors(client.get(f"{entries}?occurred_from=yesterday")) == {
        "occurred_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    }
    gossip = client.get(f"{entries}?category=gossip")
    assert errors(gossip) == {"category": [problems.ECHOING_CODES["invalid_choice"]]}
    assert "gossip" not in gossip.content.decode()
    assert client.get(f"{entries}?agency=one").status_code == 400


def test_a_contributor_records_an_entry(sign_in, world):
    client = sign_in("social.worker")
    with recorded() as written:
        response = post(client, url("api-case-entries", world.case.pk), entry(restricted=True))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["restricted"] is True
    assert made["agency"]["kind"] == "social_care"
    assert (made["supersedes"], made["superseded_by"]) == (None, None)
    assert actions(written) == [Action.ENTRY_ADDED]
    assert written[0].detail == {"entry": made["id"], "category": "concern", "restricted": True}
    # A restricted entry is the recording agency's alone.
    police = sign_in("police.officer").get(url("api-case-entries", world.case.pk))
    assert made["id"] not in ids(police)


def test_a_viewer_cannot_record_until_given_contribute(sign_in, world, share):
    refused = post(sign_in("police.officer"), url("api-case-entries", world.case.pk), entry())
    assert problem(refused, 404) == NOT_FOUND
    share(world.case, "norfolk_police", "contribute")
    allowed = post(sign_in("police.officer"), url("api-case-entries", world.case.pk), entry())
    assert allowed.status_code == 201


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at", "not in the future"),
        ({"occurred_at": "last week"}, "occurred_at", "with its offset from UTC"),
        # DRF's own words would quote the value back: the schema's are given instead.
        ({"category": "case_opened"}, "category", problems.ECHOING_CODES["invalid_choice"]),
        ({"text": "x" * 5001}, "text", "no more than 5000 characters"),
        ({"text": " \n "}, "text", "not only spaces"),
        ({"restricted": 1}, "restricted", "Must be a valid boolean"),
        ({"supersedes": 5}, "amendment_reason", "Give the reason for the amendment"),
        ({"amendment_reason": "Typo"}, "amendment_reason", "only when amending"),
    ],
)
def test_an_entry_is_checked(sign_in, world, fields, field, message):
    client = sign_in("social.worker")
    with recorded() as written:
        response = post(client, url("api-case-entries", world.case.pk), entry(**fields))
    assert message in str(errors(response)[field]), response.json()
    if field == "category":
        assert "case_opened" not in response.content.decode()
    assert written == []


def test_an_amendment_is_a_new_entry_and_the_original_stays(sign_in, world, chronology):
    client = sign_in("social.worker")
    amend = entry(
        category="note", text="Home visit, mother present", supersedes=chronology.note.pk,
        amendment_reason="Left out who was there", restricted=True,
    )  # fmt: skip
    with recorded() as written:
        response = post(client, url("api-case-entries", world.case.pk), amend)
    assert response.status_code == 201, response.content
    amendment = response.json()
    assert amendment["supersedes"] == chronology.note.pk
    assert amendment["restricted"] is False  # as the original: seen by whoever saw it
    assert amendment["amendment_reason"] == "Left out who was there"
    assert actions(written) == [Action.ENTRY_AMENDED]
    listed = {row["id"]: row for row in results(client.get(url("api-case-entries", world.case.pk)))}
    assert listed[chronology.note.pk]["superseded_by"] == amendment["id"]
    assert listed[chronology.note.pk]["text"] == "Home visit"

    again = post(client, url("api-case-entries", world.case.pk), amend)
    assert errors(again) == {
        "supersedes": ["This entry has already been amended. Amend the newest version."]
    }


def test_only_the_recording_agency_amends_and_only_entries_it_may_see(
    sign_in, world, chronology, people
):
    opened = world.case.entries.get(category="concern")
    police = sign_in("police.officer")
    theirs = entry(supersedes=opened.pk, amendment_reason="Wrong")
    response = post(police, url("api-case-entries", world.case.pk), theirs)
    assert errors(response) == {
        "supersedes": ["Only the agency that recorded an entry can amend it."]
    }
    # The police's restricted entry does not exist for social.worker, nor does another case's.
    social = sign_in("social.worker")
    hidden = entry(supersedes=chronology.police.pk, amendment_reason="Wrong")
    assert problem(post(social, url("api-case-entries", world.case.pk), hidden), 404) == (
        problems.body(404, "No such entry")
    )
    service_made = world.case.entries.get(category="case_opened")
    made = entry(supersedes=service_made.pk, amendment_reason="Wrong")
    assert post(social, url("api-case-entries", world.case.pk), made).status_code == 400
    assert not events(Action.ENTRY_AMENDED)


# --- screenings ----------------------------------------------------------------------------


def test_old_screenings_are_read_and_a_new_one_is_gone(sign_in, world, people):
    """Issue 21: a POST answers 410 to whoever sees the case, naming the assessments in
    `successor` and a Link header, and saves nothing; outsiders get 404 as ever; the old
    ones still read, labelled by their view."""
    scored_screening(world.case, people["social.worker"], "low", indicators=["missing"])
    screenings = url("api-case-screenings", world.case.pk)
    worker = sign_in("social.worker")
    with recorded() as written:
        gone = post(worker, screenings, {"indicators": ["missing"]})
    assert gone.status_code == 410
    body = problem(gone, 410)
    assert body["successor"].endswith(url("api-case-assessments", world.case.pk))
    assert 'rel="successor-version"' in gone["Link"]
    assert actions(written) == [] and world.case.screenings.count() == 1
    assert post(sign_in("police.officer"), screenings, {}).status_code == 410  # view share
    assert post(sign_in("suffolk.officer"), screenings, {}).status_code == 404
    police = sign_in("police.officer")
    with recorded() as written:
        history = police.get(screenings)
    assert [row["risk_level"] for row in results(history)] == ["low"]
    assert actions(written) == [Action.CASE_VIEWED]
    assert written[0].detail["view"] == "screenings"


# --- paging and queries --------------------------------------------------------------------


def test_the_chronology_is_cursor_paged_25_at_a_time(sign_in, world, people):
    start = timezone.now() - dt.timedelta(days=100)
    Entry.objects.bulk_create(
        Entry(case=world.case, category="note", occurred_at=start + dt.timedelta(hours=i),
              recorded_by=people["social.worker"], agency=people["social.worker"].agency,
              text=f"Note {i}")
        for i in range(57)
    )  # fmt: skip
    client = sign_in("social.worker")
    expected = list(
        Entry.objects.filter(case=world.case)
        .order_by("-occurred_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) == 60  # with the opening, the concern and the police share
    seen, pages, link = [], [], url("api-case-entries", world.case.pk)
    while link:
        page = client.get(link).json()
        pages.append(len(page["results"]))
        seen += [row["id"] for row in page["results"]]
        link = page["next"]
    assert pages == [25, 25, 10]
    assert seen == expected
    cursor = parse_qs(
        urlsplit(client.get(url("api-case-entries", world.case.pk)).json()["next"]).query
    )
    assert set(cursor) == {"cursor"}
    second = client.get(url("api-case-entries", world.case.pk, cursor=cursor["cursor"][0])).json()
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == expected[:25]
    assert len(events(Action.CASE_VIEWED)) == 6  # one a page asked for


def test_the_chronology_takes_the_same_few_queries_whatever_its_length(
    sign_in, world, people, django_assert_max_num_queries
):
    client = sign_in("police.officer")
    path = url("api-case-entries", world.case.pk)
    few = count_queries(client, path, django_assert_max_num_queries)
    officer, worker, now = people["police.officer"], people["social.worker"], timezone.now()
    Entry.objects.bulk_create(
        Entry(case=world.case, category="note", occurred_at=now - dt.timedelta(minutes=i),
              recorded_by=who, agency=who.agency, text=f"Note {i}", restricted=i % 3 == 0)
        for i in range(300) for who in [officer if i % 2 else worker]
    )  # fmt: skip
    with django_assert_max_num_queries(few):
        assert len(results(client.get(path))) == 25
    assert few <= 11, few


# --- tokens --------------------------------------------------------------------------------


def test_a_token_reads_and_writes_cases_as_its_person(world, people, share):
    share(world.case, "norfolk_police", "contribute")
    token, secret = create_token(people["police.officer"], "Force system", 7)
    api = Client()
    with recorded() as written:
        read = api.get(
            url("api-case-entries", world.case.pk), **{"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        )
    assert read.status_code == 200
    assert actions(written) == [Action.API_REQUEST, Action.CASE_VIEWED]
    assert written[0].target_id == str(token.pk)
    with recorded() as written:
        made = api.post(
            url("api-case-entries", world.case.pk), entry(category="intelligence"),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}",
        )  # fmt: skip
    assert made.status_code == 201
    assert made.json()["agency"]["name"] == "Norfolk Constabulary"
    assert actions(written) == [Action.API_REQUEST, Action.ENTRY_ADDED]
    suffolk_token = create_token(people["suffolk.officer"], "Suffolk", 7)[1]
    hidden = api.get(url("api-case", world.case.pk), HTTP_AUTHORIZATION=f"Bearer {suffolk_token}")
    assert hidden.status_code == 404

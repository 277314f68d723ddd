"""What the domain forbids, the database refuses (issue 23, item 4): one open case per child
and lead agency, one open missing episode per case. Each is a constraint, answered with a
409 problem that names the open record only to someone who may see it; the migrations
that add them stop with a list when rows already break them, and change nothing."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cases.models import Case, CaseGroupObjectPermission
from cases.services import open_case
from missing.models import MissingEpisode
from people.models import Area
from safeguarding.migration_checks import RowsBreakTheConstraint
from tests.at_once import at_once
from tests.idempotency.test_forms import signed_in_client
from tests.missing.api_helpers import a_return, missing

PROBLEM = "application/problem+json"
OPEN_CASE = "urn:safeguarding-hub:problem:open-case-exists"
ALREADY_MISSING = "urn:safeguarding-hub:problem:child-already-missing"


def post(client, name, *args, data=None):
    return client.post(reverse(name, args=args), data or {}, content_type="application/json")


@pytest.fixture
def case(open_case_for, share):
    """A Norfolk children's services case, shared with Norfolk police to view."""
    made = open_case_for("social.worker", first_name="Amy", last_name="Example")
    share(made, "norfolk_police", "view")
    return made


# --- one open case per child and lead agency ------------------------------------------------


def test_a_second_open_case_for_the_child_is_409_naming_the_first(case, people):
    police = signed_in_client(people["police.officer"])
    first = post(police, "api-cases", data={"child": case.child.pk})
    assert first.status_code == 201, first.content
    opened = first.json()["id"]

    again = post(police, "api-cases", data={"child": case.child.pk, "concern": "Seen again"})

    assert again.status_code == 409
    assert again["Content-Type"].startswith(PROBLEM)
    body = again.json()
    assert body["type"] == OPEN_CASE
    assert body["status"] == 409
    assert body["case"] == {"id": opened, "reference": first.json()["reference"]}
    assert first.json()["reference"] in body["detail"]
    led = Case.objects.filter(child=case.child, lead_agency=people["police.officer"].agency)
    assert led.count() == 1


def test_the_open_case_is_not_named_to_someone_who_may_not_see_it(case, people):
    police = signed_in_client(people["police.officer"])
    first = post(police, "api-cases", data={"child": case.child.pk}).json()
    # The police force's own case, out of its sight (as if every permission row had gone):
    # the 409 still says there is one, and nothing that identifies it.
    CaseGroupObjectPermission.objects.filter(content_object_id=first["id"]).delete()

    again = post(police, "api-cases", data={"child": case.child.pk})

    assert again.status_code == 409
    body = again.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["type"] == OPEN_CASE
    assert first["id"] not in body.values()
    assert first["reference"] not in again.content.decode()


def test_a_closed_case_does_not_stop_a_new_one(case, people):
    police = signed_in_client(people["police.officer"])
    first = post(police, "api-cases", data={"child": case.child.pk}).json()
    closed = post(police, "api-case-close", first["id"], data={"reason": "Opened to test"})
    assert closed.status_code == 200, closed.content

    assert post(police, "api-cases", data={"child": case.child.pk}).status_code == 201


def test_the_database_itself_refuses_a_second_open_case(case, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            reference="CSE-TEST-000002",
            child=case.child,
            lead_agency=case.lead_agency,
            opened_by=people["social.worker"],
        )


def test_the_service_says_which_case_is_open(case, people):
    from cases.services import OpenCaseExists

    with pytest.raises(OpenCaseExists) as refused:
        open_case(people["social.worker"], case.child)
    assert refused.value.case == case


@pytest.mark.django_db(transaction=True)
def test_two_cases_opened_at_the_same_moment_make_one(open_case_for, share, people):
    made = open_case_for("social.worker", first_name="Amy", last_name="Example")
    share(made, "norfolk_police", "view")
    answers = at_once(
        [signed_in_client(people["police.officer"]) for _ in range(2)],
        lambda client: post(client, "api-cases", data={"child": made.child.pk}),
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.content for a in answers]
    police = people["police.officer"].agency
    assert Case.objects.filter(child=made.child, lead_agency=police, status="open").count() == 1


# --- one open missing episode per case ------------------------------------------------------


def test_a_second_missing_report_before_the_return_is_409_naming_the_open_one(case, people):
    worker = signed_in_client(people["social.worker"])
    first = post(worker, "api-case-missing-episodes", case.pk, data=missing())
    assert first.status_code == 201, first.content

    again = post(worker, "api-case-missing-episodes", case.pk, data=missing(risk="medium"))

    assert again.status_code == 409
    assert again["Content-Type"].startswith(PROBLEM)
    body = again.json()
    assert body["type"] == ALREADY_MISSING
    assert body["episode"] == first.json()["id"]
    assert "Record their return" in body["detail"]
    assert MissingEpisode.objects.filter(case=case).count() == 1


def test_after_the_return_a_new_report_is_taken(case, people):
    worker = signed_in_client(people["social.worker"])
    first = post(worker, "api-case-missing-episodes", case.pk, data=missing()).json()
    back = post(worker, "api-case-missing-episode-returned", case.pk, first["id"], data=a_return())
    assert back.status_code == 200, back.content

    again = post(worker, "api-case-missing-episodes", case.pk, data=missing())

    assert again.status_code == 201, again.content
    assert MissingEpisode.objects.filter(case=case).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_missing_reports_at_the_same_moment_make_one(open_case_for, people):
    made = open_case_for("social.worker", first_name="Amy", last_name="Example")
    answers = at_once(
        [signed_in_client(people["social.worker"]) for _ in range(2)],
        lambda client: post(client, "api-case-missing-episodes", made.pk, data=missing()),
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.content for a in answers]
    assert MissingEpisode.objects.filter(case=made, returned_at__isnull=True).count() == 1


def test_the_report_page_says_the_child_is_already_missing_and_keeps_what_was_typed(case, people):
    worker = signed_in_client(people["social.worker"])
    post(worker, "api-case-missing-episodes", case.pk, data=missing())
    url = reverse("missing-new", args=[case.pk])

    shown = worker.get(url)
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "This child is already missing" in page
    episode = MissingEpisode.objects.get(case=case)
    assert reverse("missing-returned", args=[case.pk, episode.pk]) in page

    sent = worker.post(
        url,
        {
            "last_seen_on_day": "1", "last_seen_on_month": "12", "last_seen_on_year": "2026",
            "last_seen_time": "21:30", "last_seen_where": "Thetford Forest car park",
            "last_seen_area": str(Area.objects.get(name="Norfolk").pk),
            "circumstances": "Left with two older boys in a grey car", "risk": "high",
        },
    )  # fmt: skip

    assert sent.status_code == 200
    answered = sent.content.decode()
    assert "govuk-error-summary" in answered
    assert "Record their return before reporting them missing again" in answered
    assert "Left with two older boys in a grey car" in answered
    assert "Thetford Forest car park" in answered
    assert MissingEpisode.objects.filter(case=case).count() == 1


# --- the migrations look first ---------------------------------------------------------------


def _check(migration: str):
    """The migration's first step: the look for rows that break its constraint."""
    module = importlib.import_module(migration)
    step = module.Migration.operations[0]
    return step.code


def test_the_case_migration_stops_with_a_list_and_changes_nothing(case, people):
    check = _check("cases.migrations.0004_one_open_case")
    with connection.schema_editor(atomic=False) as editor:
        check(apps, editor)  # no rows break it: nothing to say
        # Rows from before the constraint (dropped in this test's transaction only).
        editor.execute('DROP INDEX "case_one_open_per_child_and_agency"')
        Case.objects.create(
            reference="CSE-TEST-000002",
            child=case.child,
            lead_agency=case.lead_agency,
            opened_by=people["social.worker"],
        )
        with pytest.raises(RowsBreakTheConstraint) as stopped:
            check(apps, editor)
    said = str(stopped.value)
    assert "case_one_open_per_child_and_agency" in said
    assert f"{case.reference} CSE-TEST-000002" in said
    assert "nothing was changed" in said
    assert Case.objects.filter(child=case.child, status="open").count() == 2


def test_the_missing_migration_stops_with_a_list_and_changes_nothing(case, people):
    check = _check("missing.migrations.0003_one_open_episode")
    fields = {
        "case": case,
        "last_seen_where": "Norwich bus station",
        "circumstances": "Synthetic",
        "risk": "high",
        "reported_by": people["social.worker"],
        "reporting_agency": case.lead_agency,
    }
    from django.utils import timezone

    with connection.schema_editor(atomic=False) as editor:
        check(apps, editor)
        editor.execute('DROP INDEX "missing_one_open_per_case"')
        first = MissingEpisode.objects.create(last_seen_at=timezone.now(), **fields)
        second = MissingEpisode.objects.create(last_seen_at=timezone.now(), **fields)
        with pytest.raises(RowsBreakTheConstraint) as stopped:
            check(apps, editor)
    said = str(stopped.value)
    assert f"{case.pk} | {case.reference} | {first.pk} {second.pk}" in said
    assert MissingEpisode.objects.filter(case=case, returned_at__isnull=True).count() == 2

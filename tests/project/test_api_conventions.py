"""What holds for every operation the API has (issue 23), walked from the live schema so
that a new operation cannot skip it: each documents its errors as problems, each creating
POST its Idempotency-Key, every date and time sent must carry its offset, and an unknown
route answers a JSON problem in every mode."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from safeguarding import problems
from tests.problems import errors, problem
from tests.project.test_api_fuzz import SCHEMA_URL

pytestmark = pytest.mark.django_db

# POSTs that take no Idempotency-Key, on purpose: acknowledging and revoking are the same
# however often they are sent, and a token's answer holds its secret, which a kept replay
# would have to store (README, API).
WITHOUT_KEY = {
    "/api/v1/notifications/{notification_id}/acknowledge/",
    "/api/v1/shares/{share_id}/acknowledge/",
    "/api/v1/shares/{share_id}/revoke/",
    "/api/v1/tokens/{token_id}/revoke/",
    "/api/v1/tokens/",
}


@pytest.fixture
def schema(sign_in) -> dict:
    response = sign_in("social.worker").get(SCHEMA_URL)
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def test_every_operation_documents_its_errors_as_problems(schema):
    found = list(operations(schema))
    assert len(found) > 40
    for path, method, operation in found:
        answers = operation["responses"]
        assert {"401", "429"} <= answers.keys(), (method, path)
        for code, answer in answers.items():
            if code[0] in "45":
                assert list(answer["content"]) == [problems.CONTENT_TYPE], (method, path, code)


def test_every_change_but_the_harmless_ones_takes_an_idempotency_key(schema):
    without = set()
    for path, method, operation in operations(schema):
        if method != "post":
            continue
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" in headers:
            assert "422" in operation["responses"], path  # the key sent again with another body
        else:
            without.add(path)
    assert without == WITHOUT_KEY


# --- offsets --------------------------------------------------------------------------------


NAIVE = "2026-03-29T01:30:00"  # the hour the UK clocks skip: without an offset, no time at all

# Every date and time a request carries, and where it is sent.
SENT_TIMES = {
    ("NewEntryRequest", "occurred_at"): "entries",
    ("NewContactRequest", "received_at"): "contacts",
    ("NewPlacementRequest", "started_at"): "placements",
    ("NewMissingEpisodeRequest", "last_seen_at"): "missing",
    ("ReturnRequest", "returned_at"): "returned",
    ("InterviewRequest", "held_at"): "interview",
    ("NewMeetingRequest", "held_at"): "meetings",
}


def test_the_times_tested_below_are_every_time_a_request_carries(schema):
    found = {
        (name, field)
        for name, component in schema["components"]["schemas"].items()
        for field, prop in component.get("properties", {}).items()
        if prop.get("format") == "date-time" and name.endswith("Request")
    }
    assert found == set(SENT_TIMES)
    dated_parameters = [
        (path, parameter["name"])
        for path, method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter.get("schema", {}).get("format") == "date-time"
    ]
    assert dated_parameters == []  # filters take dates, which need no offset


@pytest.fixture
def episode(open_case_for, people):
    from missing.services import report_missing

    case = open_case_for("social.worker", first_name="Wren", last_name="Offset")
    found = report_missing(
        people["social.worker"],
        case,
        last_seen_at=timezone.now() - dt.timedelta(hours=2),
        last_seen_where="Town centre",
        circumstances="Did not come home",
        risk="medium",
    )
    return case, found


@pytest.mark.parametrize("component, field", sorted(SENT_TIMES))
def test_a_time_without_its_offset_is_refused_saying_so(component, field, sign_in, episode):
    case, open_episode = episode
    where = {
        "entries": ("social.worker", reverse("api-case-entries", args=[case.pk])),
        "contacts": ("health.nurse", reverse("api-contacts")),
        "placements": ("social.worker", reverse("api-case-placements", args=[case.pk])),
        "meetings": ("social.worker", reverse("api-meetings")),
        "missing": ("social.worker", reverse("api-case-missing-episodes", args=[case.pk])),
        "returned": (
            "social.worker",
            reverse("api-case-missing-episode-returned", args=[case.pk, open_episode.pk]),
        ),
    }
    if SENT_TIMES[component, field] == "interview":  # after the return, which it needs
        from missing.services import record_return

        record_return(open_episode.reported_by, open_episode, returned_at=timezone.now(),
                      how_found="Home")  # fmt: skip
        where["interview"] = (
            "social.worker",
            reverse("api-case-missing-episode-interview", args=[case.pk, open_episode.pk]),
        )
    person, address = where[SENT_TIMES[component, field]]
    client = sign_in(person)
    response = client.post(address, {field: NAIVE}, content_type="application/json")
    said = errors(response)
    assert said[field] == [
        "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
        "2025-06-01T21:30:00+01:00."
    ]
    assert NAIVE not in response.content.decode()


# --- routes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_route_is_a_json_problem_in_every_mode(debug, sign_in):
    client = sign_in("social.worker")
    with override_settings(DEBUG=debug):
        for address in ["/api/v1/nowhere/", "/api/v1/cases/not-an-id/", "/api/v2/cases/"]:
            response = client.get(address)
            assert problem(response, 404) == problems.body(404), address
            assert "Traceback" not in response.content.decode()
            assert "urlpatterns" not in response.content.decode()


def test_the_readme_lists_every_problem_type_a_client_may_branch_on():
    """The README's table of types is what an integrator codes against: each of `TYPES`,
    and nothing that is not one."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    listed = set(re.findall(r"^\| `([a-z-]+)` \| \d{3} \|", readme, flags=re.MULTILINE))
    assert listed == set(problems.TYPES)

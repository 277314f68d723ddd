"""Every 201 says where the made thing lives (issue 23, item 6): a `Location` that answers
200, with the same thing, to the person who made it, and 404 to someone who may not see
it. The walk covers every creating operation the schema lists, so a new one cannot be
added without an address."""

import datetime as dt

import pytest
import yaml
from django.urls import get_resolver
from django.utils import timezone

from people.models import Area
from tests.cases.api_helpers import REASON, entry, new_child, post, url
from tests.project.test_api_fuzz import SCHEMA_URL

pytestmark = pytest.mark.django_db


def ago(**delta) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def made(
    client, address: str, body: dict | None = None, part: str = "", shown_once: str = ""
) -> dict:
    """POST, then follow the answer's Location: both must agree on what was made (or on
    `part` of it, where the answer holds more than one thing), but for what is `shown_once`
    (a token's secret), which its address never shows."""
    response = post(client, address, body)
    assert response.status_code == 201, response.content
    location = response["Location"]
    assert location.startswith("http://testserver/api/v1/"), location
    followed = client.get(location)
    assert followed.status_code == 200, (location, followed.content)
    created = response.json()
    if part:
        created = created[part]
    if isinstance(created, list):  # several at once: the list that shows them
        assert [row["id"] for row in followed.json()["results"]] == [row["id"] for row in created]
    else:
        kept = {key: value for key, value in created.items() if key != shown_once}
        assert followed.json() == kept
        assert not shown_once or created[shown_once] not in followed.content.decode()
    return {"location": location, "body": created}


def test_each_201_has_a_location_that_answers_its_maker(
    sign_in, world, agencies, django_capture_on_commit_callbacks
):
    worker = sign_in("social.worker")
    done = {}
    done["api-children"] = made(
        worker, url("api-children"), new_child(first_name="Lowen"), part="child"
    )
    child_id = done["api-children"]["body"]["id"]
    first = done["api-children"]["body"]["cases"][0]["id"]
    closed = post(worker, url("api-case-close", first), {"reason": "Opened in error"})
    assert closed.status_code == 200, closed.content
    done["api-cases"] = made(worker, url("api-cases"), {"child": child_id, "concern": "Worried"})
    case = world.case.pk
    done["api-case-entries"] = made(worker, url("api-case-entries", case), entry())
    review = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    done["api-case-assessments"] = made(
        worker, url("api-case-assessments", case), {"harm": ["disclosure"], "analysis": "Told",
        "level": "high", "rationale": "Harm now", "review_by": review},
    )  # fmt: skip
    done["api-case-assessment-contributions"] = made(
        worker, url("api-case-assessment-contributions", case), {"analysis": "Seen at school"}
    )
    norfolk = Area.objects.get(ons_code="E10000020")  # not Suffolk: see the stranger below
    with django_capture_on_commit_callbacks():
        done["api-case-placements"] = made(
            worker,
            url("api-case-placements", case),
            {
                "area": norfolk.pk,
                "address": "1 Example Road, Norwich",
                "postcode": "NR1 1AA",
                "provider_type": "childrens_home",
                "started_at": ago(hours=2),
            },
        )
        done["api-case-missing-episodes"] = made(
            worker,
            url("api-case-missing-episodes", case),
            {
                "last_seen_at": ago(hours=3),
                "last_seen_where": "Norwich bus station",
                "circumstances": "Did not come back from school",
                "risk": "high",
            },
        )
    done["api-case-links"] = made(
        worker, url("api-case-links", case),
        {"kind": "phone", "details": {"number": "07700 900123"}, "learned_on": "2026-11-30",
         "learned_how": "sighting"},
    )  # fmt: skip
    manager = sign_in("mash.manager")
    done["api-meetings"] = made(
        manager, url("api-meetings"),
        {"kind": "strategy_discussion", "held_at": ago(hours=1), "cases": [case],
         "agencies": [agencies["norfolk_police"].pk]},
    )  # fmt: skip
    done["api-meeting-actions"] = made(
        manager, url("api-meeting-actions", done["api-meetings"]["body"]["id"]),
        {"case": case, "text": "Visit the school.", "owner": agencies["norfolk_childrens"].pk,
         "due_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    done["api-tokens"] = made(
        worker, url("api-tokens"), {"name": "Case system", "days": 30}, shown_once="secret"
    )
    done["api-case-shares"] = made(
        worker,
        url("api-case-shares", case),
        {
            "agency": agencies["suffolk_childrens"].pk,
            "level": "view",
            "lawful_basis": "ca1989_s47",
            "purpose": "Placement history for the strategy discussion",
        },
    )

    # Someone who may not see what was made is not told it exists.
    stranger = sign_in("suffolk.officer")
    for name in done:
        assert stranger.get(done[name]["location"]).status_code == 404, name
    done["api-case-emergency-access"] = made(
        stranger, url("api-case-emergency-access", case), REASON
    )
    nurse = sign_in("health.nurse")
    contact = {
        "new_child": {"first_name": "Ivy", "last_name": "Referred", "date_of_birth": "2012-05-06"},
        "area": "E10000020",
        "referrer_type": "professional",
        "referrer_name": "Taylor Reed",
        "referrer_role": "Safeguarding nurse",
        "referrer_email": "taylor.reed@nnuh.example",
        "received_at": ago(hours=1),
        "concern": "Disclosed being hit at home.",
    }
    done["api-contacts"] = made(nurse, url("api-contacts"), contact)
    contact_id = done["api-contacts"]["body"]["id"]
    manager = sign_in("mash.manager")
    rated = post(manager, url("api-contact-rating", contact_id), {"rag": "amber", "reason": "Hit"})
    assert rated.status_code == 200, rated.content
    done["api-contact-checks"] = made(
        manager,
        url("api-contact-checks", contact_id),
        {"agencies": [agencies["norfolk_police"].pk], "question": "Anything known?"},
    )

    schema = yaml.safe_load(worker.get(SCHEMA_URL).content)
    creating = {
        path
        for path, item in schema["paths"].items()
        if "201" in item.get("post", {}).get("responses", {})
    }
    covered = {url_of_route(name) for name in done}
    assert creating == covered


def url_of_route(name: str) -> str:
    """The schema's path template of a creating route, e.g. /api/v1/cases/{case_id}/entries/."""
    for pattern in get_resolver().reverse_dict.getlist(name):
        possibility, *_ = pattern
        return "/" + possibility[0][0].replace("%(", "{").replace(")s", "}")
    raise LookupError(name)

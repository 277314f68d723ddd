"""The sharing API: a case's shares (who sees them, sharing, acknowledging, revoking) and
break-glass emergency access.

The world most tests start from (the `world` fixture, tests/cases/api_helpers.py):
social.worker (Norfolk children's services) has opened a case for Amy, and shared it `view`
with Norfolk Constabulary. Suffolk police and the hospital have nothing.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit.models import Action
from safeguarding import problems
from sharing.models import EmergencyAccess, Share
from tests.cases.api_helpers import (
    REASON,
    actions,
    entry,
    ids,
    post,
    recorded,
    results,
    url,
)
from tests.conftest import events
from tests.problems import errors, problem

NO_SUCH_CASE = problems.body(404, "No such case")
NO_SUCH_SHARE = problems.body(404, "No such share")

pytestmark = pytest.mark.django_db


# --- shares --------------------------------------------------------------------------------


def test_a_manager_sees_every_share_and_others_only_their_own(sign_in, world, share):
    health = share(world.case, "norfolk_hospital", "contribute")
    client = sign_in("social.worker")
    with recorded() as written:
        managed = client.get(url("api-case-shares", world.case.pk))
    lead = Share.objects.get(case=world.case, level="manage")
    assert ids(managed) == [health.pk, world.police_share.pk, lead.pk]
    assert actions(written) == [Action.CASE_VIEWED]
    assert written[0].detail == {
        "view": "shares",
        "shares": ids(managed),
        **{"via": "share", "share": lead.pk, "level": "manage"},
    }
    police = sign_in("police.officer").get(url("api-case-shares", world.case.pk))
    assert ids(police) == [world.police_share.pk]
    row = results(police)[0]
    assert (row["level"], row["lawful_basis"], row["active"]) == ("view", "ca1989_s47", True)
    assert row["shared_by"] == "Jo Fletcher"
    assert row["acknowledged_by"] is None


def test_sharing_gives_another_agency_access_at_once(sign_in, world, agencies):
    assert sign_in("health.nurse").get(url("api-case", world.case.pk)).status_code == 404
    body = {
        "agency": agencies["norfolk_hospital"].pk,
        "level": "contribute",
        "lawful_basis": "ca2004_s11",
        "purpose": "Sexual health follow-up",
    }
    client = sign_in("social.worker")
    with recorded() as written:
        response = post(client, url("api-case-shares", world.case.pk), body)
    assert response.status_code == 201, response.content
    assert response.json()["agency"]["name"].startswith("Norfolk and Norwich")
    assert actions(written) == [Action.SHARED]
    nurse = sign_in("health.nurse")
    assert nurse.get(url("api-case", world.case.pk)).json()["access"] == ["view", "contribute"]
    assert post(nurse, url("api-case-entries", world.case.pk), entry()).status_code == 201


def test_a_share_is_checked_and_needs_manage(sign_in, world, agencies):
    client = sign_in("social.worker")
    shares = url("api-case-shares", world.case.pk)
    body = {"level": "view", "lawful_basis": "ca2004_s11", "purpose": "Strategy"}
    own = post(client, shares, body | {"agency": agencies["norfolk_childrens"].pk})
    assert errors(own) == {"agency": ["Your agency already manages this case."]}
    unknown = post(client, shares, body | {"agency": 999_999})
    assert errors(unknown) == {"agency": ["No such agency."]}
    bad = post(client, shares, body | {"agency": agencies["suffolk_police"].pk, "level": "all"})
    assert errors(bad) == {"level": [problems.ECHOING_CODES["invalid_choice"]]}
    police = post(sign_in("police.mash"), shares, body | {"agency": agencies["suffolk_police"].pk})
    assert problem(police, 404) == NO_SUCH_CASE
    assert Share.objects.filter(case=world.case).count() == 2


def test_the_receiving_agency_acknowledges_a_share(sign_in, world, people):
    acknowledge = url("api-share-acknowledge", world.police_share.pk)
    for someone_else in ["social.worker", "suffolk.officer", "health.nurse"]:
        refused = post(sign_in(someone_else), acknowledge)
        assert problem(refused, 404) == NO_SUCH_SHARE
    client = sign_in("police.mash")
    with recorded() as written:
        response = post(client, acknowledge)
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == str(people["police.mash"])
    assert actions(written) == [Action.SHARE_ACKNOWLEDGED]
    assert world.case.entries.filter(category="share_acknowledged").count() == 1
    # Again is harmless, and records nothing new.
    client = sign_in("police.officer")
    with recorded() as written:
        assert post(client, acknowledge).status_code == 200
    assert actions(written) == []


def test_revoking_a_share_ends_access_at_once(sign_in, world):
    police = sign_in("police.officer")
    assert police.get(url("api-case", world.case.pk)).status_code == 200
    refused = post(police, url("api-share-revoke", world.police_share.pk))
    assert problem(refused, 404) == NO_SUCH_SHARE
    client = sign_in("mash.manager")
    with recorded() as written:
        response = post(client, url("api-share-revoke", world.police_share.pk))
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["revoked_by"] == "Morgan Hale"
    assert actions(written) == [Action.SHARE_REVOKED]
    police = sign_in("police.officer")
    for name in ["api-case", "api-case-entries", "api-case-screenings", "api-case-shares"]:
        assert police.get(url(name, world.case.pk)).status_code == 404, name
    assert ids(police.get(url("api-cases"))) == []
    assert ids(police.get(url("api-children", search="amy"))) == []
    acknowledge = post(police, url("api-share-acknowledge", world.police_share.pk))
    assert acknowledge.status_code == 404


def test_the_lead_agencys_own_share_cannot_be_revoked(sign_in, world):
    lead = Share.objects.get(case=world.case, level="manage")
    response = post(sign_in("social.worker"), url("api-share-revoke", lead.pk))
    assert "no manager" in problem(response, 409)["detail"]
    assert Share.objects.get(pk=lead.pk).revoked_at is None


def test_a_share_that_does_not_exist_is_not_found(sign_in, world):
    client = sign_in("social.worker")
    for name in ["api-share-acknowledge", "api-share-revoke"]:
        assert problem(post(client, url(name, 999_999)), 404) == NO_SUCH_SHARE


# --- emergency access ----------------------------------------------------------------------


def test_break_glass_gives_one_person_a_few_hours_of_reading(sign_in, world, people):
    client = sign_in("suffolk.officer")
    with recorded() as written:
        response = post(client, url("api-case-emergency-access", world.case.pk), REASON)
    assert response.status_code == 201, response.content
    granted = response.json()
    assert granted["case"] == world.case.pk
    assert granted["reference"] == world.case.reference
    hours = settings.EMERGENCY_ACCESS_HOURS
    expires = dt.datetime.fromisoformat(granted["expires_at"])
    assert dt.timedelta(hours=hours - 1) < expires - timezone.now() <= dt.timedelta(hours=hours)
    assert actions(written) == [Action.EMERGENCY_ACCESS]
    assert written[0].detail["hours"] == hours

    assert client.get(url("api-case", world.case.pk)).json()["access"] == ["view"]
    assert client.get(url("api-case-entries", world.case.pk)).status_code == 200
    # Reading only, and for that person only.
    assert post(client, url("api-case-entries", world.case.pk), entry()).status_code == 404
    assert post(client, url("api-case-close", world.case.pk), {"reason": "x"}).status_code == 404
    assert ids(client.get(url("api-case-shares", world.case.pk))) == []
    assert sign_in("police.officer").get(url("api-case", world.case.pk)).status_code == 200
    other_suffolk = Client()
    assert other_suffolk.get(url("api-case", world.case.pk)).status_code == 401
    # The managing agency sees it on the chronology.
    manager_view = results(sign_in("social.worker").get(url("api-case-entries", world.case.pk)))
    assert manager_view[0]["category"] == "emergency_access"
    assert "Robin Marsh" in manager_view[0]["text"]


def test_break_glass_ends_when_it_expires(sign_in, world):
    client = sign_in("suffolk.officer")
    post(client, url("api-case-emergency-access", world.case.pk), REASON)
    EmergencyAccess.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(url("api-case", world.case.pk)).status_code == 404


def test_break_glass_needs_a_reason_before_saying_anything_about_the_case(sign_in, world):
    client = sign_in("health.nurse")
    for case_id in [world.case.pk, world.case.pk + 1000]:
        response = post(client, url("api-case-emergency-access", case_id), {"reason": "Urgent"})
        assert errors(response) == {
            "reason": [
                "Ensure this field has at least 20 characters.",
                "Give the reason in at least 20 characters.",
            ]
        }
    padded = post(
        client,
        url("api-case-emergency-access", world.case.pk),
        {"reason": " " * 15 + "Too short" + " " * 15},
    )
    assert "reason" in errors(padded)
    missing = post(client, url("api-case-emergency-access", world.case.pk + 1000), REASON)
    assert problem(missing, 404) == NO_SUCH_CASE
    assert not EmergencyAccess.objects.exists()


def test_break_glass_is_refused_to_someone_who_can_already_see_the_case(sign_in, world):
    response = post(
        sign_in("police.officer"), url("api-case-emergency-access", world.case.pk), REASON
    )
    assert "already see" in problem(response, 409)["detail"]
    assert not EmergencyAccess.objects.exists()
    assert not events(Action.EMERGENCY_ACCESS)

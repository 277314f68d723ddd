"""Placements through the API: the Norfolk case placed in Suffolk (Suffolk's agencies
told, and acknowledging), moves, what is checked, who may place a child, and that reading
placements is audited.

The world (tests/missing/conftest.py): social.worker (Norfolk children's services) has
opened a case for Amy and shared it `view` with Norfolk Constabulary. Suffolk police and the
hospital have nothing.
"""

import pytest
from django.urls import reverse

from audit.models import Action
from cases.models import Child
from cases.validators import POSTCODE_MESSAGE
from missing.models import MissingEpisode, Placement
from missing.services import current_placement_of
from notifications.models import Notification
from safeguarding import problems
from safeguarding.uk_time import said
from sharing.models import Share
from tests.conftest import events
from tests.missing.api_helpers import (
    NORFOLK_CHILDRENS,
    SUFFOLK_CHILDRENS,
    ago,
    ahead,
    chronology,
    missing,
    placement,
    post,
    told,
)
from tests.problems import errors, problem

pytestmark = pytest.mark.django_db


# --- placements ----------------------------------------------------------------------------


def test_the_norfolk_case_placed_in_suffolk_the_police_are_told_and_acknowledge(
    sign_in, world, agencies
):
    """The failure the Hub exists for, through the API: a child placed across the border."""
    response = post(sign_in("social.worker"), "api-case-placements", world.case.pk,
                    data=placement(world))  # fmt: skip
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["placing_authority"]["name"] == NORFOLK_CHILDRENS
    assert made["area"] == {"id": world.areas["suffolk"].pk, "ons_code": "E10000029",
                            "name": "Suffolk"}  # fmt: skip
    assert (made["postcode"], made["provider_type"], made["current"]) == (
        "IP1 1AA", "childrens_home", True,
    )  # fmt: skip
    assert made["ended_at"] is None and made["recorded_by"] == "Jo Fletcher"
    child = Child.objects.get(pk=world.child.pk)
    assert current_placement_of(child).pk == made["id"] and child.looked_after

    # Suffolk's police and children's services can see the case, on the placement basis.
    given = Share.objects.filter(case=world.case, lawful_basis="placement")
    assert sorted(given.values_list("agency__name", "level")) == [
        ("Suffolk Constabulary", "view"), (SUFFOLK_CHILDRENS, "view"),
    ]  # fmt: skip
    # Told: Suffolk's agencies and every sharer; never the agency that placed, nor anyone
    # with no part in it (the hospital).
    assert told("placement", made["id"]) == [
        "Norfolk Constabulary", "Suffolk Constabulary", SUFFOLK_CHILDRENS,
    ]  # fmt: skip

    officer = sign_in("suffolk.officer")
    [notice] = officer.get(reverse("api-notifications")).json()["results"]
    assert (notice["kind"], notice["case"], notice["subject_id"]) == (
        "placement", world.case.pk, made["id"],
    )  # fmt: skip
    assert officer.get(reverse("api-case", args=[world.case.pk])).status_code == 200
    acknowledged = post(officer, "api-notification-acknowledge", notice["id"])
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_by"] == "Robin Marsh"

    texts = [entry["text"] for entry in chronology(sign_in("social.worker"), world.case)]
    assert any("acknowledged by Suffolk Constabulary" in text for text in texts), texts
    assert any(text.startswith("Child placed in Suffolk") for text in texts)


def test_a_move_ends_the_current_placement(sign_in, world):
    client = sign_in("social.worker")
    first = post(client, "api-case-placements", world.case.pk,
                 data=placement(world, started_at=ago(days=30))).json()  # fmt: skip
    second = post(client, "api-case-placements", world.case.pk,
                  data=placement(world, area=world.areas["norfolk"].pk, postcode="NR1 3QU",
                                 provider_type="foster_care", started_at=ago(days=1)))  # fmt: skip
    assert second.status_code == 201
    listed = client.get(reverse("api-case-placements", args=[world.case.pk])).json()["results"]
    assert [(row["id"], row["current"]) for row in listed] == [
        (second.json()["id"], True), (first["id"], False),
    ]  # fmt: skip
    assert listed[1]["ended_at"] == listed[0]["started_at"]
    assert listed[1]["end_reason"] == "Moved to a new placement"


def test_a_placement_may_start_up_to_a_day_ahead(sign_in, world):
    client = sign_in("social.worker")
    response = post(client, "api-case-placements", world.case.pk,
                    data=placement(world, started_at=ahead(hours=23)))  # fmt: skip
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"postcode": "NR1"}, "postcode", POSTCODE_MESSAGE),
        ({"postcode": "QQ1 1AA"}, "postcode", POSTCODE_MESSAGE),
        ({"postcode": "ZZ98 3VZ"}, "postcode", POSTCODE_MESSAGE),
        ({"area": 10**12}, "area", "No such area."),
        ({"area": "1"}, "area", "A valid integer is required."),
        ({"provider_type": "castle"}, "provider_type", problems.ECHOING_CODES["invalid_choice"]),
        ({"address": "   "}, "address", "Enter some text (not only spaces)."),
        ({"address": ""}, "address", "This field may not be blank."),
        ({"started_at": "2025-03-01T10:00:00"}, "started_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        # (not the example's own date: a message that holds a value sent is not answered)
        ({"started_at": "2025-04-02"}, "started_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        ({"started_at": "2025-02-30T10:00:00Z"}, "started_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        ({"started_at": "1850-01-01T10:00:00Z"}, "started_at", "Give a time from 1900 onwards."),
        ({"started_at": "9999-12-31T23:59:59-01:00"}, "started_at", "Give a real date and time."),
        ({"started_at": None}, "started_at", "This field may not be null."),
        ({"started_at": "ahead"}, "started_at", None),
    ],
)  # fmt: skip
def test_a_placement_is_checked_field_by_field(sign_in, world, fields, field, message):
    if fields.get("started_at") == "ahead":
        fields = {"started_at": ahead(hours=25)}
        message = "Give a time no more than 24 hours ahead."
    response = post(sign_in("social.worker"), "api-case-placements", world.case.pk,
                    data=placement(world, **fields))  # fmt: skip
    assert errors(response) == {field: [message]}
    if fields.get("provider_type") == "castle":
        assert b"castle" not in response.content  # not quoted back
    assert not Placement.objects.exists()
    assert not Notification.objects.exists()


def test_a_move_cannot_start_before_the_current_placement(sign_in, world):
    client = sign_in("social.worker")
    post(
        client, "api-case-placements", world.case.pk, data=placement(world, started_at=ago(days=2))
    )
    response = post(client, "api-case-placements", world.case.pk,
                    data=placement(world, started_at=ago(days=3)))  # fmt: skip
    [message] = errors(response)["started_at"]
    current = Placement.objects.get()
    assert message == (
        f"The child's current placement started {said(current.started_at)}: give a time after "
        "that, or end that placement first."
    )
    assert Placement.objects.count() == 1


def test_only_childrens_services_place_a_child(sign_in, world, share):
    share(world.case, "norfolk_police", "contribute")
    response = post(sign_in("police.officer"), "api-case-placements", world.case.pk,
                    data=placement(world))  # fmt: skip
    assert problem(response, 403) == problems.body(
        403,
        "Your agency cannot record or end a placement: only a local authority’s "
        "children’s services place a child.",
    )
    assert not Placement.objects.exists()
    assert not Notification.objects.exists()
    assert not events(Action.PLACEMENT_RECORDED)


def test_a_viewer_cannot_place_or_report(sign_in, world):
    client = sign_in("police.officer")
    # Placing is refused to the police whatever the case (403, cases.roles); reporting
    # missing needs contribute access to this case (404, as if it were not there).
    for name, data, status in [("api-case-placements", placement(world), 403),
                               ("api-case-missing-episodes", missing(), 404)]:  # fmt: skip
        response = post(client, name, world.case.pk, data=data)
        assert response.status_code == status
        if status == 404:
            assert problem(response, 404) == problems.body(404, "No such case")
    assert not MissingEpisode.objects.exists() and not Placement.objects.exists()


def test_reading_placements_is_audited_with_the_share_it_was_read_under(sign_in, world):
    post(sign_in("social.worker"), "api-case-placements", world.case.pk, data=placement(world))
    client = sign_in("police.officer")
    rows = client.get(reverse("api-case-placements", args=[world.case.pk])).json()["results"]
    event = events(Action.CASE_VIEWED)[-1]
    assert event.detail == {
        "via": "share", "share": world.police_share.pk, "level": "view",
        "view": "placements", "placements": [row["id"] for row in rows],
    }  # fmt: skip

"""The links API (issue 20, item 6): the same rules as the pages, in the API's conventions
(problems, cursor pages, Idempotency-Key, Location, ETag)."""

import pytest
from django.urls import reverse

from links.matching import compare
from links.models import Link
from tests.at_once import at_once
from tests.idempotency.test_api import send
from tests.idempotency.test_forms import signed_in_client
from tests.links.helpers import link

pytestmark = pytest.mark.django_db

VEHICLE = {"kind": "vehicle", "details": {"registration": "ab12 cde", "colour": "Silver"},
           "learned_on": "2026-11-30", "learned_how": "return_interview"}  # fmt: skip


def test_a_link_is_recorded_read_and_listed(open_case_for, sign_in):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("api-case-links", args=[case.pk])
    made = send(client, url, VEHICLE)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["kind"] == "vehicle" and body["details"]["registration"] == "ab12 cde"
    assert body["restricted"] is False and body["also_on"] == []
    one = client.get(made["Location"])
    assert one.status_code == 200 and one.json() == body and one["ETag"]
    listed = client.get(url).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


def test_bad_input_is_said_against_its_field_and_nothing_is_recorded(open_case_for, sign_in):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("api-case-links", args=[case.pk])
    cases = [
        ({**VEHICLE, "details": {"registration": "!!"}}, ["details", "registration"]),
        ({**VEHICLE, "kind": "phone", "details": {"number": "0770"}}, ["details", "number"]),
        ({**VEHICLE, "details": {"registration": "AB12CDE", "wheels": 4}}, ["details", "wheels"]),
        ({**VEHICLE, "kind": "spaceship"}, ["kind"]),
        ({**VEHICLE, "learned_on": "2999-01-01"}, ["learned_on"]),
        ({**VEHICLE, "kind": "place", "details": {"place_type": "flat"}}, ["details", "address"]),
    ]
    for index, (body, where) in enumerate(cases):
        answer = send(client, url, body, key=f"bad-{index}")
        assert answer.status_code == 400, (body, answer.content)
        found = answer.json()["errors"] if "errors" in answer.json() else answer.json()
        for name in where:
            assert name in str(found), (body, found)
    assert not Link.objects.exists()


def test_who_may_see_both_cases_finds_the_other_in_also_on(open_case_for, people, sign_in,
                                                           share):  # fmt: skip
    aimee = open_case_for("social.worker", first_name="Aimee")
    tyler = open_case_for("social.worker", first_name="Tyler")
    share(aimee, "norfolk_police", "contribute")
    police = link(people["police.officer"], aimee, "vehicle", registration="AB12 CDE",
                  restricted=True)  # fmt: skip
    council = link(people["social.worker"], tyler, "vehicle", registration="ab12cde")
    compare(police.pk)
    [match] = compare(council.pk)
    officer = sign_in("police.officer")
    assert (
        officer.get(reverse("api-case-links", args=[aimee.pk])).json()["results"][0]["also_on"]
        == []
    )  # Tyler's case is not shared with the police
    share(tyler, "norfolk_police", "view")
    [row] = officer.get(reverse("api-case-links", args=[aimee.pk])).json()["results"]
    assert row["also_on"] == [{"id": tyler.pk, "reference": tyler.reference}]
    seen = officer.get(reverse("api-link-match", args=[match.pk])).json()
    assert seen["both_visible"] is True and len(seen["yours"]) == 2
    worker = sign_in("social.worker")  # sees both cases, not the police's restricted link
    [row] = worker.get(reverse("api-case-links", args=[tyler.pk])).json()["results"]
    assert row["also_on"] == []
    said = worker.get(reverse("api-link-match", args=[match.pk])).json()
    assert said["both_visible"] is False
    assert [link["id"] for link in said["yours"]] == [council.pk]
    assert said["ask"] == [{"id": police.agency_id, "name": "Norfolk Constabulary",
                            "kind": "police"}]  # fmt: skip
    assert "Aimee" not in str(said) and aimee.reference not in str(said)


def test_over_the_hourly_allowance_it_is_429_and_nothing_is_recorded(open_case_for, sign_in,
                                                                     settings):  # fmt: skip
    settings.LINKS_PER_HOUR = 1
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("api-case-links", args=[case.pk])
    assert send(client, url, VEHICLE, key="one").status_code == 201
    refused = send(client, url, {**VEHICLE, "details": {"registration": "XY1"}}, key="two")
    assert refused.status_code == 429
    assert "linked 1 things in the last hour" in refused.json()["detail"]
    assert Link.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_key_record_once(open_case_for, people):
    case = open_case_for("social.worker")
    url = reverse("api-case-links", args=[case.pk])
    clients = [signed_in_client(people["social.worker"]) for _ in range(2)]
    answers = at_once(clients, lambda client: send(client, url, VEHICLE, key="link-at-once"))
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Link.objects.filter(case=case).count() == 1

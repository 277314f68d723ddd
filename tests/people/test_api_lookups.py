"""What a partner system needs to join its records to the Hub's (issue 23, item 5): the
areas and agencies it names, with their codes; who it is acting as; a case by reference."""

import pytest
from rest_framework.test import APIClient

from people.models import Agency
from people.tokens import create_token

pytestmark = pytest.mark.django_db


def api_as(person) -> APIClient:
    _, secret = create_token(person, "lookups", 1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_areas_are_listed_with_their_ons_codes(people, partnership):
    answer = api_as(people["health.nurse"]).get("/api/v1/areas/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    suffolk = partnership.areas["suffolk"]
    assert {"id": suffolk.pk, "ons_code": suffolk.ons_code, "name": suffolk.name} in rows
    assert [row["name"] for row in rows] == sorted(row["name"] for row in rows)


def test_agencies_carry_their_code_and_areas_and_nothing_an_outsider_should_not_see(
    people, agencies
):
    police = agencies["suffolk_police"]
    Agency.objects.filter(pk=police.pk).update(code="37", webhook_url="https://x.example/h")
    answer = api_as(people["social.worker"]).get("/api/v1/agencies/")
    assert answer.status_code == 200
    rows = {row["id"]: row for row in answer.json()["results"]}
    assert rows[police.pk]["code"] == "37"
    assert rows[police.pk]["kind"] == "police"
    assert set(rows[police.pk]["areas"]) == set(police.areas.values_list("pk", flat=True))
    for row in rows.values():
        assert set(row) == {"id", "name", "kind", "code", "areas"}  # no webhook, email, counts
    assert "x.example" not in answer.content.decode()


def test_lookups_page_by_cursor_and_refuse_unknown_parameters(people, partnership):
    client = api_as(people["police.officer"])
    assert client.get("/api/v1/areas/", {"name": "Suffolk"}).status_code == 400
    assert client.get("/api/v1/agencies/", {"cursor": "not-a-cursor"}).status_code == 400
    first = client.get("/api/v1/agencies/").json()
    assert first["previous"] is None and "next" in first


def test_me_says_the_agency_by_id_and_code(people, agencies):
    worker = people["social.worker"]
    Agency.objects.filter(pk=worker.agency_id).update(code="E10000020")
    me = api_as(worker).get("/api/v1/me/").json()
    assert me["agency_id"] == worker.agency_id
    assert me["agency_code"] == "E10000020"
    assert me["agency"] == worker.agency.name


def test_an_agency_code_is_capitals_and_digits_and_never_two_alike(agencies):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    police = agencies["suffolk_police"]
    police.code = "no spaces"
    with pytest.raises(ValidationError):
        police.full_clean()
    Agency.objects.filter(pk=police.pk).update(code="37")
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=agencies["norfolk_police"].pk).update(code="37")
    # Agencies without a code are many.
    assert Agency.objects.filter(code__isnull=True).count() >= 2

"""Agencies own a group; people belong to exactly one agency and its group."""

import pytest
from django.db import IntegrityError

from people.models import Agency, Area, Person

pytestmark = pytest.mark.django_db


def test_an_agency_gets_its_own_group_when_created():
    agency = Agency.objects.create(
        name="Breckland Academy Trust", kind=Agency.Kind.EDUCATION, duty_email="dsl@bat.example"
    )
    assert agency.group.name == "agency:breckland-academy-trust"
    assert agency.group.agency == agency


def test_each_person_is_in_their_agency_group_only(people, agencies):
    officer = people["police.officer"]
    assert list(officer.groups.all()) == [agencies["norfolk_police"].group]


def test_moving_agency_moves_the_group(people, agencies):
    officer = people["police.officer"]
    officer.agency = agencies["suffolk_police"]
    officer.save()
    assert list(officer.groups.all()) == [agencies["suffolk_police"].group]


def test_a_person_without_an_agency_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        Person.objects.create(username="floating", role=Person.Role.PRACTITIONER)


def test_a_platform_superuser_needs_no_agency():
    admin = Person.objects.create_superuser("platform", "platform@hub.example", "x" * 16)
    assert admin.agency is None
    assert admin.is_staff


def test_only_agency_admins_and_superusers_are_staff(people):
    assert people["admin.ncc"].is_staff
    assert not people["social.worker"].is_staff
    assert not people["mash.manager"].is_staff


def test_areas_name_the_agencies_that_cover_them(partnership):
    norfolk = Area.objects.get(name="Norfolk")
    assert {a.name for a in norfolk.agencies.all()} == {
        "Norfolk Constabulary",
        "Norfolk County Council Children's Services",
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
    }
    assert norfolk.ons_code == "E10000020"

"""The triage pages' permission matrix: every route in triage/urls.py named "triage…",
for every demo person and signed out.

Only MASH managers of a children's services agency (mash.manager) see the triage screen,
its lists and the dashboard. Everyone else gets 403 with the GOV.UK page, the refusal
recorded, as for the access reports (reports/views.py): the pages are about a role,
and saying they exist tells nothing about any child.

Decision for police.mash, a MASH manager at Norfolk Constabulary: 403 too. Contacts go to
the children's services MASH of the child's area (triage.services.mash_for), so a police
MASH queue would always be empty, and its side lists ("missing in the area", "interviews
due") would describe the wrong authority. The police take part in the MASH through the
checks asked of them (the "checks" page).
"""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Action, Event
from people.demo import PEOPLE
from triage.models import Contact
from triage.services import request_checks

pytestmark = pytest.mark.django_db

MAY = {"mash.manager"}
EVERYONE = [p.username for p in PEOPLE]
ROUTES = ["triage", "triage-missing", "triage-interviews", "triage-screenings",
          "triage-assessments", "triage-dashboard"]  # fmt: skip
COVERED_URL_NAMES = set(ROUTES)  # tests/project/test_permissions.py checks every URL is somewhere
CHILD = "Matrixchild"


def test_the_matrix_covers_every_triage_route():
    from triage import urls as mash_urls

    names = {p.name for p in mash_urls.urlpatterns if p.name.startswith("triage")}
    assert names == COVERED_URL_NAMES


def test_only_a_childrens_services_mash_manager_may():
    assert set(EVERYONE) >= MAY | {"police.mash"}
    roles = {p.username: p.role for p in PEOPLE}
    assert roles["police.mash"] == roles["mash.manager"] == "mash_manager"


@pytest.fixture
def world(make_contact, open_case_for, missing, people, agencies):
    contact = make_contact(rag="red", first_name=CHILD, last_name="Example")
    request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?")
    case = open_case_for("social.worker", first_name=CHILD, last_name="Missing",
                         looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    missing(case)
    return contact


def signed_in_as(username: str) -> Client:
    from people.models import Person
    from tests.conftest import verify_second_factor

    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


@pytest.mark.parametrize("username", EVERYONE)
@pytest.mark.parametrize("route", ROUTES)
def test_get(world, route, username):
    response = signed_in_as(username).get(reverse(route))
    body = response.content.decode()
    if username in MAY:
        assert response.status_code == 200
        if route in ("triage", "triage-missing"):
            assert CHILD in body
    else:
        assert response.status_code == 403
        assert "You do not have permission to do that" in body
        assert CHILD not in body and world.reference not in body
        refused = Event.objects.filter(action=Action.PERMISSION_REFUSED,
                                       actor_username=username)  # fmt: skip
        assert refused.get().detail == {"need": "mash_manager"}
        assert not Event.objects.filter(action=Action.TRIAGE_VIEWED).exists()


@pytest.mark.parametrize("username", EVERYONE)
def test_assigning_from_the_queue(world, people, username):
    response = signed_in_as(username).post(
        reverse("triage"), {"contact": world.pk, "assignee": people["social.worker"].pk}
    )
    assigned = Contact.objects.get(pk=world.pk).assigned_to_id
    if username in MAY:
        assert response.status_code == 302
        assert assigned == people["social.worker"].pk
    else:
        assert response.status_code == 403
        assert assigned is None
        assert not Event.objects.filter(action=Action.CONTACT_ASSIGNED).exists()


@pytest.mark.parametrize("route", ROUTES)
def test_signed_out_goes_to_sign_in(world, route):
    for response in (Client().get(reverse(route)), Client().post(reverse(route))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))
    assert Contact.objects.get(pk=world.pk).assigned_to_id is None


@pytest.mark.parametrize("route", ROUTES)
def test_after_only_the_password_the_second_factor_is_asked_for(world, people, route):
    client = Client()
    client.force_login(people["mash.manager"])
    response = client.get(reverse(route))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in-code"))


@pytest.mark.parametrize("route", ROUTES[1:])
def test_lists_and_dashboard_are_get_only(world, route):
    assert signed_in_as("mash.manager").post(reverse(route)).status_code == 405


def test_the_navigation_offers_triage_to_childrens_services_mash_managers_only(world):
    link = f'href="{reverse("triage")}"'
    assert link in signed_in_as("mash.manager").get("/").content.decode()
    for username in ("police.mash", "social.worker", "health.nurse"):
        assert link not in signed_in_as(username).get("/").content.decode(), username

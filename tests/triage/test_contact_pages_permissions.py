"""The contact and partner-check pages' permission matrix: every page, every demo person.

The world: health.nurse (the hospital trust) made a contact about a child to the Norfolk
MASH (Norfolk children's services); mash.manager rated it amber and asked Norfolk
Constabulary what it holds. So:
- Norfolk children's services (the MASH) see the contact and the check; only its MASH
  manager rates, assigns, asks and decides (police.mash is a MASH manager, but of the
  police: that is not the receiving MASH);
- the hospital (the referrer) sees its own contact, not the check;
- Norfolk Constabulary (the partner asked) sees the check, not the contact;
- Suffolk Constabulary sees neither.
Anyone who may not is answered 404 and never sees the child's name.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Action, Event
from triage.models import Contact, PartnerCheck
from triage.services import request_checks

pytestmark = pytest.mark.django_db

NORFOLK_CHILDRENS = ["social.worker", "mash.manager", "team.manager", "ig.officer", "admin.ncc"]
NORFOLK_POLICE = ["police.officer", "police.mash"]
EVERYONE = [*NORFOLK_CHILDRENS, *NORFOLK_POLICE, "suffolk.officer", "health.nurse"]
MANAGER = ["mash.manager"]
PARTNER_MANAGER = ["police.mash"]
NOT_MANAGER = [p for p in EVERYONE if p not in MANAGER]
CONTACT_SEERS = [*NORFOLK_CHILDRENS, "health.nurse"]
CHECK_SEERS = [*NORFOLK_CHILDRENS, *NORFOLK_POLICE]


def others(allowed: list[str]) -> list[str]:
    return [p for p in EVERYONE if p not in allowed]


@dataclass
class World:
    contact: Contact
    check: PartnerCheck


def _contact(w: World, name: str) -> str:
    return reverse(name, args=[w.contact.pk])


def _close(w: World) -> str:
    return reverse("contact-check-close", args=[w.contact.pk, w.check.pk])


# (URL name, method, URL builder, allowed, refused, refused status). An allowed POST here
# is empty: the form comes back with its errors (200) and nothing changes.
PAGES = [
    ("contacts", "get", lambda w: reverse("contacts"), EVERYONE, [], None),
    ("contact-new", "get", lambda w: reverse("contact-new"), EVERYONE, [], None),
    ("contact-new", "post", lambda w: reverse("contact-new") + "?new=1", EVERYONE, [], None),
    ("contact", "get", lambda w: _contact(w, "contact"),
     CONTACT_SEERS, others(CONTACT_SEERS), 404),
    ("contact-rate", "get", lambda w: _contact(w, "contact-rate"), MANAGER, NOT_MANAGER, 404),
    ("contact-rate", "post", lambda w: _contact(w, "contact-rate"), MANAGER, NOT_MANAGER, 404),
    ("contact-assign", "get", lambda w: _contact(w, "contact-assign"),
     MANAGER, NOT_MANAGER, 404),
    ("contact-assign", "post", lambda w: _contact(w, "contact-assign"),
     MANAGER, NOT_MANAGER, 404),
    ("contact-checks", "get", lambda w: _contact(w, "contact-checks"),
     MANAGER, NOT_MANAGER, 404),
    ("contact-checks", "post", lambda w: _contact(w, "contact-checks"),
     MANAGER, NOT_MANAGER, 404),
    ("contact-decide", "get", lambda w: _contact(w, "contact-decide"),
     MANAGER, NOT_MANAGER, 404),
    ("contact-decide", "post", lambda w: _contact(w, "contact-decide"),
     MANAGER, NOT_MANAGER, 404),
    ("contact-check-close", "get", lambda w: _close(w), MANAGER, NOT_MANAGER, 404),
    ("contact-check-close", "post", lambda w: _close(w), MANAGER, NOT_MANAGER, 404),
    ("checks", "get", lambda w: reverse("checks"), EVERYONE, [], None),
    # The checks owed, by due time: the screen of a partner agency's MASH manager (the
    # police's); everyone else is refused by role, 403, as for the triage screen.
    ("checks-due", "get", lambda w: reverse("checks-due"), PARTNER_MANAGER,
     others(PARTNER_MANAGER), 403),
    ("check", "get", lambda w: reverse("check", args=[w.check.pk]),
     CHECK_SEERS, others(CHECK_SEERS), 404),
    # Only the agency asked answers: the asking MASH reads, and may not post an answer.
    ("check", "post", lambda w: reverse("check", args=[w.check.pk]),
     NORFOLK_POLICE, others(NORFOLK_POLICE), 404),
]  # fmt: skip

CONTACT_SPECIFIC = {"contact", "contact-rate", "contact-assign", "contact-checks",
                    "contact-decide", "check", "contact-check-close", "checks-due"}  # fmt: skip
COVERED_URL_NAMES = sorted({name for name, *_ in PAGES})

ALLOWED = [
    pytest.param(name, method, build, who, id=f"{name}-{method}-{who}")
    for name, method, build, allowed, _, _ in PAGES
    for who in allowed
]
REFUSED = [
    pytest.param(name, method, build, who, status, id=f"{name}-{method}-{who}")
    for name, method, build, _, refused, status in PAGES
    for who in refused
]
SIGNED_OUT = [
    pytest.param(name, method, build, id=f"{name}-{method}") for name, method, build, *_ in PAGES
]


@pytest.fixture
def world(make_contact, people, agencies) -> World:
    contact = make_contact(by="health.nurse", rag="amber", first_name="Matrix",
                           last_name="Testchild")  # fmt: skip
    [check] = request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]],
                             "What do you hold on the child?")  # fmt: skip
    contact.refresh_from_db()
    return World(contact=contact, check=check)


def signed_in_as(username: str) -> Client:
    from people.models import Person
    from tests.conftest import verify_second_factor

    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


def unchanged(w: World) -> None:
    contact = Contact.objects.get(pk=w.contact.pk)
    assert (contact.rag, contact.state, contact.assigned_to_id) == ("amber", "open", None)
    assert contact.ratings.count() == 1
    assert contact.checks.count() == 1
    check = PartnerCheck.objects.get(pk=w.check.pk)
    assert check.answered_at is None and check.closed_at is None


# What a permitted use records: every read of contact or check data, before the page is
# shown. An empty POST changes nothing and shows nothing new, so records nothing.
A = Action
GET_EVENTS = {
    "contacts": [A.CONTACTS_LISTED],
    "contact-new": [],  # the search form, nothing searched yet
    "contact": [A.CONTACT_VIEWED],
    "contact-rate": [A.CONTACT_VIEWED],
    "contact-assign": [A.CONTACT_VIEWED],
    "contact-checks": [A.CONTACT_VIEWED],
    "contact-decide": [A.CONTACT_VIEWED],
    "contact-check-close": [A.CONTACT_VIEWED],
    "checks": [A.CONTACTS_LISTED],
    "checks-due": [A.CONTACTS_LISTED],
    "check": [A.CHECK_VIEWED],
}


@pytest.mark.parametrize(("name", "method", "build", "who"), ALLOWED)
def test_who_may_use_the_page_can(world, name, method, build, who):
    client = signed_in_as(who)  # signing in is recorded too: count from here
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = getattr(client, method)(build(world))
    assert response.status_code == 200
    if name in CONTACT_SPECIFIC:
        assert world.contact.reference in response.content.decode()
    unchanged(world)
    recorded = list(Event.objects.filter(id__gt=before).order_by("id"))
    expected = GET_EVENTS[name] if method == "get" else []
    assert [e.action for e in recorded] == expected
    assert all(e.actor_username == who for e in recorded)


@pytest.mark.parametrize(("name", "method", "build", "who", "status"), REFUSED)
def test_who_may_not_use_the_page_gets_404_and_learns_nothing(
    world, name, method, build, who, status
):
    response = getattr(signed_in_as(who), method)(build(world))
    assert response.status_code == status
    body = response.content.decode()
    assert "Testchild" not in body
    assert "Matrix" not in body
    assert world.contact.reference not in body
    unchanged(world)
    refusal = Event.objects.filter(action=Action.PERMISSION_REFUSED).order_by("-id").first()
    assert refusal is not None and refusal.actor_username == who


@pytest.mark.parametrize(("name", "method", "build"), SIGNED_OUT)
def test_signed_out_every_page_redirects_to_sign_in(world, name, method, build):
    response = getattr(Client(), method)(build(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
    unchanged(world)


@pytest.mark.parametrize(("name", "method", "build"), SIGNED_OUT)
def test_after_only_the_password_every_page_asks_for_the_second_factor(
    world, people, name, method, build
):
    client = Client()
    client.force_login(people["police.officer"])
    response = getattr(client, method)(build(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in-code"))


def test_a_contact_that_does_not_exist_is_404_like_one_not_yours(world):
    client = signed_in_as("suffolk.officer")
    missing = client.get(reverse("contact", args=[world.contact.pk + 1000]))
    hidden = client.get(reverse("contact", args=[world.contact.pk]))
    assert missing.status_code == hidden.status_code == 404
    missing = client.get(reverse("check", args=[world.check.pk + 1000]))
    hidden = client.get(reverse("check", args=[world.check.pk]))
    assert missing.status_code == hidden.status_code == 404


def test_a_child_known_only_through_a_contact_is_picked_only_by_who_knows_them(world):
    """The contact's child has no case: the agency that recorded the child (the hospital)
    and the MASH's agency that received the contact may pick them for another contact;
    nobody else may, even by id."""
    knows = {"health.nurse"} | set(NORFOLK_CHILDRENS)
    for who in EVERYONE:
        response = signed_in_as(who).get(reverse("contact-new"), {"child": world.contact.child_id})
        if who in knows:
            assert response.status_code == 200, who
        else:
            assert response.status_code == 404, who
            assert "Testchild" not in response.content.decode()


def test_list_pages_show_only_the_agencys_own(world):
    made = signed_in_as("health.nurse").get(reverse("contacts")).content.decode()
    assert world.contact.reference in made
    for who in ["police.officer", "suffolk.officer", "social.worker"]:
        assert (
            world.contact.reference
            not in signed_in_as(who).get(reverse("contacts")).content.decode()
        )
    asked = signed_in_as("police.officer").get(reverse("checks")).content.decode()
    assert world.contact.reference in asked and "Matrix Testchild" in asked
    for who in ["health.nurse", "suffolk.officer", "mash.manager"]:
        body = signed_in_as(who).get(reverse("checks")).content.decode()
        assert world.contact.reference not in body
        assert "Testchild" not in body


def test_list_pages_refuse_other_methods(world):
    client = signed_in_as("mash.manager")
    for name in ["contacts", "checks", "contact"]:
        url = reverse(name, args=[world.contact.pk]) if name == "contact" else reverse(name)
        assert client.post(url).status_code == 405, name


def test_the_matrix_covers_every_contact_and_check_page():
    from triage import urls as mash_urls

    names = {p.name for p in mash_urls.urlpatterns if not p.name.startswith("triage")}
    assert sorted(names) == COVERED_URL_NAMES

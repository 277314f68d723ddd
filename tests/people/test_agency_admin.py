"""An agency admin manages their own agency's people in the Django admin, and no one else's."""

import pytest
from django.urls import reverse

from people.models import Person

pytestmark = pytest.mark.django_db


def test_an_agency_admin_sees_only_their_own_agencys_people(sign_in):
    page = sign_in("admin.ncc").get(reverse("admin:people_person_changelist")).content.decode()
    assert "social.worker" in page
    assert "mash.manager" in page
    assert "police.officer" not in page
    assert "suffolk.officer" not in page


def test_an_agency_admin_cannot_open_another_agencys_person(sign_in, people):
    client = sign_in("admin.ncc")
    url = reverse("admin:people_person_change", args=[people["police.officer"].pk])
    response = client.get(url)
    # The admin answers a person outside the queryset by redirecting to the index.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    post = client.post(url, {"username": "hijacked", "role": "agency_admin"})
    assert post.status_code in (302, 403)
    people["police.officer"].refresh_from_db()
    assert people["police.officer"].username == "police.officer"


def test_a_person_added_by_an_agency_admin_joins_the_admins_agency(sign_in, agencies):
    client = sign_in("admin.ncc")
    response = client.post(
        reverse("admin:people_person_add"),
        {
            "username": "new.worker",
            "first_name": "Sam",
            "last_name": "Lowe",
            "email": "new.worker@norfolk-childrens.example",
            "role": "practitioner",
            # An attempt to place them in another agency is ignored: the field is read-only.
            "agency": agencies["norfolk_police"].pk,
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(username="new.worker")
    assert person.agency == agencies["norfolk_childrens"]
    assert list(person.groups.all()) == [agencies["norfolk_childrens"].group]
    assert not person.is_superuser


def test_an_agency_admin_cannot_make_anyone_a_superuser(sign_in, people):
    client = sign_in("admin.ncc")
    target = people["social.worker"]
    page = client.get(reverse("admin:people_person_change", args=[target.pk])).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page


def test_an_agency_admin_cannot_manage_agencies_or_areas(sign_in):
    client = sign_in("admin.ncc")
    assert client.get(reverse("admin:people_agency_changelist")).status_code == 403
    assert client.get(reverse("admin:people_area_changelist")).status_code == 403


def test_a_practitioner_cannot_reach_the_admin(sign_in):
    response = sign_in("social.worker").get(reverse("admin:people_person_changelist"))
    assert response.status_code == 302
    assert reverse("sign-in") in response["Location"] or "/admin/login/" in response["Location"]


def test_nobody_but_a_superuser_can_delete_a_person(sign_in, people):
    client = sign_in("admin.ncc")
    url = reverse("admin:people_person_delete", args=[people["social.worker"].pk])
    assert client.get(url).status_code == 403


def test_admin_changes_are_audit_events_naming_fields_not_values(sign_in, people):
    from audit.models import Action
    from tests.conftest import events

    client = sign_in("admin.ncc")
    target = people["mash.manager"]
    response = client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:1500]
    changes = events(Action.ADMIN_CHANGE)
    assert [(e.actor_username, e.target_type, e.target_id) for e in changes] == [
        ("admin.ncc", "person", str(target.pk))
    ]
    assert "a-brand-new-passphrase" not in str(changes[0].detail)

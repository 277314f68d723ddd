"""HTML typed into any field is shown as text on every page that shows it; input is bounded."""

import pytest
from django.core.checks import run_checks
from django.db import models
from django.test import Client
from django.urls import reverse

from people.models import Agency, Area, Person
from safeguarding.checks import unbounded_text_fields

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("owned")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;"


def test_a_script_tag_in_every_text_field_is_shown_as_text(sign_in, people, agencies):
    admin = people["admin.ncc"]
    for field in ["first_name", "last_name", "job_title"]:
        setattr(admin, field, SCRIPT)
    admin.save()
    agency = agencies["norfolk_childrens"]
    agency.name = SCRIPT
    agency.save()
    Area.objects.filter(name="Norfolk").update(name=SCRIPT)
    client = sign_in("admin.ncc")
    client.post(reverse("tokens"), {"name": SCRIPT, "days": 7})

    pages = [
        "/",
        reverse("sessions"),
        reverse("tokens"),
        reverse("admin:people_person_changelist"),
        reverse("admin:people_person_change", args=[admin.pk]),
    ]
    for path in pages:
        html = client.get(path).content.decode()
        assert SCRIPT not in html, path
    home = client.get("/").content.decode()
    assert ESCAPED in home
    assert ESCAPED in client.get(reverse("tokens")).content.decode()


def test_the_api_returns_text_as_json_not_html(sign_in, people):
    person = people["health.nurse"]
    person.first_name = SCRIPT
    person.save()
    response = sign_in("health.nurse").get("/api/v1/me/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["first_name"] == SCRIPT


def test_every_free_text_field_has_a_length_limit():
    assert [m for m in run_checks() if m.id == "safeguarding.E001"] == []


def test_the_length_check_catches_an_unbounded_field():
    class Note(models.Model):  # noqa: DJ008
        text = models.TextField()

        class Meta:
            app_label = "sharing"
            managed = False

    assert unbounded_text_fields(Note._meta.get_fields()) == ["sharing.Note.text"]


def test_text_fields_the_people_type_into_are_bounded():
    assert Person._meta.get_field("job_title").max_length == 100
    assert Agency._meta.get_field("name").max_length == 200


def test_an_oversized_request_body_is_refused(sign_in):
    client = sign_in("health.nurse")
    response = client.post(reverse("tokens"), {"name": "x" * (1024 * 1024 + 10), "days": 7})
    assert response.status_code == 400


def test_too_many_fields_are_refused(client, db):
    data = {f"field{i}": "x" for i in range(300)}
    response = Client().post(reverse("sign-in"), data)
    assert response.status_code == 400

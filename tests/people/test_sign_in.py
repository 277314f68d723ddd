"""Signing in and out through the real form."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, current_code

pytestmark = pytest.mark.django_db


def test_signing_in_with_both_factors_shows_who_you_are_and_your_agency(client, people):
    response = client.post(reverse("sign-in"), {"username": "social.worker", "password": PASSWORD})
    assert response["Location"] == reverse("sign-in-code")
    code = current_code(people["social.worker"])
    response = client.post(reverse("sign-in-code"), {"code": code, "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    page = response.content.decode()
    assert "Jo Fletcher" in page
    assert "Norfolk County Council Children&#x27;s Services" in page


def test_a_wrong_password_shows_an_error_summary_and_keeps_the_username(client, people):
    response = client.post(reverse("sign-in"), {"username": "social.worker", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter a correct username and password" in page
    assert 'value="social.worker"' in page
    assert "<title>Error: Sign in" in page
    assert "_auth_user_id" not in client.session


def test_an_unknown_username_gets_the_same_message_as_a_wrong_password(client, people):
    response = client.post(reverse("sign-in"), {"username": "nobody.here", "password": "nope"})
    assert "Enter a correct username and password" in response.content.decode()


def test_empty_fields_are_named_in_the_error_summary(client, db):
    page = client.post(reverse("sign-in"), {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in page
    assert "Enter your password" in page
    assert 'href="#id_username"' in page


def test_a_deactivated_person_cannot_sign_in(client, people):
    person = people["police.officer"]
    person.is_active = False
    person.save()
    response = client.post(reverse("sign-in"), {"username": person.username, "password": PASSWORD})
    assert "Enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_in_rotates_the_session_key_at_each_step(client, people):
    client.get(reverse("sign-in"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("sign-in"), {"username": "social.worker", "password": PASSWORD})
    after_password = client.session.session_key
    assert after_password != before
    code = current_code(people["social.worker"])
    client.post(reverse("sign-in-code"), {"code": code})
    assert client.session.session_key not in (before, after_password)


def test_signing_out_needs_a_post_and_ends_the_session(sign_in):
    client = sign_in("social.worker")
    assert client.get(reverse("sign-out")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("sign-out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in")
    assert client.get(reverse("home")).status_code == 302


def test_the_home_page_sends_a_signed_out_person_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('sign-in')}?next=/"


def test_an_offsite_next_is_ignored(client, people):
    response = client.post(
        reverse("sign-in"),
        {"username": "social.worker", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert "evil.example" not in response["Location"]
    code = current_code(people["social.worker"])
    response = client.post(reverse("sign-in-code"), {"code": code, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_an_over_long_username_is_a_clear_error_not_a_server_error(client, db):
    response = client.post(reverse("sign-in"), {"username": "a" * 256, "password": "x"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()

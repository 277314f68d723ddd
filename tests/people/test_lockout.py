"""Lockout after repeated failed sign-ins, per account and per address, and its lifting."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import Action
from tests.conftest import PASSWORD, events

pytestmark = pytest.mark.django_db

LOCKED = "You cannot sign in at the moment"


def attempt(client, username, password="wrong-password", address="198.51.100.10"):  # noqa: S107
    return client.post(
        reverse("sign-in"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_an_account_locks_at_the_configured_count(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert LOCKED not in attempt(client, "social.worker").content.decode()
    third = attempt(client, "social.worker")
    assert third.status_code == 429
    assert LOCKED in third.content.decode()
    # Locked means locked: the right password does not get in either, from anywhere.
    right = attempt(client, "social.worker", PASSWORD, address="203.0.113.5")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert len(events(Action.SIGN_IN_FAILED, detail__username="social.worker")) >= 3
    assert events(Action.LOCKED_OUT, detail__username="social.worker")


def test_the_lockout_page_says_the_same_for_an_account_that_does_not_exist(
    client, people, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        real = attempt(client, "police.officer")
    for _ in range(2):
        made_up = attempt(client, "no.such.person")
    assert real.status_code == made_up.status_code == 429
    assert real.content == made_up.content


def test_the_lockout_lifts_after_the_configured_time(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    attempt(client, "health.nurse")
    attempt(client, "health.nurse")
    assert attempt(client, "health.nurse", PASSWORD).status_code == 429
    time.sleep(2.2)
    response = attempt(client, "health.nurse", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in-code")


def test_other_accounts_are_not_locked_by_one_account(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    attempt(client, "health.nurse")
    attempt(client, "health.nurse")
    response = attempt(client, "police.officer", PASSWORD, address="203.0.113.9")
    assert response.status_code == 302


def test_an_address_locks_after_its_own_higher_limit(client, people, settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 4
    for name in ["a.one", "b.two", "c.three", "d.four"]:
        assert attempt(client, name, address="192.0.2.50").status_code == 200
    blocked = attempt(client, "police.officer", PASSWORD, address="192.0.2.50")
    assert blocked.status_code == 429
    assert LOCKED in blocked.content.decode()
    assert events(Action.LOCKED_OUT, detail__by="address")
    # Another address is unaffected.
    assert attempt(client, "police.officer", PASSWORD, address="192.0.2.51").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attempt(client, "mash.manager")
    attempt(client, "mash.manager")
    assert attempt(client, "mash.manager", PASSWORD).status_code == 302
    client.post(reverse("sign-out"))
    attempt(client, "mash.manager")
    attempt(client, "mash.manager")
    assert attempt(client, "mash.manager", PASSWORD).status_code == 302


def test_the_log_names_a_failed_sign_in_by_its_address_not_what_was_typed(client, people, caplog):
    # Whatever is typed as a username (a child's name, a password in the wrong box) stays in
    # the database for the lockout; the process log says only where the attempt came from.
    with caplog.at_level("INFO", logger="axes"):
        attempt(client, "Zephyrine Quillfeather-Oduya", address="198.51.100.23")
        attempt(client, "social.worker", PASSWORD, address="198.51.100.23")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert 'login failure by {ip_address: "198.51.100.23", path_info: "/sign-in/"}' in logged
    assert "Zephyrine" not in logged and "social.worker" not in logged

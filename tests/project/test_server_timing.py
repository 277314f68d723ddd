"""Server-Timing: where a request's time went, for a developer and a platform superuser,
never for anyone else in production (timing hints at what exists)."""

import re

import pytest
from django.urls import reverse

from people.models import Person

pytestmark = pytest.mark.django_db

TIMING = re.compile(r'^db;dur=(\d+\.\d);desc="(\d+) queries", total;dur=(\d+\.\d)$')


def _timing(response) -> tuple[float, int, float]:
    match = TIMING.match(response["Server-Timing"])
    assert match, response["Server-Timing"]
    return float(match[1]), int(match[2]), float(match[3])


def test_production_tells_a_caseworker_nothing(sign_in, settings):
    settings.SERVER_TIMING = False
    client = sign_in("police.officer")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Server-Timing" not in response
    # Nor someone signed out, nor a refusal.
    client.logout()
    assert "Server-Timing" not in client.get(reverse("sign-in"))


def test_a_platform_superuser_sees_the_database_and_total_time(client, settings, partnership):
    settings.SERVER_TIMING = False
    operator = Person.objects.create_superuser("platform.admin", "ops@hub.example", "x" * 20)
    client.force_login(operator)
    response = client.get(reverse("home"))  # on to the second factor: timed all the same
    db_ms, queries, total_ms = _timing(response)
    assert queries >= 1  # the session and the person at least
    assert 0 < db_ms <= total_ms


def test_in_development_every_answer_has_it(sign_in, settings):
    settings.SERVER_TIMING = True
    client = sign_in("police.officer")
    db_ms, queries, total_ms = _timing(client.get(reverse("home")))
    assert queries > 3 and db_ms <= total_ms
    client.logout()
    assert _timing(client.get(reverse("sign-in")))

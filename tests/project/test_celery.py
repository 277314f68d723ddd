"""Celery: configured as DESIGN.md requires, and a real worker runs our tasks."""

import time

import pytest
from django.urls import reverse

from safeguarding.celery import app
from safeguarding.health import redis_client
from safeguarding.tasks import HEARTBEAT_KEY, heartbeat


def test_celery_accepts_json_only_and_acknowledges_late():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    # A message not acknowledged within the visibility timeout is given to another worker,
    # so it must outlast the longest task, or the task would run twice while still running.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.get("CELERY_DB_REUSE_MAX")


def test_beat_runs_the_heartbeat():
    assert app.conf.beat_schedule["heartbeat"]["task"] == "safeguarding.tasks.heartbeat"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_and_healthz_reports_it(celery_worker, client):
    redis = redis_client()
    redis.delete(HEARTBEAT_KEY)
    heartbeat.apply_async(queue=celery_worker)
    deadline = time.monotonic() + 20
    while redis.get(HEARTBEAT_KEY) is None:
        assert time.monotonic() < deadline, "the worker did not run the heartbeat within 20 s"
        time.sleep(0.1)
    age = client.get(reverse("healthz")).json()["worker_heartbeat_age_seconds"]
    assert 0 <= age < 20

"""Project-level periodic tasks."""

import time

from celery import shared_task

from safeguarding.health import HEARTBEAT_KEY, redis_client


@shared_task(name="safeguarding.tasks.heartbeat")
def heartbeat() -> float:
    """Record that beat and a worker are both alive; /healthz reports its age."""
    now = time.time()
    redis_client().set(HEARTBEAT_KEY, repr(now), ex=24 * 3600)
    return now

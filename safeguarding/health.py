"""Health of what the app depends on: the database and the broker."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError

# Written by the beat's heartbeat task (safeguarding/tasks.py), read by /healthz.
HEARTBEAT_KEY = "safeguarding:heartbeat"


def redis_client() -> redis.Redis:
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "down"
    return "up"


def broker_state() -> str:
    client = redis_client()
    try:
        client.ping()
    except redis.RedisError:
        return "down"
    finally:
        client.close()
    return "up"


def heartbeat_age_seconds() -> float | None:
    """Seconds since the worker last ran beat's heartbeat, or None if never (or unknown)."""
    client = redis_client()
    try:
        raw = client.get(HEARTBEAT_KEY)
    except redis.RedisError:
        return None
    finally:
        client.close()
    return None if raw is None else round(time.time() - float(raw), 1)

"""Doing a change once per form token or `Idempotency-Key`.

`run_once` claims the key by inserting a row (unique per person, kind and key) in the same
transaction as the change. A concurrent repeat's insert waits on the unique index until the
first transaction ends: if it committed, the repeat finds its row and replays it; if it
rolled back or let the key go (a form shown again with errors, an API error), the repeat
claims the key itself. So two requests with one key record at most once, and the second
waits rather than failing.
"""

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from idempotency.models import Claim

KEPT = dt.timedelta(hours=24)
Result = TypeVar("Result")


def _claim(
    person_id: int, kind: str, key: str, fingerprint: str, now: dt.datetime, kept: dt.timedelta
):
    """Insert this request's claim; (its id, None), or (None, the earlier claim)."""
    Claim.objects.filter(
        person_id=person_id, kind=kind, key=key, created_at__lte=now - kept
    ).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO idempotency_claim "
            "(person_id, kind, key, fingerprint, location, created_at) "
            "VALUES (%s, %s, %s, %s, '', %s) "
            "ON CONFLICT (person_id, kind, key) DO NOTHING RETURNING id",
            [person_id, kind, key, fingerprint, now],
        )
        row = cursor.fetchone()
    if row:
        return row[0], None
    return None, Claim.objects.get(person_id=person_id, kind=kind, key=key)


def run_once(
    person_id: int,
    kind: str,
    key: str,
    work: Callable[[], Result],
    keep: Callable[[Result], dict | None],
    replay: Callable[[Claim], Result],
    *,
    fingerprint: str = "",
    now: dt.datetime | None = None,
    kept: dt.timedelta = KEPT,
) -> Result:
    """`work()` once for this person's `key`, or `replay` of what the first time kept.

    `keep(result)` says what to remember (fields of `Claim`), or None to let the key go
    because nothing was recorded (a form with errors, a refused request): the same key may
    then be used again. An exception from `work` lets the key go too, and is raised after
    the transaction ends, so what was recorded before it (an audited refusal) stays.
    A claim older than `kept` is forgotten: the key may be used afresh.
    """
    now = now or timezone.now()
    failure = None
    with transaction.atomic():
        mine, earlier = _claim(person_id, kind, key, fingerprint, now, kept)
        if earlier is not None:
            return replay(earlier)
        try:
            result = work()
        except DatabaseError:
            raise  # the transaction is spoilt: all of it rolls back, the claim included
        except Exception as error:
            failure = error
            kept = None
        else:
            kept = keep(result)
        if kept is None:
            Claim.objects.filter(pk=mine).delete()
        else:
            Claim.objects.filter(pk=mine).update(**kept)
    if failure is not None:
        raise failure
    return result


def forget_expired(now: dt.datetime | None = None) -> int:
    """Delete the claims older than `KEPT`; how many (the periodic task runs it)."""
    deleted, _ = Claim.objects.filter(created_at__lte=(now or timezone.now()) - KEPT).delete()
    return deleted

"""Audit seals: a keyed hash chain over the event log that names any event later changed.

Transactional tests throughout: the sealer commits its own short transactions, and the
late-commit test needs a second connection that sees committed rows only.
"""

import hashlib
import hmac
import itertools
import os
import time

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.models import GENESIS_HASH, Action, Event, Seal
from audit.sealing import (
    CANONICAL_COLUMNS,
    DIGEST_BYTES,
    SEALER_LOCK_KEY,
    seal_hash,
    seal_pending,
    verify,
)
from audit.services import record
from audit.tasks import seal_audit_log
from safeguarding.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

INSERT_EVENT = (
    "INSERT INTO audit_event (occurred_at, action, actor_username, actor_agency,"
    " target_type, target_id, request_id, user_agent, detail)"
    " VALUES (now(), 'sign_in', 'late.person', '', '', '', '', '', '{}') RETURNING id"
)


def record_events(count: int) -> list[Event]:
    return [record(Action.CASE_VIEWED, target_type="case", target_id=n) for n in range(count)]


def verify_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


class RolledBack(Exception):
    pass


def rolled_back_event() -> int:
    """Insert an event in a transaction that rolls back; return the id it used up."""
    used = []
    with pytest.raises(RolledBack), transaction.atomic():
        used.append(record(Action.SEARCH).pk)
        raise RolledBack
    return used[0]


@pytest.fixture
def other_connection():
    """A second database connection, as another web process would hold."""
    connection.ensure_connection()
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        yield other
    finally:
        other.rollback()
        other.close()


def tamper(table: str, statement: str, params: list | None = None) -> None:
    """Change an append-only table as a database superuser could: triggers off, then on."""
    trigger = f"{table}_no_update_or_delete"
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
        try:
            cursor.execute(statement, params)
        finally:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER "{trigger}"')


def chain() -> list[Seal]:
    return list(Seal.objects.order_by("last_event_id"))


# --- sealing -----------------------------------------------------------------------------


def test_sealing_covers_every_event_in_one_chain():
    events = record_events(25)
    assert seal_pending(max_per_seal=10) == 25
    seals = chain()
    assert [s.event_count for s in seals] == [10, 10, 5]
    assert [s.number for s in seals] == [1, 2, 3]
    assert seals[0].previous_hash == GENESIS_HASH
    assert seals[0].first_event_id == 1
    for before, after in itertools.pairwise(seals):
        assert after.previous_hash == before.hash
        assert after.first_event_id == before.last_event_id + 1
    assert seals[-1].last_event_id == events[-1].pk
    key = settings.AUDIT_SEAL_KEY.encode()
    for seal in seals:
        assert len(seal.digests) == seal.event_count * DIGEST_BYTES
        assert seal.hash == seal_hash(
            key, seal.previous_hash, seal.first_event_id, seal.last_event_id,
            seal.event_count, seal.gaps, bytes(seal.digests),
        )  # fmt: skip
    assert "Verified 25 events in 3 seals" in verify_output()


def test_sealing_again_seals_nothing_new_and_then_only_what_is_new():
    record_events(3)
    assert seal_pending() == 3
    head = chain()[-1]
    assert seal_pending() == 0
    assert Seal.objects.count() == 1
    newer = record_events(2)
    assert seal_pending() == 2
    latest = chain()[-1]
    assert latest.previous_hash == head.hash
    assert latest.number == head.number + 1
    assert (latest.first_event_id, latest.last_event_id) == (head.last_event_id + 1, newer[-1].pk)
    assert verify().ok


def test_a_backlog_is_sealed_over_several_rounds():
    events = record_events(25)
    assert seal_pending(max_per_seal=10, max_events=15) == 20
    assert seal_pending(max_per_seal=10, max_events=15) == 5
    assert chain()[-1].last_event_id == events[-1].pk
    assert verify().ok


def test_a_late_committing_transaction_is_not_skipped(other_connection):
    record_events(1)
    assert seal_pending() == 1
    # Another process draws an event id and has not committed yet...
    with other_connection.cursor() as cursor:
        cursor.execute(INSERT_EVENT)
        late_id = cursor.fetchone()[0]
    # ...while later events commit.
    after = record_events(1)[0]
    assert after.pk > late_id
    started = time.monotonic()
    assert seal_pending() == 0, "sealed past an id whose transaction is still open"
    assert time.monotonic() - started < 2, "the sealer waited on the open transaction"
    # The sealer let go of the table: inserts go on.
    also_after = record_events(1)[0]
    assert verify().ok
    other_connection.commit()
    assert seal_pending() == 3
    result = verify()
    assert result.ok, result.problem
    assert result.unsealed == 0
    covering = Seal.objects.get(first_event_id__lte=late_id, last_event_id__gte=late_id)
    assert covering.last_event_id == also_after.pk
    assert all(low > late_id or high < late_id for low, high in covering.gaps)


def test_a_rolled_back_insert_leaves_a_gap_that_verifies():
    record_events(1)
    gap = rolled_back_event()
    kept = record_events(1)[0]
    trailing = rolled_back_event()
    assert seal_pending() == 2
    seal = chain()[-1]
    assert [gap, gap] in seal.gaps
    # The horizon is the newest row, so an id rolled back at the end is not sealed yet.
    assert seal.last_event_id == kept.pk < trailing
    later = record_events(1)[0]
    assert seal_pending() == 1
    assert chain()[-1].gaps == [[trailing, trailing]]
    assert chain()[-1].last_event_id == later.pk
    assert verify().ok


def test_only_one_sealer_works_at_a_time(other_connection):
    record_events(2)
    with other_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
    assert seal_pending() == 0
    other_connection.rollback()
    assert seal_pending() == 2


def test_two_sealers_cannot_fork_the_chain():
    record_events(2)
    seal_pending()
    first = chain()[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Seal.objects.create(
            number=2, first_event_id=1, last_event_id=first.last_event_id + 5, event_count=1,
            gaps=[],
            digests=b"\0" * DIGEST_BYTES, previous_hash=GENESIS_HASH, hash="f" * 64,
        )  # fmt: skip


def test_sealing_refuses_to_run_inside_a_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        seal_pending()


# --- what is sealed, and the seal table itself -------------------------------------------


def test_every_column_of_the_event_table_is_sealed():
    with connection.cursor() as cursor:
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, "audit_event")
        }
    assert set(CANONICAL_COLUMNS) == columns
    assert len(CANONICAL_COLUMNS) == len(columns)
    assert {f.column for f in Event._meta.concrete_fields} == columns


def test_event_ids_come_from_an_uncached_sequence():
    """The horizon argument needs ids drawn in increasing order across sessions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seqcache FROM pg_sequence"
            " WHERE seqrelid = pg_get_serial_sequence('audit_event', 'id')::regclass"
        )
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_seal SET hash = repeat('0', 64)",
        "DELETE FROM audit_seal",
        "TRUNCATE audit_seal",
    ],
)
def test_seals_are_append_only(statement):
    record_events(1)
    seal_pending()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert Seal.objects.count() == 1


def test_the_seal_triggers_are_always_enabled_and_released_by_the_test_flush():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = 'audit_seal'::regclass AND NOT tgisinternal ORDER BY tgname"
        )
        triggers = cursor.fetchall()
    assert triggers == [("audit_seal_no_truncate", "A"), ("audit_seal_no_update_or_delete", "A")]


def test_without_its_own_key_the_seal_key_comes_from_secret_key():
    if os.environ.get("AUDIT_SEAL_KEY"):
        pytest.skip("AUDIT_SEAL_KEY is set in this environment")
    derived = hmac.new(settings.SECRET_KEY.encode(), b"safeguarding.audit-seal", hashlib.sha256)
    assert derived.hexdigest() == settings.AUDIT_SEAL_KEY


# --- verification ------------------------------------------------------------------------


def test_verify_reports_what_is_sealed_and_what_is_not():
    record_events(4)
    seal_pending()
    record_events(2)
    output = verify_output()
    head = chain()[-1]
    assert output.splitlines()[0] == (
        f"Verified 4 events in 1 seal (chain head seal {head.number}, hash {head.hash}); "
        "2 events not yet sealed."
    )


def test_verify_can_seal_first():
    record_events(3)
    output = verify_output("--seal-first")
    assert "Sealed 3 events." in output
    assert "Verified 3 events in 1 seal" in output
    assert "0 events not yet sealed." in output


def test_an_altered_event_is_named():
    events = record_events(30)
    seal_pending(max_per_seal=10)
    target = events[14].pk
    tamper("audit_event", "UPDATE audit_event SET target_id = 'other' WHERE id = %s", [target])
    with pytest.raises(CommandError, match=rf"event {target} was altered$"):
        call_command("verify_audit")


def test_an_event_altered_in_a_way_json_cannot_see_is_named():
    """The time is in the canonical text to the microsecond."""
    events = record_events(3)
    seal_pending()
    target = events[1].pk
    tamper(
        "audit_event",
        "UPDATE audit_event SET occurred_at = occurred_at + interval '1 microsecond' WHERE id = %s",
        [target],
    )
    with pytest.raises(CommandError, match=rf"event {target} was altered$"):
        call_command("verify_audit")


def test_a_removed_event_is_named():
    events = record_events(30)
    seal_pending(max_per_seal=10)
    target = events[22].pk
    tamper("audit_event", "DELETE FROM audit_event WHERE id = %s", [target])
    with pytest.raises(CommandError, match=rf"event {target} was removed$"):
        call_command("verify_audit")


def test_the_newest_sealed_event_removed_is_named():
    events = record_events(5)
    seal_pending()
    record_events(1)
    target = events[-1].pk
    tamper("audit_event", "DELETE FROM audit_event WHERE id = %s", [target])
    with pytest.raises(CommandError, match=rf"event {target} was removed$"):
        call_command("verify_audit")


def test_an_event_inserted_into_a_sealed_range_is_named():
    record_events(3)
    gap = rolled_back_event()
    record_events(3)
    seal_pending(max_per_seal=4)
    seal = Seal.objects.get(first_event_id__lte=gap, last_event_id__gte=gap)
    assert [gap, gap] in seal.gaps
    tamper("audit_event", INSERT_EVENT.replace("(occurred_at", "(id, occurred_at").replace(
        "VALUES (", "VALUES (%s, "), [gap])  # fmt: skip
    with pytest.raises(
        CommandError, match=rf"event {gap} was inserted out of order \(inside seal {seal.number}\)$"
    ):
        call_command("verify_audit")


def test_an_altered_seal_is_named():
    record_events(30)
    seal_pending(max_per_seal=10)
    target = chain()[1]
    tamper("audit_seal", "UPDATE audit_seal SET hash = repeat('f', 64) WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=rf"seal {target.number} was altered$"):
        call_command("verify_audit")


def test_a_seal_re_made_over_altered_events_without_the_key_is_named():
    events = record_events(10)
    seal_pending()
    seal = chain()[0]
    tamper(
        "audit_event", "UPDATE audit_event SET actor_username = 'x' WHERE id = %s", [events[0].pk]
    )
    # Whoever controls only the database cannot compute the digests: any change shows.
    tamper("audit_seal", "UPDATE audit_seal SET digests = %s WHERE id = %s", [b"\0" * 80, seal.pk])
    with pytest.raises(CommandError, match=rf"seal {seal.number} was altered$"):
        call_command("verify_audit")


def test_a_removed_seal_breaks_the_chain():
    record_events(30)
    seal_pending(max_per_seal=10)
    first, middle, last = chain()
    tamper("audit_seal", "DELETE FROM audit_seal WHERE id = %s", [middle.pk])
    broken = rf"seal {last.number} does not follow seal {first.number}"
    with pytest.raises(CommandError, match=broken):
        call_command("verify_audit")


def test_a_truncated_chain_is_caught_against_a_hash_kept_by_hand():
    record_events(20)
    seal_pending(max_per_seal=10)
    last = chain()[-1]
    assert "Verified 20 events" in verify_output("--expect-seal", last.hash)
    tamper("audit_seal", "DELETE FROM audit_seal WHERE id = %s", [last.pk])
    # The chain itself still holds together; only a hash kept outside it shows the loss
    # (the published seal file, tests/audit/test_published_seals.py, or one kept by hand).
    assert "Verified 10 events in 1 seal" in verify_output("--no-published")
    with pytest.raises(CommandError, match="not in the chain: seals were removed"):
        call_command("verify_audit", "--no-published", "--expect-seal", last.hash)


def test_seals_verify_only_under_their_own_key(settings):
    record_events(3)
    seal_pending()
    settings.AUDIT_SEAL_KEY = "some other key"
    result = verify()
    assert not result.ok
    assert result.problem == "seal 1 was altered"


# --- Celery ------------------------------------------------------------------------------


def test_beat_seals_the_audit_log_every_interval():
    entry = app.conf.beat_schedule["audit-seal"]
    assert entry["task"] == "audit.tasks.seal_audit_log"
    assert entry["schedule"] == settings.AUDIT_SEAL_INTERVAL_SECONDS


def test_a_real_worker_seals_the_audit_log(celery_worker):
    events = record_events(5)
    seal_audit_log.apply_async(queue=celery_worker)
    deadline = time.monotonic() + 20
    while not Seal.objects.filter(last_event_id=events[-1].pk).exists():
        assert time.monotonic() < deadline, "the worker did not seal within 20 s"
        time.sleep(0.1)
    result = verify()
    assert result.ok, result.problem
    assert (result.events_verified, result.unsealed) == (5, 0)

"""Tamper-evident sealing of the audit log: a keyed hash chain over the events, in id order.

What a seal proves
------------------
Seal n covers the events with id in (seal n-1's last_event_id, last_event_id]. It stores
an 8-byte HMAC-SHA256 of each event's canonical text, the id ranges in that span that had
no row (`gaps`: a rolled-back insert still consumes its id), and
HMAC-SHA256(key, previous hash | first | last | count | gaps | digests). Events and seals
are append-only in the database (triggers); the seals make any change made around those
triggers (by a table owner or database superuser) visible to `manage.py verify_audit`,
which names the first event or seal that is not as sealed. The key comes from settings
(`AUDIT_SEAL_KEY`), never from the database, so whoever controls only the database cannot
forge a seal over altered rows. Seals are numbered 1, 2, 3, ... in chain order.

A chain cannot show that its newest seals were dropped (delete the newest events and
seals, seal again, and the removed ids look like rolled-back inserts). So after every
round each new seal's number and hash are appended to a file outside the database, and
`verify` compares the chain with that file by default (audit/published.py).

The canonical text of an event is `json_build_array(<every column, fixed order>)::text`,
produced by PostgreSQL with the session time zone set to UTC, so sealing and verifying
read byte-identical text, free text cannot forge a separator, and it is fast.

Why no event is skipped (the horizon)
-------------------------------------
An event's id is taken when it is inserted but the row only appears when its transaction
commits. "Seal everything after the last sealed id" would therefore seal 11 while 10
still belongs to a slow, uncommitted transaction: 10 becomes a false gap, and when it
commits, verify reports an event inserted inside a sealed range (or it is never sealed).
So each round first reads a *horizon*, an id up to which every event is final:

1. In a short transaction of its own, the sealer takes `SHARE` lock on audit_event and
   reads max(id). An INSERT holds `ROW EXCLUSIVE` on the table from before its id is
   drawn (the lock is taken when the statement is parsed or its plan's locks acquired,
   the identity default is evaluated during execution) until its transaction ends, and
   `SHARE` conflicts with `ROW EXCLUSIVE`. Holding `SHARE` thus means no transaction
   that has drawn an audit id is still open, and none can draw one until the lock goes.
   The id sequence (CACHE 1, the default) only increases, so every id drawn after the
   lock is released is above max(id). Hence every id <= horizon is final: its row is
   committed and visible now, or it will never exist (a gap). The transaction commits at
   once: the lock is held for about a millisecond.
2. It never queues in front of inserts for long: it tries `NOWAIT` a few times, 20 ms
   apart, then waits once for at most `AUDIT_SEAL_LOCK_TIMEOUT_MS` (default 50 ms). An
   insert arriving while the sealer waits queues behind it for at most that long. If the
   lock cannot be had (a long transaction that wrote an event is open, or autovacuum is
   working on the table) the round seals nothing and the next one tries again.
3. Then, in a second transaction, under a transaction-level advisory lock (one sealer at
   a time; another that finds it taken simply returns), it reads the chain head and
   streams the events in (head.last_event_id, horizon] in id order, one seal per
   `max_per_seal` events. This reads a snapshot and takes no lock that an insert waits
   for. The unique constraints on `previous_hash` and `last_event_id` make a fork
   impossible even without the advisory lock.

The lock is taken through `audit_seal_horizon()` (migration 0005), a SECURITY DEFINER
function owned by the migrating role, because the application role holds only SELECT and
INSERT on audit_event, and PostgreSQL lets such a role lock the table in no mode stronger
than ROW EXCLUSIVE.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection, transaction

from audit.models import GENESIS_HASH, Seal
from audit.published import PublishedCheck, publish_new_seals

logger = logging.getLogger(__name__)

# Every column of audit_event, in a fixed order (tests check none is missing).
CANONICAL_COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "actor_id",
    "actor_username",
    "actor_agency_id",
    "actor_agency",
    "target_type",
    "target_id",
    "request_id",
    "client_address",
    "user_agent",
    "detail",
)
CANONICAL_TEXT_SQL = f"json_build_array({', '.join(CANONICAL_COLUMNS)})::text"
DIGEST_BYTES = 8
# pg_try_advisory_xact_lock key of the sealer ("audit-seal" in ASCII).
SEALER_LOCK_KEY = 0x61756469742D7365
NOWAIT_ATTEMPTS = 3
NOWAIT_PAUSE_SECONDS = 0.02
LOCK_NOT_AVAILABLE = "55P03"
EVENT_STREAM_ROWS = 20_000
SEAL_STREAM_ROWS = 16
# About 15 s of work per round on a 2-CPU machine; the task time limit is 240 s.
MAX_EVENTS_PER_ROUND = 1_000_000


def seal_key() -> bytes:
    return settings.AUDIT_SEAL_KEY.encode()


def event_digest(key: bytes, canonical_text: str) -> bytes:
    """The truncated keyed digest of one event's canonical text."""
    return hmac.digest(key, canonical_text.encode(), "sha256")[:DIGEST_BYTES]


def seal_hash(
    key: bytes,
    previous_hash: str,
    first_event_id: int,
    last_event_id: int,
    event_count: int,
    gaps: list[list[int]],
    digests: bytes,
) -> str:
    """The seal's own hash. Fixed-width hex, decimal numbers and compact JSON, each ended by
    "|", then the fixed-width digests: no two different seals share an input."""
    head = (
        f"{previous_hash}|{first_event_id}|{last_event_id}|{event_count}|"
        f"{json.dumps(gaps, separators=(',', ':'))}|"
    ).encode()
    return hmac.new(key, head + bytes(digests), "sha256").hexdigest()


# --- sealing -----------------------------------------------------------------------------


def _is_lock_not_available(error: OperationalError) -> bool:
    return getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE


def read_horizon() -> int | None:
    """The id up to which every audit event is final, or None if the lock was not free.

    See the module docstring, "the horizon". Each attempt is its own transaction, so the
    SHARE lock is released the moment max(id) has been read.
    """
    attempts = [True] * NOWAIT_ATTEMPTS + [False]
    for number, nowait in enumerate(attempts):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)",
                    [f"{settings.AUDIT_SEAL_LOCK_TIMEOUT_MS}ms"],
                )
                cursor.execute("SELECT audit_seal_horizon(%s)", [nowait])
                return cursor.fetchone()[0]
        except OperationalError as error:
            if not _is_lock_not_available(error):
                raise
            if nowait and number + 1 < NOWAIT_ATTEMPTS:
                time.sleep(NOWAIT_PAUSE_SECONDS)
    return None


def seal_pending(max_per_seal: int = 10_000, max_events: int = MAX_EVENTS_PER_ROUND) -> int:
    """Seal every final event not yet sealed; return how many events were sealed.

    Safe to run at any time, from any number of processes: a round that cannot get the
    horizon lock, or finds another sealer at work, seals nothing and the next round
    catches up. A round stops after the seal that reaches `max_events`, so a large
    backlog is committed in steps that each finish well inside the task time limit.
    Must not run inside a transaction (the horizon lock would be held to its end,
    stalling every audited request).

    After the round (committed, or sealing nothing) every seal not yet in the published
    file is appended to it, so one whose process died before publishing is caught up.
    """
    if connection.in_atomic_block:
        raise RuntimeError("seal_pending() must not run inside a transaction")
    if max_per_seal < 1:
        raise ValueError("max_per_seal must be at least 1")
    sealed = _seal_round(max_per_seal, max_events)
    publish_new_seals()
    return sealed


def _seal_round(max_per_seal: int, max_events: int) -> int:
    horizon = read_horizon()
    if horizon is None:
        logger.warning(
            "audit sealing skipped: audit_event is locked by an open transaction "
            "(or autovacuum); the next round will try again"
        )
        return 0
    key = seal_key()
    sealed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
        if not cursor.fetchone()[0]:
            logger.info("audit sealing skipped: another sealer is running")
            return 0
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        head = Seal.objects.order_by("-last_event_id")
        head = head.values_list("hash", "last_event_id", "number").first()
        previous_hash, previous_last, previous_number = head or (GENESIS_HASH, 0, 0)
        if previous_last >= horizon:
            return 0
        rows = _stream_events(previous_last, horizon)
        try:
            for batch in _batches(rows, max_per_seal):
                seal = _make_seal(key, previous_hash, previous_last, previous_number + 1, batch)
                logger.info(
                    "audit seal %s: events %s-%s (%s events), hash %s",
                    seal.number, seal.first_event_id, seal.last_event_id, seal.event_count,
                    seal.hash,
                )  # fmt: skip
                sealed += seal.event_count
                previous_hash, previous_last = seal.hash, seal.last_event_id
                previous_number = seal.number
                if sealed >= max_events:
                    break
        finally:
            rows.close()
    return sealed


def _stream_events(after: int, up_to: int | None) -> Iterator[tuple[int, str]]:
    """(id, canonical text) of the events with id in (after, up_to], in id order.

    A server-side cursor: memory stays flat however many events there are. Must run
    inside a transaction whose time zone is UTC.
    """
    cursor = connection.connection.cursor(name=f"audit_events_{time.monotonic_ns()}")
    cursor.itersize = EVENT_STREAM_ROWS
    try:
        sql = f"SELECT id, {CANONICAL_TEXT_SQL} FROM audit_event WHERE id > %s"  # noqa: S608
        params: list[int] = [after]
        if up_to is not None:
            sql += " AND id <= %s"
            params.append(up_to)
        cursor.execute(sql + " ORDER BY id", params)
        yield from cursor
    finally:
        cursor.close()


def _batches(rows: Iterator[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _make_seal(
    key: bytes, previous_hash: str, previous_last: int, number: int, batch: list[tuple[int, str]]
) -> Seal:
    first = previous_last + 1
    gaps: list[list[int]] = []
    expected = first
    digests = bytearray()
    for event_id, text in batch:
        if event_id != expected:
            gaps.append([expected, event_id - 1])
        expected = event_id + 1
        digests += event_digest(key, text)
    last = batch[-1][0]
    digests = bytes(digests)
    return Seal.objects.create(
        number=number,
        first_event_id=first,
        last_event_id=last,
        event_count=len(batch),
        gaps=gaps,
        digests=digests,
        previous_hash=previous_hash,
        hash=seal_hash(key, previous_hash, first, last, len(batch), gaps, digests),
    )


# --- verification ------------------------------------------------------------------------


@dataclass
class Verification:
    """What verify() found. `problem` is None when the whole chain and every sealed event
    are as sealed; otherwise it names the first bad event or seal."""

    problem: str | None
    events_verified: int
    seals: int
    head_id: int | None
    head_hash: str
    unsealed: int
    bad_event_id: int | None = None
    bad_seal_id: int | None = None
    head_number: int = 0
    # The published file compared (None if not), and its last seal that matched.
    published_path: str | None = None
    published_up_to: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Problem(Exception):
    def __init__(self, message: str, event_id: int | None = None, seal_id: int | None = None):
        super().__init__(message)
        self.event_id = event_id
        self.seal_id = seal_id


def verify(
    expect_seal: str | None = None,
    *,
    check_published: bool = True,
    published_path: str | Path | None = None,
) -> Verification:
    """Check the chain and every sealed event in one pass over both tables, in id order.

    Runs in one REPEATABLE READ, read-only transaction, so a sealer working meanwhile
    cannot make seals and events disagree. Stops at the first problem. Seal numbers must
    run 1, 2, 3, ... and, unless `check_published` is False, the chain must agree with
    the published seal file (AUDIT_SEAL_PUBLISH_PATH, or `published_path`; see
    audit/published.py): that is what shows the newest seals were removed.
    `expect_seal`: a seal hash kept by other means, which must still be in the chain.
    """
    if connection.in_atomic_block:
        raise RuntimeError("verify() must not run inside a transaction")
    key = seal_key()
    state = {"events": 0, "seals": 0, "head_id": None, "head_hash": GENESIS_HASH, "number": 0}
    found_expected = expect_seal is None
    problem: _Problem | None = None
    unsealed = 0
    # Opened before the chain is read: see audit/published.py.
    published = PublishedCheck(published_path) if check_published else None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            events = _stream_events(0, None)
            try:
                pending = next(events, None)
                previous_last = 0
                for seal in _stream_seals():
                    pending = _verify_seal(key, seal, state, previous_last, pending, events)
                    previous_last = seal.last_event_id
                    found_expected = found_expected or seal.hash == expect_seal
                    if published is not None:
                        _compare_published(published, seal)
                while pending is not None:
                    unsealed += 1
                    pending = next(events, None)
                if published is not None and (found := published.finish(state["number"])):
                    raise _Problem(found)
            except _Problem as found:
                problem = found
            finally:
                events.close()
    finally:
        if published is not None:
            published.close()
    if problem is None and not found_expected:
        problem = _Problem(
            f"seal hash {expect_seal} is not in the chain: seals were removed from its end"
        )
    return Verification(
        problem=str(problem) if problem else None,
        events_verified=state["events"],
        seals=state["seals"],
        head_id=state["head_id"],
        head_hash=state["head_hash"],
        unsealed=unsealed,
        bad_event_id=problem.event_id if problem else None,
        bad_seal_id=problem.seal_id if problem else None,
        head_number=state["number"],
        published_path=str(published.path) if published is not None else None,
        published_up_to=published.published_up_to if published is not None else 0,
    )


def _compare_published(published: PublishedCheck, seal: _StoredSeal) -> None:
    found = published.seal(seal.number, seal.hash, seal.last_event_id, seal.sealed_at)
    if found:
        raise _Problem(found, seal_id=seal.id)


@dataclass
class _StoredSeal:
    id: int
    number: int
    sealed_at: dt.datetime
    first_event_id: int
    last_event_id: int
    event_count: int
    gaps: list[list[int]]
    digests: bytes
    previous_hash: str
    hash: str


def _stream_seals() -> Iterator[_StoredSeal]:
    cursor = connection.connection.cursor(name=f"audit_seals_{time.monotonic_ns()}")
    cursor.itersize = SEAL_STREAM_ROWS
    try:
        cursor.execute(
            "SELECT id, number, sealed_at, first_event_id, last_event_id, event_count,"
            " gaps::text, digests, previous_hash, hash FROM audit_seal ORDER BY last_event_id"
        )
        for row in cursor:
            yield _StoredSeal(
                row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]),
                bytes(row[7]), row[8], row[9],
            )  # fmt: skip
    finally:
        cursor.close()


def _expected_ids(seal: _StoredSeal) -> Iterator[int]:
    """The ids the seal says existed: its range minus its gaps."""
    start = seal.first_event_id
    for low, high in seal.gaps:
        yield from range(start, low)
        start = high + 1
    yield from range(start, seal.last_event_id + 1)


def _check_seal_shape(seal: _StoredSeal) -> bool:
    """Gaps ascending, inside the range, and the count and digests match range minus gaps."""
    start = seal.first_event_id
    missing = 0
    for gap in seal.gaps:
        if not (isinstance(gap, list) and len(gap) == 2 and all(type(n) is int for n in gap)):
            return False
        low, high = gap
        if not (start <= low <= high < seal.last_event_id):
            return False
        missing += high - low + 1
        start = high + 2
    span = seal.last_event_id - seal.first_event_id + 1
    return (
        seal.event_count == span - missing and len(seal.digests) == seal.event_count * DIGEST_BYTES
    )


def _verify_seal(
    key: bytes,
    seal: _StoredSeal,
    state: dict,
    previous_last: int,
    pending: tuple[int, str] | None,
    events: Iterator[tuple[int, str]],
) -> tuple[int, str] | None:
    """Check one seal and the events it covers; return the first event after its range."""
    expected_hash = seal_hash(
        key, seal.previous_hash, seal.first_event_id, seal.last_event_id, seal.event_count,
        seal.gaps, seal.digests,
    )  # fmt: skip
    if not hmac.compare_digest(expected_hash, seal.hash) or not _check_seal_shape(seal):
        raise _Problem(f"seal {seal.number} was altered", seal_id=seal.id)
    if seal.previous_hash != state["head_hash"] or seal.first_event_id != previous_last + 1:
        after = f"seal {state['number']}" if state["head_id"] else "the start of the chain"
        raise _Problem(
            f"seal {seal.number} does not follow {after}: the chain is broken "
            "(a seal was removed or inserted)",
            seal_id=seal.id,
        )
    # The number is not hashed (seals made before it existed still verify), so it is
    # checked here: it is how the published file and the digest name each seal.
    if seal.number != state["number"] + 1:
        jump = (
            f"seal numbers jump from {state['number']} to {seal.number}"
            if state["number"]
            else f"the first seal is numbered {seal.number}, not 1"
        )
        raise _Problem(f"{jump} (seal id {seal.id}): seals were renumbered", seal_id=seal.id)
    digests = seal.digests
    offset = 0
    for expected_id in _expected_ids(seal):
        if pending is not None and pending[0] < expected_id:
            raise _Problem(
                f"event {pending[0]} was inserted out of order (inside seal {seal.number})",
                event_id=pending[0],
                seal_id=seal.id,
            )
        if pending is None or pending[0] > expected_id:
            raise _Problem(f"event {expected_id} was removed", event_id=expected_id)
        if event_digest(key, pending[1]) != digests[offset : offset + DIGEST_BYTES]:
            raise _Problem(f"event {expected_id} was altered", event_id=expected_id)
        offset += DIGEST_BYTES
        pending = next(events, None)
    if pending is not None and pending[0] <= seal.last_event_id:
        raise _Problem(
            f"event {pending[0]} was inserted out of order (inside seal {seal.number})",
            event_id=pending[0],
            seal_id=seal.id,
        )
    state["events"] += seal.event_count
    state["seals"] += 1
    state["head_id"] = seal.id
    state["head_hash"] = seal.hash
    state["number"] = seal.number
    return pending

"""The published seal file: each seal's hash leaves the database as the seal is made.

Why
---
A hash chain cannot show that its newest seals were removed. Whoever can get round the
append-only triggers (a table owner, a database superuser) can delete the newest events
and seals; the next seal then follows the last one kept, and the removed event ids look
like rolled-back inserts. So every seal's number and hash are also written outside the
database as it is made, and `verify_audit` compares the chain with them by default
(DESIGN.md, Audit). The daily digest to information-governance officers carries the
chain's head too (reports/seal_digest.py).

The file
--------
AUDIT_SEAL_PUBLISH_PATH holds one line per seal, in number order from 1, and nothing else:

    <number> <hash: 64 hex digits> <last event id> <sealed at: ISO 8601, UTC>

It is only ever appended to. After each sealing round, `publish_new_seals()` appends
every seal numbered above the file's last line, then flushes and fsyncs, under an
exclusive flock (workers sharing the file cannot interleave lines). A process that dies
between a round's commit and the append loses nothing: the next round appends it. If
the file cannot be written, the error is logged and sealing goes on: the audit log never
waits for the file.

The publisher does not start a missing file on its own, except for a chain whose first
seal is new: a file that vanished must be reported, not quietly made again from a
database that may have lost its tail. `manage.py publish_seals --start` starts it (after
verifying the chain) on a database that had seals before publishing was set up. Nor does
it append after a last line that the chain no longer holds as published: the file is the
evidence, and verify names the seal. The one change it makes other than appending is to
cut off a partial last line, which only a crash in the middle of a write leaves.

What verify checks (`PublishedCheck`)
-------------------------------------
Walking the chain, line n of the file must be seal n with the chain's hash and last
event id. A line past the chain's head is a seal the chain lost. Seals past the file's
last line (or every seal, if the file is missing) are allowed only if made within
AUDIT_SEAL_PUBLISH_GRACE_SECONDS: a round's seals are published when it commits, and a
round can run up to its task time limit. Older ones mean the file was shortened or
publishing is failing. The file's length is read (under a shared flock) before the chain
is read, so a seal published meanwhile is never taken for one the chain lacks.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import GENESIS_HASH, Seal

logger = logging.getLogger(__name__)

LINE = re.compile(
    rb"(?P<number>[1-9][0-9]*) (?P<hash>[0-9a-f]{64}) (?P<last_event_id>[1-9][0-9]*)"
    rb" (?P<sealed_at>[0-9T:.+-]{19,40})\n"
)
# Longer than any line the publisher writes (about 120 bytes); a longer one is not ours.
MAX_LINE_BYTES = 512
TAIL_BYTES = 4096
PUBLISH_BATCH = 1000


@dataclass(frozen=True)
class PublishedSeal:
    number: int
    hash: str
    last_event_id: int


def publish_path() -> Path:
    return Path(settings.AUDIT_SEAL_PUBLISH_PATH)


def grace() -> dt.timedelta:
    """How long a new seal may be in the chain but not yet in the file."""
    return dt.timedelta(seconds=settings.AUDIT_SEAL_PUBLISH_GRACE_SECONDS)


def line_for(number: int, hash: str, last_event_id: int, sealed_at: dt.datetime) -> bytes:
    when = sealed_at.astimezone(dt.UTC).isoformat()
    return f"{number} {hash} {last_event_id} {when}\n".encode()


def parse(line: bytes) -> PublishedSeal | None:
    """The seal a whole line (ending in a newline) names, or None if it is not one."""
    match = LINE.fullmatch(line)
    if match is None:
        return None
    try:
        dt.datetime.fromisoformat(match["sealed_at"].decode())
    except ValueError:
        return None
    return PublishedSeal(int(match["number"]), match["hash"].decode(), int(match["last_event_id"]))


# --- publishing ------------------------------------------------------------------------


class NotPublished(Exception):
    """Why nothing (more) was appended: the file disagrees with the chain, or is missing."""


def publish_new_seals(path: Path | str | None = None, *, start: bool = False) -> int:
    """Append every seal not yet in the published file; return how many were appended.

    Never raises for the file's sake: a file that cannot be read or written, or that no
    longer agrees with the chain, is logged as an error and the next round tries again.
    `start`: make the file if it is missing, whatever the age of the chain (the operator's
    `publish_seals --start`, after verifying it).
    """
    path = Path(path) if path is not None else publish_path()
    try:
        return append_new_seals(path, start=start)
    except (OSError, NotPublished) as error:
        logger.error(
            "audit seals not published to %s: %s (sealing goes on; verify_audit will "
            "report the file until this is put right)",
            path,
            error,
        )
        return 0


def append_new_seals(path: Path, *, start: bool = False) -> int:
    """What publish_new_seals() does, raising OSError or NotPublished when it cannot."""
    fd = _open_for_append(path, start)
    if fd is None:
        return 0
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        last = _last_published(fd, path)
        after = 0
        if last is not None:
            held = Seal.objects.filter(number=last.number).values_list("hash", flat=True).first()
            if held != last.hash:
                now = "has no such seal" if held is None else f"holds hash {held}"
                raise NotPublished(
                    f"seal {last.number} was published with hash {last.hash}, but the chain "
                    f"{now}: the newest seals were removed; nothing more is appended until "
                    "this is looked into"
                )
            after = last.number
        written = _append_seals_after(fd, after)
        if written:
            os.fsync(fd)
        return written
    finally:
        os.close(fd)  # and with it the flock


def _open_for_append(path: Path, start: bool) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_APPEND)
    except FileNotFoundError:
        pass
    first = Seal.objects.filter(number=1).values_list("sealed_at", flat=True).first()
    if first is None:
        return None  # nothing to publish yet
    if not start and first < timezone.now() - grace():
        raise NotPublished(
            f"the file is missing but the chain has seals since {first:%Y-%m-%d %H:%M:%S} "
            "UTC. Restore it; or, if publishing is new on this database, start it with "
            "`manage.py publish_seals --start`"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o640)
    except FileExistsError:  # another worker made it a moment ago
        return os.open(path, os.O_RDWR | os.O_APPEND)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the new file's name survives a crash too
    finally:
        os.close(directory)
    logger.info("started the published audit seal file %s", path)
    return fd


def _last_published(fd: int, path: Path) -> PublishedSeal | None:
    """The file's last seal (None if it is empty), cutting off a partial last line."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    start = max(0, size - TAIL_BYTES)
    tail = os.pread(fd, size - start, start)
    if not tail.endswith(b"\n"):
        cut = tail.rfind(b"\n")
        if cut < 0 and start > 0:
            raise NotPublished("its last line is too long to be a seal")
        keep = start + cut + 1
        logger.warning(
            "the published audit seal file %s ended in a partial line (a crash while "
            "writing?): cut back to its last whole line",
            path,
        )
        os.ftruncate(fd, keep)
        os.fsync(fd)
        tail = tail[: keep - start]
        if not tail:
            return None
    line = tail[tail.rfind(b"\n", 0, len(tail) - 1) + 1 :]
    last = parse(line)
    if last is None:
        raise NotPublished(f"its last line is not a seal: {line[:100]!r}")
    return last


def _append_seals_after(fd: int, after: int) -> int:
    written = 0
    while True:
        batch = list(
            Seal.objects.filter(number__gt=after)
            .order_by("number")
            .values_list("number", "hash", "last_event_id", "sealed_at")[:PUBLISH_BATCH]
        )
        lines = []
        for number, hash, last_event_id, sealed_at in batch:
            if number != after + 1:
                # Appending past a break would publish seals no verify can place.
                _write(fd, lines)
                raise NotPublished(f"seal numbers jump from {after} to {number} in the chain")
            lines.append(line_for(number, hash, last_event_id, sealed_at))
            after = number
        _write(fd, lines)
        written += len(lines)
        if len(batch) < PUBLISH_BATCH:
            return written


def _write(fd: int, lines: list[bytes]) -> None:
    data = b"".join(lines)
    while data:
        done = os.write(fd, data)
        data = data[done:]


# --- checking --------------------------------------------------------------------------


class PublishedCheck:
    """The published file compared with the chain, seal by seal, as a walk reaches them.

    Open it before reading the chain (see the module docstring). `seal()` for each seal
    in chain order, then `finish()`: each returns a problem, or None.
    """

    def __init__(self, path: Path | str | None = None, now: dt.datetime | None = None):
        self.path = Path(path) if path is not None else publish_path()
        self.now = now or timezone.now()
        self.missing = False
        self.published_up_to = 0
        self._unpublished: tuple[int, dt.datetime] | None = None
        self._error: str | None = None
        try:
            self._lines = self._read()
        except OSError as error:  # unreadable: reported as the first problem
            self._error = f"the published seal file {self.path} cannot be read: {error}"
            self._lines = iter(())

    def _read(self) -> Iterator[tuple[int, bytes]]:
        try:
            file = open(self.path, "rb")  # noqa: SIM115 (read lazily, closed by close())
        except FileNotFoundError:
            self.missing = True
            return iter(())
        self._file = file
        fcntl.flock(file, fcntl.LOCK_SH)  # no append is half done while the size is read
        size = os.fstat(file.fileno()).st_size
        fcntl.flock(file, fcntl.LOCK_UN)
        return self._lines_up_to(file, size)

    @staticmethod
    def _lines_up_to(file, size: int) -> Iterator[tuple[int, bytes]]:
        number = 0
        while size > 0:
            line = file.readline(min(size, MAX_LINE_BYTES))
            if not line:
                return  # cut shorter meanwhile: the lines read so far are compared
            size -= len(line)
            number += 1
            yield number, line

    def close(self) -> None:
        if hasattr(self, "_file"):
            self._file.close()

    def __enter__(self) -> PublishedCheck:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _next(self) -> tuple[int, PublishedSeal] | str | None:
        if self._error is not None:
            return self._error
        entry = next(self._lines, None)
        if entry is None:
            return None
        line_number, line = entry
        published = parse(line)
        where = f"line {line_number} of the published seal file {self.path}"
        if published is None:
            return f"{where} is not a seal: {line[:100]!r}"
        if published.number != line_number:
            return (
                f"{where} is seal {published.number}, where seal {line_number} belongs: "
                "the file was altered"
            )
        return line_number, published

    def seal(
        self, number: int, hash: str, last_event_id: int, sealed_at: dt.datetime
    ) -> str | None:
        """Compare the chain's next seal with the file's next line."""
        if self._unpublished is not None:
            return None  # the file ended before this seal
        entry = self._next()
        if isinstance(entry, str):
            return entry
        if entry is None:
            self._unpublished = (number, sealed_at)
            return None
        _, published = entry
        if published.number != number:
            # The chain's own numbering is checked before this; kept as a guard.
            return f"the chain's seal {number} meets line {published.number} of {self.path}"
        if (published.hash, published.last_event_id) != (hash, last_event_id):
            return (
                f"seal {number} was published with hash {published.hash[:16]}… (events up to "
                f"{published.last_event_id}), but the chain's seal {number} has hash "
                f"{hash[:16]}… (events up to {last_event_id}): the newest seals were removed "
                "and others made in their place, or the published file was altered"
            )
        self.published_up_to = number
        return None

    def finish(self, head_number: int) -> str | None:
        """After the chain's last seal: a published seal the chain lacks, or old seals the
        file lacks."""
        if self._unpublished is None:
            entry = self._next()
            if isinstance(entry, str):
                return entry
            if entry is not None:
                _, published = entry
                ends = f"ends at seal {head_number}" if head_number else "has no seals"
                return (
                    f"seal {published.number} (hash {published.hash[:16]}…) was published "
                    f"but is not in the chain, which {ends}: the newest seals were removed"
                )
            return None
        number, sealed_at = self._unpublished
        if sealed_at >= self.now - grace():
            return None
        seconds = round(grace().total_seconds())
        ago = f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"
        made = f"seals up to {head_number} (seal {number} made more than {ago} ago)"
        if self.missing:
            return f"the published seal file {self.path} is missing, but the chain has {made}"
        stops = f"stops at seal {self.published_up_to}" if self.published_up_to else "is empty"
        return (
            f"the published seal file {self.path} {stops}, but the chain has {made}: the "
            "file was shortened or publishing is failing"
        )


@dataclass
class FileCheck:
    """What check_published_file() found: `problem` is None when the file is intact."""

    problem: str | None
    path: Path
    head_number: int
    head_hash: str
    head_sealed_at: dt.datetime | None
    published_up_to: int

    @property
    def intact(self) -> bool:
        return self.problem is None


def check_published_file(path: Path | str | None = None) -> FileCheck:
    """The published file against the chain's seals alone: their numbers, links and hashes,
    without re-reading any event or recomputing any seal (`verify_audit` does both). Quick
    enough for the daily digest on a chain of years; stops at the first problem."""
    check = PublishedCheck(path)  # before the chain is read (module docstring)
    previous_hash, number, sealed_at = GENESIS_HASH, 0, None
    problem = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            seals = Seal.objects.order_by("last_event_id").values_list(
                "number", "hash", "previous_hash", "last_event_id", "sealed_at"
            )
            for seal_number, hash, follows, last_event_id, made in seals.iterator(2000):
                if follows != previous_hash or seal_number != number + 1:
                    problem = (
                        f"the chain breaks after seal {number} (the next is numbered "
                        f"{seal_number}): run verify_audit"
                    )
                    break
                problem = check.seal(seal_number, hash, last_event_id, made)
                if problem:
                    break
                previous_hash, number, sealed_at = hash, seal_number, made
            else:
                problem = check.finish(number)
    finally:
        check.close()
    return FileCheck(problem, check.path, number, previous_hash, sealed_at, check.published_up_to)

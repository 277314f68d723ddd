"""The published seal file: plain `verify_audit` sees the newest events and seals removed.

A hash chain alone cannot: delete the newest events and seals (as a database superuser
can, round the append-only triggers), seal again, and the chain holds together, the
removed ids looking like rolled-back inserts. Each seal's number and hash are therefore
appended to a file outside the database as it is made (audit/published.py), and verify
compares the chain with it by default. Real PostgreSQL throughout; each test has a file of
its own (tests/conftest.py, `published_seals_file`).
"""

import datetime as dt
import logging
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from audit import sealing
from audit.models import Seal
from audit.published import check_published_file, line_for, publish_new_seals
from audit.sealing import seal_pending, verify
from tests.audit.test_seal import chain, record_events, tamper

pytestmark = pytest.mark.django_db(transaction=True)


def published(path: str) -> list[list[str]]:
    return [line.split(" ") for line in Path(path).read_text().splitlines()]


def verify_output(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def remove_newest(after_event_id: int) -> None:
    """What a database superuser can do: the newest seals and events gone, triggers bypassed."""
    tamper("audit_seal", "DELETE FROM audit_seal WHERE last_event_id > %s", [after_event_id])
    tamper("audit_event", "DELETE FROM audit_event WHERE id > %s", [after_event_id])


def age_seals() -> None:
    """Make every seal so far an hour older: past the time a seal may go unpublished."""
    tamper("audit_seal", "UPDATE audit_seal SET sealed_at = sealed_at - interval '1 hour'")


# --- publishing ------------------------------------------------------------------------


def test_each_seal_is_published_as_it_is_made(published_seals_file):
    record_events(25)
    assert not Path(published_seals_file).exists()
    seal_pending(max_per_seal=10)
    seals = chain()
    assert Path(published_seals_file).read_bytes() == b"".join(
        line_for(s.number, s.hash, s.last_event_id, s.sealed_at) for s in seals
    )
    number, hash, last_event_id, sealed_at = published(published_seals_file)[0]
    assert (number, hash, last_event_id) == ("1", seals[0].hash, str(seals[0].last_event_id))
    assert dt.datetime.fromisoformat(sealed_at) == seals[0].sealed_at
    record_events(2)
    seal_pending()
    assert [line[0] for line in published(published_seals_file)] == ["1", "2", "3", "4"]
    assert published(published_seals_file)[-1][1] == chain()[-1].hash
    output = verify_output()
    assert f"Published seal file {published_seals_file}: seals 1 to 4 match the chain." in output


def test_a_seal_left_unpublished_by_a_crash_is_published_by_the_next_round(
    published_seals_file, monkeypatch
):
    record_events(5)
    seal_pending()
    # The worker dies after the round commits and before it appends to the file.
    with monkeypatch.context() as crashed:
        crashed.setattr(sealing, "publish_new_seals", lambda: 0)
        record_events(5)
        seal_pending(max_per_seal=2)
    assert len(published(published_seals_file)) == 1
    assert Seal.objects.count() == 4
    # Within the grace, verify allows it (the round may just have committed)...
    output = verify_output()
    assert "seals 1 to 1 match the chain; seals 2 to 4 are new and not in it yet" in output
    # ...and the next round, sealing nothing new, catches the file up.
    assert seal_pending() == 0
    assert [line[:2] for line in published(published_seals_file)] == [
        [str(s.number), s.hash] for s in chain()
    ]
    assert verify().ok


def test_a_file_that_cannot_be_written_never_stops_sealing(settings, tmp_path, caplog):
    (tmp_path / "not-a-directory").write_text("")
    settings.AUDIT_SEAL_PUBLISH_PATH = str(tmp_path / "not-a-directory" / "seals.log")
    record_events(3)
    with caplog.at_level(logging.ERROR, logger="audit.published"):
        assert seal_pending() == 3
    assert "audit seals not published to" in caplog.text
    assert Seal.objects.count() == 1


def test_the_publisher_does_not_start_a_missing_file_for_an_older_chain(
    published_seals_file, caplog
):
    record_events(3)
    seal_pending()
    age_seals()
    Path(published_seals_file).unlink()
    record_events(2)
    with caplog.at_level(logging.ERROR, logger="audit.published"):
        assert seal_pending() == 2
    assert not Path(published_seals_file).exists(), "a lost file was made again unseen"
    assert "the file is missing but the chain has seals since" in caplog.text
    with pytest.raises(CommandError, match=r"Nothing appended .* Restore it"):
        call_command("publish_seals")


def test_publishing_is_started_by_hand_on_a_database_that_had_seals(published_seals_file):
    """What an existing database needs once, after the migration that numbers its seals."""
    record_events(3)
    seal_pending()
    age_seals()
    Path(published_seals_file).unlink()
    out = StringIO()
    call_command("publish_seals", "--start", stdout=out)
    assert f"Appended 1 seals to {published_seals_file}." in out.getvalue()
    assert published(published_seals_file)[0][:2] == ["1", chain()[0].hash]
    assert verify().ok


def test_publishing_is_not_started_over_a_chain_that_does_not_verify(published_seals_file):
    events = record_events(3)
    seal_pending()
    age_seals()
    Path(published_seals_file).unlink()
    tamper("audit_event", "UPDATE audit_event SET action = 'x' WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError, match=f"Not started: .*event {events[0].pk} was altered"):
        call_command("publish_seals", "--start")
    assert not Path(published_seals_file).exists()


# --- what plain verify_audit now sees ----------------------------------------------------


def test_the_newest_events_and_seals_removed_then_sealed_again_fail_plain_verify(
    published_seals_file, caplog
):
    """The issue's case: nothing kept by hand, and the next seal made over the loss."""
    events = record_events(30)
    seal_pending(max_per_seal=10)
    first, second, third = chain()
    remove_newest(first.last_event_id)
    record_events(3)
    with caplog.at_level(logging.ERROR, logger="audit.published"):
        assert seal_pending() == 3
    remade = chain()[-1]
    assert (remade.number, remade.first_event_id) == (2, first.last_event_id + 1)
    assert remade.gaps == [[events[10].pk, events[-1].pk]]
    assert remade.hash != second.hash

    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    assert str(failed.value) == (
        f"Audit log verification failed: seal 2 was published with hash {second.hash[:16]}… "
        f"(events up to {second.last_event_id}), but the chain's seal 2 has hash "
        f"{remade.hash[:16]}… (events up to {remade.last_event_id}): the newest seals were "
        "removed and others made in their place, or the published file was altered"
    )
    # The chain alone holds together: the removed ids read as rolled-back inserts.
    assert verify(check_published=False).ok
    # The file is evidence: nothing is appended after a seal the chain no longer holds.
    assert "nothing more is appended" in caplog.text
    assert [line[1] for line in published(published_seals_file)] == [
        first.hash,
        second.hash,
        third.hash,
    ]


def test_the_newest_seals_removed_are_named(published_seals_file):
    record_events(30)
    seal_pending(max_per_seal=10)
    first, second, _ = chain()
    remove_newest(first.last_event_id)
    with pytest.raises(
        CommandError,
        match=re.escape(
            f"seal 2 (hash {second.hash[:16]}…) was published but is not in the chain, "
            "which ends at seal 1: the newest seals were removed"
        ),
    ):
        call_command("verify_audit")


def test_every_seal_removed_is_seen(published_seals_file):
    record_events(3)
    seal_pending()
    remove_newest(0)
    with pytest.raises(CommandError, match=r"seal 1 .* is not in the chain, which has no seals"):
        call_command("verify_audit")


def test_a_missing_file_is_reported(published_seals_file):
    record_events(3)
    seal_pending()
    age_seals()
    Path(published_seals_file).unlink()
    with pytest.raises(
        CommandError,
        match=re.escape(f"the published seal file {published_seals_file} is missing, but the ")
        + r"chain has seals up to 1 \(seal 1 made more than",
    ):
        call_command("verify_audit")


def test_a_missing_file_is_allowed_only_while_the_first_seal_is_new(published_seals_file):
    record_events(3)
    seal_pending()
    Path(published_seals_file).unlink()
    assert verify().ok  # made moments ago: its round may not have published yet


def test_a_shortened_file_is_reported(published_seals_file):
    record_events(40)
    seal_pending(max_per_seal=10)
    age_seals()
    lines = Path(published_seals_file).read_text().splitlines(keepends=True)
    Path(published_seals_file).write_text("".join(lines[:2]))
    with pytest.raises(
        CommandError,
        match=re.escape(
            f"the published seal file {published_seals_file} stops at seal 2, but the chain "
            "has seals up to 4 (seal 3 made more than "
        )
        + r".*\): the file was shortened or publishing is failing$",
    ):
        call_command("verify_audit")
    Path(published_seals_file).write_text("")
    with pytest.raises(CommandError, match="is empty, but the chain has seals up to 4"):
        call_command("verify_audit")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda lines: [lines[1], lines[0], *lines[2:]], "line 1 .* is seal 2, where seal 1"),
        (lambda lines: [lines[0], "hello\n", *lines[2:]], "line 2 .* is not a seal: b'hello"),
        (lambda lines: [*lines, "4 " + "a" * 64 + "\n"], "line 4 .* is not a seal"),
        (lambda lines: [*lines, lines[-1]], "line 4 .* is seal 3, where seal 4 belongs"),
        (lambda lines: [*lines[:2], lines[2][:-1]], "line 3 .* is not a seal"),
    ],
    ids=["out of order", "malformed", "short line", "repeated", "partial last line"],
)
def test_a_file_not_in_the_publisher_s_form_is_reported(published_seals_file, change, problem):
    record_events(30)
    seal_pending(max_per_seal=10)
    lines = Path(published_seals_file).read_text().splitlines(keepends=True)
    Path(published_seals_file).write_text("".join(change(lines)))
    with pytest.raises(CommandError, match=problem):
        call_command("verify_audit")


def test_a_partial_last_line_left_by_a_crash_is_cut_off_and_written_again(
    published_seals_file, caplog
):
    record_events(20)
    seal_pending(max_per_seal=10)
    whole = Path(published_seals_file).read_bytes()
    Path(published_seals_file).write_bytes(whole[:-30])
    with caplog.at_level(logging.WARNING, logger="audit.published"):
        publish_new_seals()
    assert "ended in a partial line" in caplog.text
    assert Path(published_seals_file).read_bytes() == whole
    assert verify().ok


def test_verify_can_read_another_copy_of_the_file_or_none(published_seals_file, tmp_path):
    record_events(20)
    seal_pending(max_per_seal=10)
    copy = tmp_path / "copy-from-the-digest-host.log"
    copy.write_bytes(Path(published_seals_file).read_bytes())
    Path(published_seals_file).write_text("")
    assert f"Published seal file {copy}: seals 1 to 2 match" in verify_output(
        "--published", str(copy)
    )
    assert "Not compared with a published seal file." in verify_output("--no-published")


# --- seal numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "number", "problem"),
    [
        (1, 5, r"seal numbers jump from 1 to 5 \(seal id \d+\): seals were renumbered$"),
        (0, 7, r"the first seal is numbered 7, not 1 \(seal id \d+\)"),
    ],
)
def test_seal_numbers_must_run_without_a_break(position, number, problem):
    record_events(30)
    seal_pending(max_per_seal=10)
    target = chain()[position]
    tamper("audit_seal", "UPDATE audit_seal SET number = %s WHERE id = %s", [number, target.pk])
    with pytest.raises(CommandError, match=problem):
        call_command("verify_audit", "--no-published")


def test_existing_seals_are_numbered_in_chain_order_by_the_migration():
    """Seals made before numbers existed keep their hashes and verify, numbered 1..n."""
    record_events(30)
    seal_pending(max_per_seal=10)
    before = [(s.pk, s.hash) for s in chain()]
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_name = 'audit_seal' AND column_name = 'number'"
            )
            assert cursor.fetchone() == (0,)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert [(s.pk, s.hash, s.number) for s in chain()] == [
        (pk, hash, n) for n, (pk, hash) in enumerate(before, start=1)
    ]
    assert verify().ok
    # And the append-only trigger is on again.
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_seal SET number = number")


def test_a_file_that_cannot_be_read_is_reported(settings, tmp_path):
    record_events(3)
    seal_pending()
    settings.AUDIT_SEAL_PUBLISH_PATH = str(tmp_path)  # a directory
    with pytest.raises(CommandError, match=f"the published seal file {tmp_path} cannot be read"):
        call_command("verify_audit")


def test_the_digest_s_quick_check_compares_the_file_with_the_seals_alone(published_seals_file):
    events = record_events(30)
    seal_pending(max_per_seal=10)
    check = check_published_file()
    assert (check.intact, check.head_number, check.published_up_to) == (True, 3, 3)
    assert check.head_hash == chain()[-1].hash
    # Events are verify_audit's to re-read, not the quick check's.
    tamper("audit_event", "UPDATE audit_event SET action = 'x' WHERE id = %s", [events[0].pk])
    assert check_published_file().intact
    assert not verify().ok
    tamper("audit_seal", "UPDATE audit_seal SET number = 5 WHERE number = 2")
    assert check_published_file().problem == (
        "the chain breaks after seal 1 (the next is numbered 5): run verify_audit"
    )

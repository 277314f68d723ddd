"""Real server processes a test starts on a spare port, asks over HTTP and stops again
(tests/project/test_outages.py, tests/project/test_no_child_details_in_logs.py)."""

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 15


def answer(url: str) -> tuple[int, str]:
    """The status and body a GET of `url` gets, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as got:  # noqa: S310 - our own server
            return got.status, got.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until the server answers `url` at all (any status); fail if it exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer(url)
            return
        except OSError:
            assert process.poll() is None, f"the server exited with code {process.returncode}"
            assert time.monotonic() < deadline, f"nothing answered {url} within {timeout} s"
            time.sleep(0.2)


def start(argv: list[str], env: dict[str, str], logs: Path, name: str) -> subprocess.Popen:
    """Start `argv` in a process group of its own (its children too: runserver's reloader
    starts the real server as a child), stdout and stderr to `logs`/<name>.stdout/.stderr."""
    with (logs / f"{name}.stdout").open("wb") as out, (logs / f"{name}.stderr").open("wb") as err:
        return subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group `start` made (by its id), then wait until every process
    in it has ended; SIGKILL to the group for any still there after STOP_SECONDS."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while _group_alive(process) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _group_alive(process):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _group_alive(process: subprocess.Popen) -> bool:
    process.poll()  # reaped once it has ended, so it no longer counts as in the group
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True

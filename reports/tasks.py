"""Periodic tasks of the reports."""

from celery import shared_task

from notifications.tasks import as_of
from reports.seal_digest import send_seal_digest


@shared_task(name="reports.tasks.send_seal_digest")
def seal_digest(now: str | None = None) -> bool:
    """The daily audit seal digest to information-governance officers (reports/seal_digest.py).

    Beat runs it every hour; the first run from AUDIT_SEAL_DIGEST_HOUR (UK time) sends the
    day's digest and every later one that day sends nothing. `now`: an ISO time, for tests.
    """
    return send_seal_digest(as_of(now))

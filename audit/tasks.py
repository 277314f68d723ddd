"""Periodic tasks of the audit log."""

from celery import shared_task

from audit.sealing import seal_pending


@shared_task(name="audit.tasks.seal_audit_log")
def seal_audit_log() -> int:
    """Seal the audit events that are final (beat runs it every AUDIT_SEAL_INTERVAL_SECONDS).

    Idempotent by construction: it seals only what no seal covers yet, under a lock that
    lets one sealer work at a time, so a repeated or concurrent run seals nothing twice.
    """
    return seal_pending()

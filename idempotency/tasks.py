"""Periodic tasks of the once-only claims."""

from celery import shared_task

from idempotency.services import forget_expired


@shared_task(name="idempotency.tasks.forget_expired_claims")
def forget_expired_claims() -> int:
    """Forget form tokens and Idempotency-Keys past 24 hours (beat runs it hourly)."""
    return forget_expired()

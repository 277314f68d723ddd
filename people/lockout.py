"""The per-address sign-in limit (shared offices sit behind one address, so it is higher
than django-axes' per-account limit), counted in PostgreSQL beside the per-account one.

Both counters live in the database so that lockout holds whatever state the cache is in,
and the cache being down never makes sign-in fail (SECURITY.md, Rate limits).
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from people.models import SignInFailure


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SIGN_IN_ADDRESS_WINDOW_MINUTES)


def address_locked(address: str, now: dt.datetime | None = None) -> bool:
    """Whether this address has failed the limit's number of times within the window."""
    since = (now or timezone.now()) - _window()
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    recent = SignInFailure.objects.filter(address=address, failed_at__gt=since)
    return recent[:limit].count() >= limit


def note_failure(address: str, now: dt.datetime | None = None) -> None:
    """Count one failed sign-in from the address; forget failures past the window."""
    now = now or timezone.now()
    SignInFailure.objects.filter(failed_at__lte=now - _window()).delete()
    SignInFailure.objects.create(address=address[:64], failed_at=now)

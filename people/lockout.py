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


def client_in_logs(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a sign-in in its log lines (AXES_CLIENT_STR_CALLABLE): by the
    address and path, never by the username. What is typed there can be anything (a child's
    name, a password in the wrong box), and process logs are read far more widely than the
    audit log and axes' own tables, which keep it for the lockout (SECURITY.md, logs)."""
    path = path_info[0] if isinstance(path_info, list | tuple) else path_info
    return f'{{ip_address: "{ip_address}", path_info: "{path}"}}'

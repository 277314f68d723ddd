"""The per-address count of failed sign-ins (django-axes counts per account), shared by the
sign-in page and by the refusal of a sign-in that held bytes the database cannot store."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from audit.services import client_address


def address_key(request: HttpRequest) -> str:
    return f"sign-in-failures:{client_address(request)}"


def address_locked(request: HttpRequest) -> bool:
    return cache.get(address_key(request), 0) >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT


def count_address_failure(request: HttpRequest) -> None:
    """One more failure from the request's address, forgotten after the window."""
    key = address_key(request)
    cache.add(key, 0, timeout=settings.SIGN_IN_ADDRESS_WINDOW_MINUTES * 60)
    cache.incr(key)

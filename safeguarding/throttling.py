"""API rate limits, read from settings when used (so they can be configured per deploy)."""

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from audit.services import client_address


class PersonRateThrottle(SimpleRateThrottle):
    """Requests per minute per person (or per address when not signed in)."""

    scope = "person"

    def get_rate(self) -> str:
        return f"{settings.API_RATE_PER_MINUTE}/min"

    def get_cache_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"person:{request.user.pk}"
        else:
            # Our own reading of the address, not DRF's (which trusts X-Forwarded-For).
            ident = f"address:{client_address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def within_rate(scope: str, ident: str, per_minute: int) -> bool:
    """Count one use of `scope` by `ident` in this minute; False once over the limit.

    For pages (the API has DRF's throttles): a fixed one-minute window in the shared cache.
    """
    key = f"rate:{scope}:{ident}"
    cache.add(key, 0, timeout=60)
    try:
        used = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=60)
        used = 1
    return used <= per_minute

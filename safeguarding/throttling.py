"""Rate limits, read from settings when used (so they can be configured per deploy).

The counters are in the shared cache (Redis), so a limit holds across web processes. A
limit must never make a request fail because the cache is down: these fail open, with a
logged warning and a flag on /healthz (`rate_limits`), and count again once it is back.
Sign-in lockout is not here: its counters are in PostgreSQL (people.lockout, django-axes)
and hold whatever the cache does (SECURITY.md, Rate limits).
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from audit.services import client_address

log = logging.getLogger(__name__)

# When a limit last failed open in this process (monotonic seconds), for /healthz.
_failed_open_at: float | None = None
# /healthz says "failing open" for this long after the last time it happened.
FLAG_SECONDS = 60


def _fail_open(scope: str, error: Exception) -> bool:
    global _failed_open_at
    _failed_open_at = time.monotonic()
    log.warning("rate limit %s not counted (cache unavailable: %s); request allowed", scope, error)
    return True


def rate_limits_state() -> str:
    """ "counting", or "failing open" if a limit could not count in the last minute."""
    recent = _failed_open_at is not None and time.monotonic() - _failed_open_at < FLAG_SECONDS
    return "failing open" if recent else "counting"


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

    def allow_request(self, request, view) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except RedisError as error:
            return _fail_open(f"api:{self.scope}", error)
        if getattr(self, "key", None) is not None:  # counted: RateLimitHeadersMiddleware
            oldest = self.history[-1] if self.history else self.now
            request._request.rate_limit = {
                "policy": self.scope,
                "limit": self.num_requests,
                "window": self.duration,
                "remaining": max(0, self.num_requests - len(self.history)),
                "reset": max(0, math.ceil(oldest + self.duration - self.now)),
            }
        return allowed


def within_rate(scope: str, ident: str, per_minute: int) -> bool:
    """Count one use of `scope` by `ident` in this minute; False once over the limit.

    For pages (the API has DRF's throttles): a fixed one-minute window in the shared cache.
    """
    key = f"rate:{scope}:{ident}"
    try:
        cache.add(key, 0, timeout=60)
        try:
            used = cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, timeout=60)
            used = 1
    except RedisError as error:
        return _fail_open(scope, error)
    return used <= per_minute

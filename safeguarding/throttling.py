"""API rate limits, read from settings when used (so they can be configured per deploy)."""

from django.conf import settings
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

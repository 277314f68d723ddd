"""Response headers that Django's SecurityMiddleware does not set itself."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # Pages about children must not be kept by the browser or any proxy once the
        # person signs out (a shared computer, the back button).
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response

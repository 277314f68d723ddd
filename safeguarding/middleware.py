"""Response headers that Django's SecurityMiddleware does not set itself, and sign-in
redirects whose `next` carries only a path."""

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


# The sign-in steps (password, code, recovery code, setting up a second factor): the only
# redirects whose `next` is cut. Other pages' `next` (back to a filtered list) is kept.
SIGN_IN_PREFIXES = ("/sign-in/", "/two-factor/")


def next_without_query(location: str) -> str:
    """`location` with any `next=` parameter cut to its path: `/children/?search=…` or an
    old bookmark with a name in it comes back as `/children/`."""
    parts = urlsplit(location)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "next" and "?" in value for key, value in params):
        return location
    trimmed = [(k, urlsplit(v).path if k == "next" else v) for k, v in params]
    return urlunsplit(parts._replace(query=urlencode(trimmed)))


class NextPathOnlyMiddleware:
    """A redirect to sign in (or to the second factor) says where to go back to as a path
    only. The query could hold a child's name or NHS number, and the sign-in address is
    written to every access log; coming back to a page without its query is a small loss.

    Outside the middleware that sends people to sign in (login_required, the session
    lifetime and the second factor), so every such redirect passes through it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        location = response.get("Location", "")
        if (
            response.status_code in (301, 302, 303, 307, 308)
            and "next=" in location
            and urlsplit(location).path.startswith(SIGN_IN_PREFIXES)
        ):
            response["Location"] = next_without_query(location)
        return response

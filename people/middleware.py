"""Sign-in gates that every request passes: a second factor, and a session's lifetime."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from audit.actions import Action
from audit.services import record
from people.sessions import SIGNED_IN_AT_KEY
from people.two_factor import has_authenticator

# Reachable after the password and before the second factor: the steps themselves,
# signing out, the health check and static files. The API checks for itself (401).
_OPEN_PREFIXES = ("/sign-in/", "/sign-out/", "/two-factor/", "/healthz", "/static/", "/api/")


class SecondFactorRequiredMiddleware:
    """No page opens for a signed-in person until they have used their second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            step = "sign-in-code" if has_authenticator(user) else "two-factor-set-up"
            query = urlencode({"next": request.path})
            return HttpResponseRedirect(f"{reverse(step)}?{query}")
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """End a session at its absolute lifetime, however active it has been.

    The idle timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST; this bounds a
    session that is used all day (a shared or stolen laptop left signed in).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
            limit = settings.SESSION_MAX_HOURS * 3600
            if signed_in_at is None or time.time() - signed_in_at > limit:
                record(Action.SESSION_EXPIRED, request=request)
                logout(request)
                messages.info(
                    request,
                    f"You were signed out because sessions last at most "
                    f"{settings.SESSION_MAX_HOURS} hours. Sign in again to carry on.",
                )
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return HttpResponseRedirect(
                    f"{reverse('sign-in')}?{urlencode({'next': request.path})}"
                )
        return self.get_response(request)

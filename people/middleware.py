"""Sign-in gates that every request passes: a second factor, and a session's lifetime."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
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


# The session's expiry is renewed when a request comes this long after the last renewal.
TOUCHED_AT_KEY = "_touched_at"


class SessionTouchMiddleware:
    """Keep the idle timeout without writing the session on every request.

    SESSION_SAVE_EVERY_REQUEST would UPDATE the session row on every GET (a transaction,
    a row version and a WAL record per page). Instead a signed-in session whose request
    changed nothing is marked changed only when SESSION_TOUCH_SECONDS have passed since
    it was last saved, so SessionMiddleware saves it and moves its expiry on. The idle
    timeout is then SESSION_COOKIE_AGE after the last save: at most SESSION_TOUCH_SECONDS
    (a minute) short of that after the last request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return response
        now = time.time()
        # A session the request changed is saved anyway (signing in, a message): that
        # renews its expiry too. Otherwise, marking it changed makes SessionMiddleware save.
        if (
            session.modified
            or now - session.get(TOUCHED_AT_KEY, 0) >= settings.SESSION_TOUCH_SECONDS
        ):
            session[TOUCHED_AT_KEY] = now
        return response


class SessionLifetimeMiddleware:
    """End a session at its absolute lifetime, however active it has been.

    The idle timeout is SESSION_COOKIE_AGE, renewed by SessionTouchMiddleware; this bounds
    a session that is used all day (a shared or stolen laptop left signed in).
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

"""Audit events for signing in and out.

Django and django-axes announce these only as signals, so the receivers here are the
one place they are recorded. Connected in SharingConfig.ready().
"""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse

from audit.actions import Action
from audit.services import client_address, record
from people import lockout
from people.forms import SignInForm
from people.sessions import CLIENT_ADDRESS_KEY, SIGNED_IN_AT_KEY, USER_AGENT_KEY
from safeguarding.middleware import request_refused


@receiver(user_logged_in, dispatch_uid="sharing.signed_in")
def signed_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    request.session[SIGNED_IN_AT_KEY] = time.time()
    request.session[CLIENT_ADDRESS_KEY] = client_address(request)
    request.session[USER_AGENT_KEY] = request.headers.get("User-Agent", "")[:300]
    record(Action.SIGN_IN, request=request, actor=user, detail={"step": "password"})


@receiver(user_login_failed, dispatch_uid="sharing.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username tried is kept (an attack shows as many of them); never the password.
    username = str(credentials.get("username", ""))[:150]
    record(Action.SIGN_IN_FAILED, request=request, detail={"username": username})


@receiver(user_logged_out, dispatch_uid="sharing.signed_out")
def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(Action.SIGN_OUT, request=request, actor=user)


@receiver(user_locked_out, dispatch_uid="sharing.locked_out")
def locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    record(
        Action.LOCKED_OUT,
        request=request,
        detail={"username": str(username or "")[:150], "by": "username"},
    )


@receiver(request_refused, dispatch_uid="people.sign_in_refused")
def sign_in_refused(sender, request: HttpRequest, **kwargs) -> None:
    """A sign-in refused for its bytes (safeguarding.middleware) is a failed sign-in.

    Counted against the address and, as django-axes counts any failure, the account, before
    the 400 is sent: otherwise a NUL in a header would try passwords without limit. The
    password is never checked, so a right one and a wrong one are answered alike. The
    request was cleaned of what was refused, so the username is the one meant.
    """
    if request.method != "POST":
        return
    if request.path_info in (reverse("sign-in-code"), reverse("sign-in-recovery-code")):
        _second_factor_refused(request)
        return
    if request.path_info != reverse("sign-in"):
        return
    username = SignInForm.base_fields["username"].to_python(request.POST.get("username", ""))
    lockout.note_failure(client_address(request))
    user_login_failed.send(
        sender=__name__, credentials={"username": username, "password": ""}, request=request
    )


def _second_factor_refused(request: HttpRequest) -> None:
    """A code refused for its bytes counts as a wrong code: recorded, and django-otp's
    back-off grows as for any wrong code. The code itself is never checked, so a right one
    and a wrong one are answered alike. The refusal comes before the session is read, so
    the person is looked up here from the session cookie (only if it is a well-formed key).
    """
    from django.conf import settings
    from django.contrib.auth import get_user
    from django.contrib.sessions.middleware import SessionMiddleware

    from people import two_factor

    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not key.isascii() or not key.isalnum():
        return
    SessionMiddleware(lambda _request: None).process_request(request)
    person = get_user(request)
    if not person.is_authenticated:
        return
    request.user = person
    two_factor.note_refused_code(request, recovery=request.path_info != reverse("sign-in-code"))

"""Form posts carrying a one-time token record at most once (README, Architecture)."""

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from idempotency.forms import ALREADY, FIELD, SAME_AGAIN, SHOWN, posted_shown, posted_token
from idempotency.models import Claim
from idempotency.services import run_once

REDIRECTS = {301, 302, 303}
# The same person sending the same form with the same details within this long is taken
# as the back button (or a second tab), not a second record.
SAME_AGAIN_WINDOW = dt.timedelta(minutes=10)
NOT_DETAILS = {FIELD, SHOWN, "csrfmiddlewaretoken"}
AS_SHOWN = ["(left as the form showed it)"]


def details_key(request: HttpRequest) -> str:
    """The form's address and what was typed in it (not its tokens), as one hash. A field
    still as the form prefilled it counts as that, not as its value: the back button's
    fresh form prefills the time now, a minute on from the first."""
    shown = posted_shown(request)
    typed = sorted(
        (
            k,
            AS_SHOWN
            if k in shown and request.POST.getlist(k) == [shown[k]]
            else request.POST.getlist(k),
        )
        for k in request.POST
        if k not in NOT_DETAILS
    )
    return hashlib.sha256(json.dumps([request.path, typed]).encode()).hexdigest()


class OnceMiddleware:
    """Runs a signed-in person's POST that carries a form token (`{% once_token %}`) in one
    transaction with the token's claim. A repeat of a token that recorded something goes
    where the first went, told it was already recorded; a POST that recorded nothing (the
    form shown again with its errors) leaves its token usable. A POST without a token is
    handled as before: the token is the forms' protection against a double click, a retry
    or the back button, not an access control. Last in MIDDLEWARE, so it wraps the view.

    The back button fetches the form afresh, so with a new token, and the browser puts
    back what was typed: the same details sent to the same form by the same person within
    SAME_AGAIN_WINDOW of a submission that recorded something are that first submission
    again, and go where it went."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = posted_token(request)
        if not token or not request.user.is_authenticated:
            return self.get_response(request)

        def keep(response: HttpResponse) -> dict | None:
            if response.status_code in REDIRECTS:
                return {"location": response["Location"]}
            location = getattr(request, "once_recorded", "")
            return {"location": location} if location else None

        def replay(earlier: Claim) -> HttpResponse:
            messages.info(request, ALREADY)
            return redirect(earlier.location)

        def same_again(earlier: Claim) -> HttpResponse:
            messages.info(request, SAME_AGAIN)
            return redirect(earlier.location)

        def unless_sent_already() -> HttpResponse:
            return run_once(
                request.user.pk,
                Claim.Kind.ECHO,
                details_key(request),
                lambda: self.get_response(request),
                keep,
                same_again,
                kept=SAME_AGAIN_WINDOW,
            )

        return run_once(request.user.pk, Claim.Kind.FORM, token, unless_sent_already, keep, replay)

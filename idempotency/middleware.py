"""Form posts carrying a one-time token record at most once (README, Architecture)."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from idempotency.forms import ALREADY, posted_token
from idempotency.models import Claim
from idempotency.services import run_once

REDIRECTS = {301, 302, 303}


class OnceMiddleware:
    """Runs a signed-in person's POST that carries a form token (`{% once_token %}`) in one
    transaction with the token's claim. A repeat of a token that recorded something goes
    where the first went, told it was already recorded; a POST that recorded nothing (the
    form shown again with its errors) leaves its token usable. A POST without a token is
    handled as before: the token is the forms' protection against a double click, a retry
    or the back button, not an access control. Last in MIDDLEWARE, so it wraps the view."""

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

        return run_once(
            request.user.pk,
            Claim.Kind.FORM,
            token,
            lambda: self.get_response(request),
            keep,
            replay,
        )

"""The one-time token every form that records something carries, checked on its POST."""

import re
import secrets

from django.http import HttpRequest

FIELD = "once"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{22,64}")
ALREADY = "This was already recorded when you first sent the form, so it was not recorded again."
SAME_AGAIN = (
    "You sent this form with the same details a moment ago, and it was recorded then, so it "
    "was not recorded again. To record something more, change the details and send it again."
)


def posted_token(request: HttpRequest) -> str:
    """The token a POST carries, or "" if it carries none of ours."""
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return token if _SHAPE.fullmatch(token) else ""


def token_for(request: HttpRequest | None) -> str:
    """The token for a form being shown: the one it was posted with if it is shown again
    with its errors (still unused, so the corrected form can be sent), else a new one."""
    return (posted_token(request) if request is not None else "") or secrets.token_urlsafe(24)


def recorded_at(request: HttpRequest, location: str) -> None:
    """Say that a POST recorded something without redirecting (a page that shows a secret
    once), and where a repeat of it should go instead."""
    request.once_recorded = location

"""The one-time token every form that records something carries, checked on its POST."""

import json
import re
import secrets

from django import forms
from django.http import HttpRequest

FIELD = "once"
# What the form's fields showed before anything was typed, posted back with it, so that
# a default that moves with the clock (the time now) is not taken for a new detail.
SHOWN = "once_shown"
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


def shown_values(request: HttpRequest | None, form: object) -> dict[str, str]:
    """What each field the view prefilled (`initial`) shows, as its inputs would send it.

    The back button fetches the form afresh: the browser puts back what was typed, but a
    field left as prefilled shows the new default, and the time now moves on. A form shown
    again with its errors keeps what its first showing said (it is posted back)."""
    if request is not None and posted_token(request):
        return posted_shown(request)
    if not isinstance(form, forms.BaseForm) or form.is_bound:
        return {}
    shown: dict[str, str] = {}
    for name in form.initial:
        if name not in form.fields:
            continue
        field = form[name]
        widget, value = field.field.widget, field.value()
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            pairs = [
                (field.html_name + suffix, sub.format_value(part))
                for suffix, sub, part in zip(
                    widget.widgets_names, widget.widgets, parts, strict=False
                )
            ]
        else:
            pairs = [(field.html_name, widget.format_value(value))]
        shown |= {key: str(text) for key, text in pairs if isinstance(text, str | int)}
    return shown


def posted_shown(request: HttpRequest) -> dict[str, str]:
    """The `SHOWN` a POST carries, or {} if it carries none that is well formed."""
    try:
        shown = json.loads(request.POST.get(SHOWN, "") or "{}")
    except ValueError:
        return {}
    if not isinstance(shown, dict):
        return {}
    return {k: v for k, v in shown.items() if isinstance(k, str) and isinstance(v, str)}


def recorded_at(request: HttpRequest, location: str) -> None:
    """Say that a POST recorded something without redirecting (a page that shows a secret
    once), and where a repeat of it should go instead."""
    request.once_recorded = location

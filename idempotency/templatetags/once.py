"""`{% once_token %}`: the hidden one-time token of a form that records something."""

import json

from django import template
from django.utils.html import format_html

from idempotency.forms import FIELD, SHOWN, shown_values, token_for

register = template.Library()


@register.simple_tag(takes_context=True)
def once_token(context) -> str:
    """The token, and what the page's `form` showed prefilled (`idempotency.forms.SHOWN`)."""
    request = context.get("request")
    token = format_html('<input type="hidden" name="{}" value="{}">', FIELD, token_for(request))
    shown = shown_values(request, context.get("form"))
    if not shown:
        return token
    return format_html(
        '{}<input type="hidden" name="{}" value="{}">', token, SHOWN, json.dumps(shown)
    )

"""`{% once_token %}`: the hidden one-time token of a form that records something."""

from django import template
from django.utils.html import format_html

from idempotency.forms import FIELD, token_for

register = template.Library()


@register.simple_tag(takes_context=True)
def once_token(context) -> str:
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, token_for(context.get("request"))
    )

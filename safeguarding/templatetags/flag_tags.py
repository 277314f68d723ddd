"""`{% flag_tags flags %}`: a child's warning flags as tags inside a list's cell.

A tag, not an include: the lists (cases, search results, inbox, triage queue) show it on
every row, and an include per row costs a context and a template render each (issue 18).
Each tag's words say the state; its colour only repeats them (cases.flags.for_lists).
"""

from collections.abc import Iterable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def flag_tags(flags: Iterable) -> SafeString | str:
    flags = list(flags or ())
    if not flags:
        return ""
    tags = format_html_join(
        "",
        ' <strong class="govuk-tag govuk-tag--{} app-flag-tags__tag">{}</strong>',
        ((flag.tone, flag.label) for flag in flags),
    )
    return format_html('<span class="app-flag-tags" data-testid="flag-tags">{}</span>', tags)

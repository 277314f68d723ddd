"""`{% chosen values choices %}`: the labels of what was ticked, one a line ("None recorded")."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def chosen(values, choices) -> SafeString:
    labels = dict(choices)
    picked = [labels[v] for v in values or () if v in labels]
    if not picked:
        return format_html("{}", "None recorded")
    items = format_html_join("", "<li>{}</li>", ((label,) for label in picked))
    return format_html('<ul class="govuk-list govuk-list--bullet">{}</ul>', items)


@register.simple_tag
def language_phrases() -> SafeString:
    """The phrase list for the page's script (static/app/js/language-prompts.mjs), as JSON
    in a non-executed script element: one query."""
    from django.utils.html import json_script

    from cases.language import phrases

    return json_script([phrase.as_json() for phrase in phrases()], "language-phrases")

"""`{% risk_tag level label %}`: a CSE risk level, or a missing episode's risk grading, as
a GOV.UK tag.

A tag, not an include: the cases list shows one on every row, and an include per row costs
a context and a template render each (issue 18, as safeguarding's `flag_tags`).
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The level's colour; its words (the label) say it, the colour only repeats them.
COLOUR = {"high": "red", "medium": "orange", "low": "green", "very_low": "blue"}


@register.simple_tag
def risk_tag(level: str, label: str) -> SafeString:
    colour = COLOUR.get(level, "grey")
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, label)

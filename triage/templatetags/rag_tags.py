"""`{% rag_tag rag label %}`: a contact's RAG rating as a GOV.UK tag with its word.

A tag rather than an include: the triage queue and the checks-due list show it on every
row, and an include costs a context and a template render each (issue 18). The word
always says the rating; the colour only repeats it.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

TONES = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}


@register.simple_tag
def rag_tag(rag: str, label: str) -> SafeString:
    tone = TONES.get(rag, "govuk-tag--grey")
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', tone, label if rag else "Not rated"
    )

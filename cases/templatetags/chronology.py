"""`{% chronology_entries entries case %}`: the case page's chronology entries, written in
one pass.

The entries were a loop in cases/case.html: some thirty variable lookups, filters and `if`
nodes an entry, 25 entries a page, about a quarter of the case page's time (issue 18). Here
each entry is one `format_html` call, every value escaped as `{{ }}` would escape it, and
the markup is the template's: whose (an agency tag coloured by its kind, the name saying
whose, and a left border by agency kind), when it happened, what; when it was recorded if
that differs; amendments, restrictions and "new since your last visit" said in words.
tests/cases/test_chronology_entries.py holds it to that.
"""

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from cases.models import Case, Entry
from safeguarding import uk_time

register = template.Library()

# The agency tag's colour by kind; the name always says whose, the colour only repeats it.
AGENCY_TONES = {
    "social_care": " govuk-tag--purple",
    "health": " govuk-tag--teal",
    "education": " govuk-tag--orange",
    "other": " govuk-tag--grey",
}
NEW_TAG = SafeString(
    '<strong class="govuk-tag govuk-tag--pink" data-testid="new-tag">New'
    '<span class="govuk-visually-hidden"> since your last visit</span></strong>'
)
SUPERSEDED_TAG = SafeString('<strong class="govuk-tag govuk-tag--grey">Superseded</strong>')


def _entry(entry: Entry, case_id: int) -> SafeString:
    agency = entry.agency
    superseded_by = getattr(entry, "superseded_by", None)  # a reverse one-to-one, or none
    occurred = uk_time.said(entry.occurred_at)
    recorded = uk_time.said(entry.recorded_at)
    by = entry.recorded_by.display_name
    category = entry.get_category_display()

    when_recorded = SafeString("")
    if recorded != occurred:
        late = ""
        if entry.recorded_at > entry.occurred_at:
            late = f", {uk_time.how_long(entry.occurred_at, entry.recorded_at)} after it happened"
        when_recorded = format_html(" on {}{}", recorded, late)
    amend = SafeString("")
    if getattr(entry, "amendable", False):
        amend = format_html(
            '. <a class="govuk-link" href="{}">Amend<span class="govuk-visually-hidden"> '
            "the {} entry of {}</span></a>",
            reverse("entry-amend", args=[case_id, entry.pk]),
            str(category).lower(),
            occurred,
        )
    notes = []
    if superseded_by is not None:
        notes.append(
            format_html(
                '\n        <p class="govuk-body-s app-entry__note"><strong>Superseded by a '
                "later entry</strong>, amended on {}: {}</p>",
                uk_time.said(superseded_by.recorded_at),
                superseded_by.amendment_reason,
            )
        )
    amended = SafeString("")
    if entry.supersedes_id:
        amended = format_html(
            '\n        <p class="govuk-body-s app-entry__note"><strong>Amended on {} by {}'
            "</strong>: {}</p>",
            recorded,
            by,
            entry.amendment_reason,
        )
    is_new = getattr(entry, "is_new", False)
    return format_html(
        '\n      <li class="app-entry app-entry--{}{}{}" id="entry-{}">'
        '\n        <h3 class="govuk-heading-s app-entry__heading">'
        '\n          {}<span class="govuk-visually-hidden">,</span>'
        '\n          <span class="app-entry__when"><time datetime="{}">{}</time></span>'
        "\n        </h3>"
        '\n        <p class="govuk-body-s app-entry__tags">'
        "\n          {}"
        '\n          <strong class="govuk-tag app-agency-tag{}">{}</strong>'
        "\n          {}"
        "\n          {}"
        "\n        </p>{}"
        '\n        <p class="govuk-body app-entry__text">{}</p>{}'
        '\n        <p class="govuk-body-s app-entry__recorded" data-testid="recorded">'
        "Recorded by {}{}{}</p>"
        "\n      </li>",
        agency.kind,
        " app-entry--superseded" if superseded_by is not None else "",
        " app-entry--new" if is_new else "",
        entry.pk,
        category,
        timezone.localtime(entry.occurred_at).isoformat(),
        occurred,
        NEW_TAG if is_new else "",
        AGENCY_TONES.get(agency.kind, ""),
        agency.name,
        format_html(
            '<strong class="govuk-tag govuk-tag--red">Restricted to {}</strong>', agency.name
        )
        if entry.restricted
        else "",
        SUPERSEDED_TAG if superseded_by is not None else "",
        mark_safe("".join(notes)),  # noqa: S308 - each note built by format_html
        linebreaksbr(entry.text, autoescape=True),
        amended,
        by,
        when_recorded,
        amend,
    )


@register.simple_tag
def chronology_entries(entries: Iterable[Entry], case: Case) -> SafeString:
    """Each entry as an `<li>` of the chronology's `<ol>`; `amendable` and `is_new` are
    set on the entries by the view."""
    return format_html_join("", "{}", ((_entry(entry, case.pk),) for entry in entries))

"""`{% chronology_entries entries case %}`: the case page's chronology entries, written in
one pass.

The entries were a loop in cases/case.html: some thirty variable lookups, filters and `if`
nodes an entry, 25 entries a page, about a quarter of the case page's time (issue 18). Here
each entry is one f-string, every value escaped as `{{ }}` would escape it (Python's
html.escape, which Django's escape calls), and the markup is the template's: whose (an
agency tag coloured by its kind, the name saying whose, and a left border by agency kind),
when it happened, what; when it was recorded if that differs; amendments, restrictions
and "new since your last visit" said in words.
tests/cases/test_chronology_entries.py holds it to that.
"""

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from cases.models import Case, Entry
from safeguarding import uk_time
from safeguarding.links import link
from safeguarding.templatetags.options import text

register = template.Library()

# The agency tag's colour by kind; the name always says whose, the colour only repeats it.
AGENCY_TONES = {
    "social_care": " govuk-tag--purple",
    "health": " govuk-tag--teal",
    "education": " govuk-tag--orange",
    "other": " govuk-tag--grey",
}
NEW_TAG = (
    '<strong class="govuk-tag govuk-tag--pink" data-testid="new-tag">New'
    '<span class="govuk-visually-hidden"> since your last visit</span></strong>'
)
SUPERSEDED_TAG = '<strong class="govuk-tag govuk-tag--grey">Superseded</strong>'


def _entry(entry: Entry, case_id: int) -> str:
    agency = entry.agency
    superseded_by = getattr(entry, "superseded_by", None)  # a reverse one-to-one, or none
    occurred = uk_time.said(entry.occurred_at)
    recorded = uk_time.said(entry.recorded_at)
    by = text(entry.recorded_by.display_name)
    category = entry.get_category_display()
    is_new = getattr(entry, "is_new", False)

    when_recorded = ""
    if recorded != occurred:
        late = ""
        if entry.recorded_at > entry.occurred_at:
            after = uk_time.how_long(entry.occurred_at, entry.recorded_at)
            late = f", {text(after)} after it happened"
        when_recorded = f" on {text(recorded)}{late}"
    amend = ""
    if getattr(entry, "amendable", False):
        url = link("entry-amend", case_id, entry.pk)
        amend = (
            f'. <a class="govuk-link" href="{text(url)}">'
            f'Amend<span class="govuk-visually-hidden"> the {text(str(category).lower())} entry of '
            f"{text(occurred)}</span></a>"
        )
    superseded = ""
    if superseded_by is not None:
        superseded = (
            '\n        <p class="govuk-body-s app-entry__note"><strong>Superseded by a '
            f"later entry</strong>, amended on {text(uk_time.said(superseded_by.recorded_at))}: "
            f"{text(superseded_by.amendment_reason)}</p>"
        )
    amended = ""
    if entry.supersedes_id:
        amended = (
            '\n        <p class="govuk-body-s app-entry__note"><strong>Amended on '
            f"{text(recorded)} by {by}</strong>: {text(entry.amendment_reason)}</p>"
        )
    restricted = (
        f'<strong class="govuk-tag govuk-tag--red">Restricted to {text(agency.name)}</strong>'
        if entry.restricted
        else ""
    )
    return (
        f'\n      <li class="app-entry app-entry--{text(agency.kind)}'
        f"{' app-entry--superseded' if superseded_by is not None else ''}"
        f'{" app-entry--new" if is_new else ""}" id="entry-{entry.pk}">'
        '\n        <h3 class="govuk-heading-s app-entry__heading">'
        f'\n          {text(category)}<span class="govuk-visually-hidden">,</span>'
        '\n          <span class="app-entry__when"><time datetime="'
        f'{text(timezone.localtime(entry.occurred_at).isoformat())}">{text(occurred)}</time></span>'
        "\n        </h3>"
        '\n        <p class="govuk-body-s app-entry__tags">'
        f"\n          {NEW_TAG if is_new else ''}"
        f'\n          <strong class="govuk-tag app-agency-tag{AGENCY_TONES.get(agency.kind, "")}">'
        f"{text(agency.name)}</strong>"
        f"\n          {restricted}"
        f"\n          {SUPERSEDED_TAG if superseded_by is not None else ''}"
        f"\n        </p>{superseded}"
        '\n        <p class="govuk-body app-entry__text">'
        f"{linebreaksbr(entry.text, autoescape=True)}</p>"
        f"{amended}"
        '\n        <p class="govuk-body-s app-entry__recorded" data-testid="recorded">'
        f"Recorded by {by}{when_recorded}{amend}</p>"
        "\n      </li>"
    )


@register.simple_tag
def chronology_entries(entries: Iterable[Entry], case: Case) -> SafeString:
    """Each entry as an `<li>` of the chronology's `<ol>`; `amendable` and `is_new` are
    set on the entries by the view."""
    html = "".join(_entry(entry, case.pk) for entry in entries)
    return mark_safe(html)  # noqa: S308 - every value escaped by text() above

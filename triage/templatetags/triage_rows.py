"""`{% triage_rows page_obj assign_form ticked %}`: the triage queue's rows, written in
one pass.

The rows were a loop in triage/triage_results.html: about forty variable lookups, filters
and `if` nodes a row, 25 rows a page, the largest part of the triage screen's rendering
(issue 18). Here each row is one f-string, every value escaped as `{{ }}` would escape it
(Python's html.escape, which Django's escape calls), with the template's markup: a
checkbox to select the contact (the first one carries the assign form's field id, which
its error message links to), the contact and where it came from, the child with their
flags, what the MASH knows of them, the RAG rating, the time left, the state, partner
checks and who it is assigned to.
tests/triage/test_triage_rows.py holds it to that.
"""

from collections.abc import Collection, Iterable

from django import forms, template
from django.template.defaultfilters import pluralize, truncatewords
from django.utils.safestring import SafeString, mark_safe

from safeguarding import uk_time
from safeguarding.links import link
from safeguarding.templatetags.flag_tags import flag_tags
from safeguarding.templatetags.options import text
from triage.models import Contact
from triage.templatetags.rag_tags import rag_tag

register = template.Library()

OVERDUE_TAG = '<strong class="govuk-tag govuk-tag--red">Overdue</strong> '


def _select(contact: Contact, field_id: str, ticked: Collection, errors: bool) -> str:
    if contact.state == Contact.State.DECIDED:
        return ""
    field_id = text(field_id)
    checked = " checked" if contact.pk in ticked else ""
    described = ' aria-describedby="contact-error"' if errors else ""
    return (
        "\n"
        '            <div class="govuk-checkboxes govuk-checkboxes--small" '
        'data-module="govuk-checkboxes">\n'
        '              <div class="govuk-checkboxes__item">\n'
        f'                <input class="govuk-checkboxes__input" id="{field_id}" '
        f'name="contact" type="checkbox" value="{contact.pk}"{checked}{described}>\n'
        f'                <label class="govuk-label govuk-checkboxes__label" for="{field_id}">'
        f'Select<span class="govuk-visually-hidden"> {text(contact.reference)}</span></label>\n'
        "              </div>\n"
        "            </div>"
    )


def _time_left(contact: Contact) -> str:
    if contact.state == Contact.State.DECIDED:
        return f"Decided {text(uk_time.said(contact.decided_at))}"
    note = f": {text(contact.due_note)}" if contact.due_note else ""
    return (
        f"{OVERDUE_TAG if contact.overdue else ''}{text(contact.time_left)}"
        f'<span class="govuk-body-s app-triage-table__meta">Due '
        f"{text(uk_time.said(contact.due_at))}{note}</span>"
    )


def _checks(contact: Contact) -> str:
    if not contact.checks_asked:
        return "None asked"
    overdue = ""
    if contact.checks_overdue:
        overdue = (
            f', <strong class="govuk-tag govuk-tag--red">{text(contact.checks_overdue)} '
            "overdue</strong>"
        )
    return (
        f"{text(contact.checks_outstanding)} of {text(contact.checks_asked)} outstanding{overdue}"
    )


def _row(contact: Contact, field_id: str, ticked: Collection, errors: bool) -> str:
    age = contact.child_age
    assigned = contact.assigned_to
    assignee = (assigned.display_name if assigned is not None else "") or "Not assigned"
    contacts, cases = contact.child_contacts, contact.child_open_cases
    return (
        f'\n        <tr class="govuk-table__row" data-contact="{contact.pk}">'
        '\n          <td class="govuk-table__cell app-triage-table__select">'
        f"{_select(contact, field_id, ticked, errors)}</td>"
        '\n          <th scope="row" class="govuk-table__header" data-label="Contact">'
        f'<a class="govuk-link" href="{text(link("contact", contact.pk))}">'
        f"{text(contact.reference)}</a>"
        '\n            <span class="govuk-body-s app-triage-table__meta">Received '
        f"{text(uk_time.said(contact.received_at))}<br>"
        f"from {text(contact.referring_agency.name)}</span>"
        '\n            <span class="govuk-body-s app-triage-table__meta '
        'app-triage-table__concern" data-testid="concern-start"><span '
        'class="govuk-visually-hidden">Concern: </span>'
        f"\u201c{text(truncatewords(contact.concern, 12))}\u201d</span></th>"
        '\n          <td class="govuk-table__cell" data-label="Child">'
        f"{text(contact.child.full_name)}{flag_tags(getattr(contact, 'flags', ()))}</td>"
        '\n          <td class="govuk-table__cell app-triage-table__child" '
        'data-label="About the child" data-testid="child-context">'
        f"{f'Age {text(age)}' if age is not None else 'Age not known'}<br>"
        f"{text(contacts)} contact{pluralize(contacts)} in 12 months<br>"
        f"{text(cases)} open case{pluralize(cases)}</td>"
        '\n          <td class="govuk-table__cell" data-label="RAG">'
        f"{rag_tag(contact.rag, contact.get_rag_display())}</td>"
        '\n          <td class="govuk-table__cell" data-label="Time left">'
        f"{_time_left(contact)}</td>"
        '\n          <td class="govuk-table__cell" data-label="State">'
        f"{text(contact.state_text)}</td>"
        '\n          <td class="govuk-table__cell" data-label="Partner checks">'
        f"{_checks(contact)}</td>"
        '\n          <td class="govuk-table__cell" data-label="Assigned to" '
        f'data-testid="assigned-to">{text(assignee)}</td>'
        "\n        </tr>"
    )


@register.simple_tag
def triage_rows(
    contacts: Iterable[Contact], assign_form: forms.Form, ticked: Collection = ()
) -> SafeString:
    """Each contact as a `<tr>` of the queue's table body; what the view set on each
    (flags, child context, time left, state, checks) is read as the template read it."""
    field = assign_form["contact"]
    errors = bool(field.errors)
    ticked = ticked or ()
    rows = [
        _row(contact, field.id_for_label if n == 0 else f"select-{contact.pk}", ticked, errors)
        for n, contact in enumerate(contacts)
    ]
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped by text() above

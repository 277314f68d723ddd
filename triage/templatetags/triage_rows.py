"""`{% triage_rows page_obj assign_form ticked %}`: the triage queue's rows, written in
one pass.

The rows were a loop in triage/triage_results.html: about forty variable lookups, filters
and `if` nodes a row, 25 rows a page, the largest part of the triage screen's rendering
(issue 18). Here each row is one `format_html` call, every value escaped as `{{ }}` would
escape it, with the template's markup: a checkbox to select the contact (the first one
carries the assign form's field id, which its error message links to), the contact and
where it came from, the child with their flags, what the MASH knows of them, the RAG
rating, the time left, the state, partner checks and who it is assigned to.
tests/triage/test_triage_rows.py holds it to that.
"""

from collections.abc import Collection, Iterable

from django import forms, template
from django.template.defaultfilters import pluralize, truncatewords
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from safeguarding import uk_time
from safeguarding.templatetags.flag_tags import flag_tags
from triage.models import Contact
from triage.templatetags.rag_tags import rag_tag

register = template.Library()

OVERDUE_TAG = SafeString('<strong class="govuk-tag govuk-tag--red">Overdue</strong> ')


def _select(contact: Contact, field_id: str, ticked: Collection, errors: bool) -> SafeString:
    if contact.state == Contact.State.DECIDED:
        return SafeString("")
    return format_html(
        "\n"
        '            <div class="govuk-checkboxes govuk-checkboxes--small" '
        'data-module="govuk-checkboxes">\n'
        '              <div class="govuk-checkboxes__item">\n'
        '                <input class="govuk-checkboxes__input" id="{}" name="contact" '
        'type="checkbox" value="{}"{}{}>\n'
        '                <label class="govuk-label govuk-checkboxes__label" for="{}">Select'
        '<span class="govuk-visually-hidden"> {}</span></label>\n'
        "              </div>\n"
        "            </div>",
        field_id,
        contact.pk,
        SafeString(" checked") if contact.pk in ticked else "",
        SafeString(' aria-describedby="contact-error"') if errors else "",
        field_id,
        contact.reference,
    )


def _time_left(contact: Contact) -> SafeString:
    if contact.state == Contact.State.DECIDED:
        return format_html("Decided {}", uk_time.said(contact.decided_at))
    note = format_html(": {}", contact.due_note) if contact.due_note else ""
    return format_html(
        '{}{}<span class="govuk-body-s app-triage-table__meta">Due {}{}</span>',
        OVERDUE_TAG if contact.overdue else "",
        contact.time_left,
        uk_time.said(contact.due_at),
        note,
    )


def _checks(contact: Contact) -> SafeString:
    if not contact.checks_asked:
        return SafeString("None asked")
    overdue = ""
    if contact.checks_overdue:
        overdue = format_html(
            ', <strong class="govuk-tag govuk-tag--red">{} overdue</strong>',
            contact.checks_overdue,
        )
    return format_html(
        "{} of {} outstanding{}", contact.checks_outstanding, contact.checks_asked, overdue
    )


def _row(contact: Contact, field_id: str, ticked: Collection, errors: bool) -> SafeString:
    age = contact.child_age
    assigned = contact.assigned_to
    return format_html(
        '\n        <tr class="govuk-table__row" data-contact="{}">'
        '\n          <td class="govuk-table__cell app-triage-table__select">{}</td>'
        '\n          <th scope="row" class="govuk-table__header" data-label="Contact">'
        '<a class="govuk-link" href="{}">{}</a>'
        '\n            <span class="govuk-body-s app-triage-table__meta">Received {}<br>'
        "from {}</span>"
        '\n            <span class="govuk-body-s app-triage-table__meta '
        'app-triage-table__concern" data-testid="concern-start"><span '
        'class="govuk-visually-hidden">Concern: </span>\u201c{}\u201d</span></th>'
        '\n          <td class="govuk-table__cell" data-label="Child">{}{}</td>'
        '\n          <td class="govuk-table__cell app-triage-table__child" '
        'data-label="About the child" data-testid="child-context">{}<br>{} contact{} in 12 '
        "months<br>{} open case{}</td>"
        '\n          <td class="govuk-table__cell" data-label="RAG">{}</td>'
        '\n          <td class="govuk-table__cell" data-label="Time left">{}</td>'
        '\n          <td class="govuk-table__cell" data-label="State">{}</td>'
        '\n          <td class="govuk-table__cell" data-label="Partner checks">{}</td>'
        '\n          <td class="govuk-table__cell" data-label="Assigned to" '
        'data-testid="assigned-to">{}</td>'
        "\n        </tr>",
        contact.pk,
        _select(contact, field_id, ticked, errors),
        reverse("contact", args=[contact.pk]),
        contact.reference,
        uk_time.said(contact.received_at),
        contact.referring_agency.name,
        truncatewords(contact.concern, 12),
        contact.child.full_name,
        flag_tags(getattr(contact, "flags", ())),
        f"Age {age}" if age is not None else "Age not known",
        contact.child_contacts,
        pluralize(contact.child_contacts),
        contact.child_open_cases,
        pluralize(contact.child_open_cases),
        rag_tag(contact.rag, contact.get_rag_display()),
        _time_left(contact),
        contact.state_text,
        _checks(contact),
        (assigned.display_name if assigned is not None else "") or "Not assigned",
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
    rows = (
        _row(contact, field.id_for_label if first else f"select-{contact.pk}", ticked, errors)
        for first, contact in ((n == 0, c) for n, c in enumerate(contacts))
    )
    return format_html_join("", "{}", ((row,) for row in rows))

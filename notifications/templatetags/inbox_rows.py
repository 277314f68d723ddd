"""`{% inbox_rows page_obj %}`: the inbox's rows, written in one pass.

The rows were a loop in notifications/inbox.html: some forty variable lookups, filters,
`url` and `if` nodes a row, 25 rows a page, the largest part of the inbox's rendering
(issue 18). Here each row is one f-string, every value escaped as `{{ }}` would escape it
(`safeguarding.templatetags.options.text`), with the template's markup: where to act on
the notification (a partner check, a link match, a contact, a case the agency may open
with the child and their flags, or why the agency cannot open it), what happened, who
sent it and when, the deadline with its tags, and the acknowledge button or who
acknowledged it. tests/notifications/test_inbox_rows.py holds it to that.
"""

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from notifications.models import Notification
from safeguarding import uk_time
from safeguarding.links import link
from safeguarding.templatetags.flag_tags import flag_tags
from safeguarding.templatetags.options import text

register = template.Library()

ACTIONS = ("meeting_action", "meeting_action_overdue")
OVERDUE = '<br><strong class="govuk-tag govuk-tag--red">Overdue</strong>'
ESCALATED = '<br><strong class="govuk-tag govuk-tag--orange">Escalated</strong>'
WITHDRAWN = '<br><strong class="govuk-tag govuk-tag--grey">No longer needed</strong>'
EMPTY = (
    '\n        <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">'
    "Your agency has no notifications.</td></tr>"
)


def _link(url: str, words: str, hidden: str, testid: str = "") -> str:
    marked = f' data-testid="{testid}"' if testid else ""
    return (
        f'<a class="govuk-link" href="{text(url)}"{marked}>{words}'
        f'<span class="govuk-visually-hidden"> {hidden}</span></a>'
    )


def _action_link(notification: Notification, reference: str) -> str:
    if notification.kind not in ACTIONS:
        return ""
    url = link("action-close", notification.subject_id)
    return "<br>" + _link(url, "See or close the action", f"for case {reference}")


def _where(notification: Notification, police: bool) -> str:
    """The first cell: where to act on it, or why the agency cannot."""
    kind, reference = notification.kind, text(notification.reference)
    if kind == "partner_check":
        url = link("check", notification.subject_id)
        return (
            _link(url, "Answer the check", f"for contact {reference}")
            + f'<br><span class="govuk-body-s">Contact {reference}</span>'
        )
    if kind == "check_closed":
        url = link("check", notification.subject_id)
        return (
            _link(url, "See why the check was closed", f"for contact {reference}")
            + f'<br><span class="govuk-body-s">Contact {reference}</span>'
        )
    if kind == "link_match":
        url = link("link-match", notification.subject_id)
        return (
            _link(url, "See what matched and whom to ask", f"for {reference}")
            + f'<br><span class="govuk-body-s">{reference}</span>'
        )
    if not notification.case_id:
        url = link("contact", notification.subject_id)
        return f'<a class="govuk-link" href="{text(url)}">Contact {reference}</a>'
    if not getattr(notification, "can_open", False):
        sender = notification.caused_by_agency
        return (
            f'{reference}<br><span class="govuk-body-s">Your agency cannot open this case. '
            f"Ask {text(sender.name) if sender else ''} to share it.</span>"
            + _action_link(notification, reference)
        )
    case_url = link("case", notification.case_id)
    cell = f'<a class="govuk-link" href="{text(case_url)}">{reference}</a>'
    if child := getattr(notification, "child_name", ""):
        flags = flag_tags(getattr(notification, "flags", ()))
        cell += f'<br><span data-testid="child-name">{text(child)}</span>{flags}'
    if kind == "missing" and police:
        url = link("missing-profile", notification.case_id)
        cell += "<br>" + _link(
            url, "Read the missing-from-care profile", f"for case {reference}", "profile-link"
        )
    if kind == "assessment_review":
        url = link("assessments", notification.case_id)
        cell += "<br>" + _link(
            url, "Review the risk assessment", f"for case {reference}", "review-link"
        )
    return cell + _action_link(notification, reference)


def _deadline(notification: Notification) -> str:
    """The fourth cell: acknowledge by, in working days if it moved, and its tags."""
    note = getattr(notification, "acknowledge_note", "")
    note = f'<br><span class="govuk-body-s">{text(note)}</span>' if note else ""
    overdue = OVERDUE if notification.overdue() else ""
    escalated = ESCALATED if notification.escalated_at else ""
    withdrawn = ""
    if notification.withdrawn_at and not notification.acknowledged_at:
        since = text(uk_time.said(notification.withdrawn_at))
        withdrawn = f'{WITHDRAWN} <span class="govuk-body-s">since {since}</span>'
    return (
        f"\n            {text(uk_time.said(notification.acknowledge_by))}"
        f"\n            {note}\n            {overdue}\n            {escalated}"
        f"\n            {withdrawn}\n          "
    )


def _acknowledged(notification: Notification, csrf: str, back: str) -> str:
    """The fifth cell: who acknowledged it and when, or the button to."""
    if notification.acknowledged_at:
        by = notification.acknowledged_by
        return (
            f"\n            {text(uk_time.said(notification.acknowledged_at))} by "
            f"{text(by.display_name) if by else ''}\n            \n          "
        )
    action = link("inbox-acknowledge", notification.pk)
    what = text(notification.get_kind_display().lower())
    shared = (
        '<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">This also '
        "acknowledges the access to the case it gave your agency.</p>"
        if notification.share_id
        else ""
    )
    return (
        "\n            \n"
        f'            <form method="post" action="{text(action)}">\n'
        f"              {csrf}\n"
        f'              <input type="hidden" name="next" value="{back}">\n'
        '              <button type="submit" class="govuk-button govuk-button--secondary '
        'govuk-!-margin-bottom-0" data-module="govuk-button">Acknowledge<span '
        f'class="govuk-visually-hidden"> {what} for {text(notification.reference)}</span>'
        "</button>\n"
        f"              {shared}\n"
        "            </form>\n"
        "            \n          "
    )


def _row(notification: Notification, police: bool, csrf: str, back: str) -> str:
    sender = notification.caused_by_agency
    return (
        f'\n        <tr class="govuk-table__row" id="notification-{notification.pk}">'
        '\n          <td class="govuk-table__cell" data-label="Case">'
        f"{_where(notification, police)}</td>"
        '\n          <td class="govuk-table__cell" data-label="What happened"><strong>'
        f"{text(notification.get_kind_display())}</strong><br>{text(notification.summary)}</td>"
        '\n          <td class="govuk-table__cell" data-label="From">'
        f"{text(sender.name) if sender else ''}<br>"
        f'<span class="govuk-body-s">{text(uk_time.said(notification.created_at))}</span></td>'
        '\n          <td class="govuk-table__cell" data-label="Acknowledge by">'
        f"{_deadline(notification)}</td>"
        '\n          <td class="govuk-table__cell" data-label="Acknowledged">'
        f"{_acknowledged(notification, csrf, back)}</td>"
        "\n        </tr>"
    )


@register.simple_tag(takes_context=True)
def inbox_rows(context, notifications: Iterable[Notification]) -> SafeString:
    """Each notification as a `<tr>` of the inbox's table body; what the view set on each
    (`can_open`, `child_name`, `flags`, `acknowledge_note`) is read as the template read it."""
    request, user = context.get("request"), context.get("user")
    agency = getattr(user, "agency", None)
    police = agency is not None and agency.kind == "police"
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{text(token)}">'
        if token and token != "NOTPROVIDED"  # noqa: S105 - Django's "no token" marker
        else ""
    )
    back = text(request.get_full_path()) if request is not None else ""
    rows = [_row(notification, police, csrf, back) for notification in notifications]
    return mark_safe("".join(rows) or EMPTY)  # noqa: S308 - every value escaped by text()

"""Access reports: reading the audit log back, for the people entitled to read it.

This module knows what the domain's events look like in the log (a case's id in
target_id, the children a search showed in detail["children"], the basis of a read); the
audit app itself knows no domain. It takes ids; who may see what is decided in
`reports.selectors`:

- A person's "managed cases" are `cases.selectors.visible_cases(person, "manage")`: the
  cases their agency manages.
- Anyone may see the access history of a case they manage. A case they may not manage
  answers 404, so its existence is not leaked, as everywhere else.
- Only information-governance officers (role `information_governance`) see other people's
  activity beyond their managed cases. Their scope is the events about their agency's
  managed cases and those cases' children, plus every event by a person of their own
  agency (`actor_agency_id`, as it was when the event was written), whatever it was about.
  Everyone else gets 403 on the information-governance pages and API endpoints; the API's
  event list shows them the events on the cases they manage, and nothing more.
- Events about a case have target_type "case" and target_id the case's id; about a child,
  target_type "child". A search names the children it showed only in detail["children"],
  so searches for a child come into scope only when the report is filtered by a child
  who is itself in scope (there is no index to find them otherwise).
- Reads of a case carry in their detail the basis they were made under: `"via": "share"`
  with the share's id and level, or `"via": "emergency_access"` with the access's id.
  `under` turns that into the words a report shows.

Reading these reports is itself audited (`access_report_viewed`, `access_report_exported`)
by the views that show them, never with free text from a case in the detail.
"""

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import BigIntegerField, Func, Q, QuerySet
from django.utils import timezone

from audit.actions import Action
from audit.models import Event
from safeguarding.spreadsheets import safe_cell
from safeguarding.uk_time import machine, said

# "When" as people read it (to the second: order within a minute matters here), then the
# same moment in ISO 8601 for a spreadsheet to sort by.
CSV_HEADER = ["When", "When (ISO 8601)", "Person", "Agency", "Action", "Target", "Under",
              "Request id", "Client address", "Detail"]  # fmt: skip
# Events that name the children they showed in detail["children"], not in their target.
# Reads that named children besides their target: searches, duplicate warnings, and the
# cases sharing a link, on another case's links tab or the area view (links, issue 20).
SHOWING_CHILDREN = [
    Action.SEARCH,
    Action.DUPLICATE_WARNED,
    Action.LINK_CHART_VIEWED,
    Action.AREA_LINKS_VIEWED,
    Action.AREA_LINKS_EXPORTED,
]
# Keys of a read's detail that say what it was read under (shown as `under`).
BASIS_KEYS = {"via", "share", "level", "access"}
NEWEST_FIRST = ("-occurred_at", "-id")
# Dates outside this range match every event or none; clamped so a far date cannot overflow.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(9999, 12, 30)


class id_of(Func):
    """A target_id as the number it holds, or NULL when it holds none (never a cast error:
    target ids are text, and an event may name something that is not a row)."""

    template = "(CASE WHEN %(expressions)s ~ '^[0-9]{1,18}$' THEN (%(expressions)s)::bigint END)"
    output_field = BigIntegerField()


def _target_ids(ids: Iterable[Any] | QuerySet) -> list[str] | QuerySet:
    """Ids as target_id holds them (text): a list, or a subquery already selecting text."""
    if isinstance(ids, QuerySet):
        return ids
    return [str(i) for i in ids]


def about_cases(case_ids: Iterable[Any] | QuerySet) -> Q:
    return Q(target_type="case", target_id__in=_target_ids(case_ids))


def about_children(child_ids: Iterable[Any] | QuerySet) -> Q:
    return Q(target_type="child", target_id__in=_target_ids(child_ids))


def showing_child(child_id: int) -> Q:
    """Searches (and duplicate warnings) that showed this child."""
    return Q(action__in=SHOWING_CHILDREN, detail__children__contains=[int(child_id)])


def case_events(case_ids: Iterable[Any] | QuerySet) -> QuerySet:
    """Everything recorded about these cases, newest first: a case's access history."""
    return Event.objects.filter(about_cases(case_ids)).order_by(*NEWEST_FIRST)


def _start_of(day: dt.date) -> dt.datetime:
    day = min(max(day, EARLIEST), LATEST)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_events(
    qs: QuerySet,
    *,
    case_ids: Iterable[Any] | QuerySet | None = None,
    child_id: int | None = None,
    child_case_ids: Iterable[Any] | QuerySet | None = None,
    actor: int | str | None = None,
    action: str | None = None,
    occurred_from: dt.date | None = None,
    occurred_to: dt.date | None = None,
) -> QuerySet:
    """Narrow `qs` (already scoped to the reader) to what a report asks for, newest first.

    A child's events are those about the child, about any of `child_case_ids` (the
    child's cases) and the searches that showed the child. `actor` is a person's id (an
    int) or username (a string; one of digits matches either). Days are whole local days.
    """
    if case_ids is not None:
        qs = qs.filter(about_cases(case_ids))
    if child_id is not None:
        child = about_children([child_id]) | showing_child(child_id)
        if child_case_ids is not None:
            child |= about_cases(child_case_ids)
        qs = qs.filter(child)
    if isinstance(actor, int):
        qs = qs.filter(actor_id=actor)
    elif actor:
        by_name = Q(actor_username=actor)
        if actor.isascii() and actor.isdigit() and int(actor) < 2**63:
            by_name |= Q(actor_id=int(actor))
        qs = qs.filter(by_name)
    if action:
        qs = qs.filter(action=action)
    # Bounds on occurred_at itself (not its date), so the indexes on it serve the query.
    if occurred_from:
        qs = qs.filter(occurred_at__gte=_start_of(occurred_from))
    if occurred_to and occurred_to < LATEST:
        qs = qs.filter(occurred_at__lt=_start_of(occurred_to + dt.timedelta(days=1)))
    return qs.order_by(*NEWEST_FIRST)


def under(event: Event) -> str:
    """Under which share or emergency access a read was made, in words ("" if not said)."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    via = detail.get("via")
    if via == "share":
        level = detail.get("level")
        return f"Under share #{detail.get('share')}" + (f" ({level})" if level else "")
    if via == "emergency_access":
        return f"Emergency access #{detail.get('access')}"
    if via == "none":
        return "No share or emergency access"
    return ""


def target(event: Event) -> str:
    """What the event was about, as "case 12" (empty if nothing in particular)."""
    if not event.target_type:
        return ""
    return f"{event.target_type} {event.target_id}".strip()


def other_detail(event: Event) -> dict:
    """The event's detail without what `under` already says."""
    detail = event.detail if isinstance(event.detail, dict) else {"detail": event.detail}
    if "via" not in detail:
        return detail
    return {key: value for key, value in detail.items() if key not in BASIS_KEYS}


# Keys of an event's detail said in words: an id of one thing ("share 3"), ids of many
# ("cases: 1, 2"), or a phrase. Anything else is shown as "key: value", never as JSON.
ONE_THING = {
    "access": "emergency access", "area": "area", "assigned_to": "assigned to person",
    "case": "case", "check": "check", "child": "child", "contact": "contact",
    "entry": "entry", "episode": "missing episode", "interview": "return interview",
    "mash": "MASH of agency", "moved_from": "moved from placement",
    "notification": "notification", "placement": "placement", "screening": "screening",
    "share": "share", "transferred_from": "transferred from contact",
    "transferred_to": "transferred to agency", "agency": "agency",
}  # fmt: skip
MANY_THINGS = {
    "accesses": "emergency accesses", "agencies": "agencies", "cases": "cases",
    "checks": "checks", "children": "children", "contacts": "contacts",
    "entries": "entries", "notifications": "notifications", "screenings": "screenings",
    "missing": "missing episodes", "interviews": "return interviews",
}  # fmt: skip
LISTS = {
    "cases": "the cases list", "checks": "the checks asked of the agency",
    "contacts_made": "the contacts the agency made", "home": "the home page worklist",
    "shares_received": "the shares received",
}  # fmt: skip
# Filters as the pages and API name them, in words ("filtered by agency 3").
FILTER_WORDS = {
    "action": "action", "assignee": "person assigned", "case": "case", "child": "child",
    "from": "from", "person": "person", "rag": "RAG rating", "referrer": "referring agency",
    "state": "state", "to": "to", "agency": "agency", "category": "category",
    "significant": "significant events only",
}  # fmt: skip


def _words(key: str) -> str:
    return key.replace("_", " ")


def _value(value: Any) -> str:
    """A value as plain text: lists joined, mappings as "key value" pairs, no JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{_words(str(k))} {_value(v)}" for k, v in value.items()) or "none"
    return str(value)


def _filters(value: Any) -> str:
    if not isinstance(value, dict):
        return f"filters: {_value(value)}"
    given = [(k, v) for k, v in value.items() if v not in (None, "", [], False)]
    if not given:
        return "no filters"
    return "filtered by " + ", ".join(
        f"{FILTER_WORDS.get(k, _words(str(k)))} {_value(v)}".strip() for k, v in given
    )


def _phrase(key: str, value: Any) -> str | None:
    """One key of a detail in words; None to leave it out (nothing to say)."""
    if value in (None, "") and key != "previous":
        return None
    if key in ONE_THING and not isinstance(value, (list, dict)):
        return f"{ONE_THING[key]} {value}"
    if key in MANY_THINGS and isinstance(value, list):
        return f"{MANY_THINGS[key]}: {_value(value)}" if value else f"no {MANY_THINGS[key]}"
    phrases = {
        "filters": lambda v: _filters(v),
        "list": lambda v: f"listed {LISTS.get(v, _value(v))}",
        "view": lambda v: f"the {_words(str(v))} page",
        "page": lambda v: f"page {v}" if isinstance(v, int) else f"the {_words(str(v))} page",
        "page_number": lambda v: f"page {v}",
        "rows": lambda v: f"{v} row{'' if v == 1 else 's'}",
        "report": lambda v: f"the {_words(str(v))} report",
        "format": lambda v: f"as {str(v).upper()}",
        "need": lambda v: f"needed {_words(str(v))}",
        "role": lambda v: f"as {_words(str(v))}",
        "restricted": lambda v: "restricted" if v else "not restricted",
        "risk": lambda v: f"risk {v}",
        "level": lambda v: f"level {v}",
        "basis": lambda v: f"lawful basis {v}",
        "category": lambda v: f"category {_words(str(v))}",
        "decision": lambda v: f"decision {_words(str(v))}",
        "rag": lambda v: f"rated {v}",
        "previous": lambda v: f"previously {v}" if v else "first rating",
        "kind": lambda v: f"kind {_words(str(v))}",
        "since": lambda v: f"since {v}",
        "invalid": lambda v: f"invalid filters: {_value(v)}" if v else None,
    }
    if key in phrases:
        return phrases[key](value)
    return f"{key}: {_value(value)}"


def describe_detail(event: Event) -> str:
    """The rest of the detail in words, for a table cell: known keys as phrases
    ("filtered by agency 3", "page 2", "cases: 4, 5"), unknown ones as "key: value".
    Plain text: the template escapes it."""
    parts = [_phrase(str(key), value) for key, value in other_detail(event).items()]
    return "; ".join(part for part in parts if part)


def csv_row(event: Event) -> list[str]:
    return [
        safe_cell(v)
        for v in (
            said(event.occurred_at, seconds=True),
            machine(event.occurred_at),
            event.actor_username,
            event.actor_agency,
            event.get_action_display(),
            target(event),
            under(event),
            event.request_id,
            event.client_address,
            json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
        )
    ]


class _Echo:
    """csv.writer writes into this, which hands each line straight back to be streamed."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable[Event]) -> Iterator[str]:
    """The events as CSV lines, header first, after a byte order mark (so spreadsheet
    programs read UTF-8), every cell defused against formulas. Lazy: give it an
    `.iterator()` and a StreamingHttpResponse streams it."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(CSV_HEADER)
    for event in events:
        yield writer.writerow(csv_row(event))

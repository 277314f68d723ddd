"""Access reports, reads: which audit events and emergency accesses a person may read.

Who may see what (reports/events.py says it in full; decided here, and nowhere else, for
the pages and the API alike):

- A person's managed cases are `selectors.visible_cases(person, "manage")`.
- Anyone may read the access history of a case they manage; any other case answers 404.
- Only information-governance officers read beyond that: events about their agency's
  managed cases and those cases' children, plus everything done by their agency's people.
  Everyone else gets 403 on those pages (the GOV.UK page from handler403).
- Emergency accesses are reviewed by information governance at the agency that manages
  the case; any other access answers 404.
"""

import datetime as dt

from django.db.models import BooleanField, CharField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from audit.models import Event
from cases import selectors
from cases.models import Case, CaseGroupObjectPermission
from people.models import Person
from reports import events
from sharing.models import EmergencyAccess

# What a refusal for want of the information-governance role records.
IG_ONLY = {"need": "information_governance"}


def is_information_governance(person: Person) -> bool:
    return person.role == Person.Role.INFORMATION_GOVERNANCE and person.agency_id is not None


def _text_ids(cases: QuerySet, field: str) -> QuerySet:
    """A subquery of the cases' `field` as text, the form audit target ids take."""
    return cases.order_by().annotate(text_id=Cast(field, CharField())).values("text_id")


# Whether an event's target is one of the agency's rows, probed per event in the permission
# index (see readable_events). OFFSET 0 keeps PostgreSQL from turning the EXISTS into a
# hashed subplan (which reads every row the agency holds, and for children every case in
# the country, before the first event); the target's id is read as a number only where
# it is one. Table names come from the models.
_PERMISSION = """(SELECT permission.id FROM auth_permission permission
    JOIN django_content_type kind ON kind.id = permission.content_type_id
    WHERE permission.codename = %s AND kind.app_label = 'cases')"""
_PROBE_CASE = """EXISTS (SELECT 1 FROM {perm} probe WHERE probe.group_id = %s
    AND probe.permission_id = {permission} AND probe.content_object_id = {target_id}
    OFFSET 0)"""
_PROBE_CHILD = """EXISTS (SELECT 1 FROM {case} child_case JOIN {perm} probe
    ON probe.content_object_id = child_case.id AND probe.group_id = %s
    AND probe.permission_id = {permission} WHERE child_case.child_id = {target_id}
    OFFSET 0)"""
_TARGET_ID = "(CASE WHEN {event}.target_id ~ '^[0-9]{{1,18}}$' THEN {event}.target_id::bigint END)"


def _probe(template: str, person: Person) -> RawSQL:
    names = {
        "perm": CaseGroupObjectPermission._meta.db_table,
        "case": Case._meta.db_table,
        "target_id": _TARGET_ID.format(event=Event._meta.db_table),
        "permission": _PERMISSION,
    }
    return RawSQL(  # noqa: S611 - our own text; the values are parameters
        template.format(**names),
        [person.agency.group_id, selectors.NEEDS["manage"]],
        output_field=BooleanField(),
    )


def readable_events(person: Person, *, child_id: int | None = None) -> QuerySet:
    """Every event the person may read in a report (see the module docstring).

    Given the child a report is filtered by, searches that showed that child come into
    scope too, when the child is one of an information-governance officer's.

    Each event is tested against the agency's permission rows by a probe of their index
    per event read, not by `IN` over every case the agency manages: read newest first
    (index audit_event_newest), a page stops after its rows, so it costs what the page
    shows whatever the agency or the country holds (the `IN` read the agency's 85,000
    cases, and a million cases for their children, for every page: bench/README.md).
    """
    # A role that reads no cases manages none, whatever its agency's rows (agency_rows).
    manages = not selectors.agency_rows(person, "manage").query.is_empty()
    scope = Q(target_type="case") & _probe(_PROBE_CASE, person) if manages else Q(pk__in=[])
    if not is_information_governance(person):
        return Event.objects.filter(scope)
    if manages:
        scope |= Q(target_type="child") & _probe(_PROBE_CHILD, person)
    scope |= Q(actor_agency_id=person.agency_id)
    if (
        child_id is not None
        and selectors.visible_cases(person, "manage").filter(child_id=child_id).exists()
    ):
        scope |= events.showing_child(child_id)
    return Event.objects.filter(scope)


def report_events(
    person: Person,
    *,
    case_ids: list[int] | None = None,
    child_id: int | None = None,
    actor: int | str | None = None,
    action: str | None = None,
    occurred_from: dt.date | None = None,
    occurred_to: dt.date | None = None,
) -> QuerySet:
    """The events a report asks for, of those the person may read, newest first."""
    child_case_ids = None
    if child_id is not None:
        child_case_ids = _text_ids(Case.objects.filter(child_id=child_id), "pk")
    return events.filter_events(
        readable_events(person, child_id=child_id),
        case_ids=case_ids,
        child_id=child_id,
        child_case_ids=child_case_ids,
        actor=actor,
        action=action,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )


def reviewable_accesses(person: Person) -> QuerySet:
    """Emergency accesses to the cases the person's agency manages, for review."""
    managed = selectors.visible_cases(person, "manage").order_by().values("pk")
    return EmergencyAccess.objects.filter(case__in=managed).select_related(
        "case__child", "person__agency", "reviewed_by"
    )

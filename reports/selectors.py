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

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from cases import selectors
from cases.models import Case
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


def readable_events(person: Person, *, child_id: int | None = None) -> QuerySet:
    """Every event the person may read in a report (see the module docstring).

    Given the child a report is filtered by, searches that showed that child come into
    scope too, when the child is one of an information-governance officer's.
    """
    managed = selectors.visible_cases(person, "manage")
    if not is_information_governance(person):
        return events.events_in_scope(case_ids=_text_ids(managed, "pk"))
    searched = child_id is not None and managed.filter(child_id=child_id).exists()
    return events.events_in_scope(
        case_ids=_text_ids(managed, "pk"),
        child_ids=_text_ids(managed, "child_id"),
        agency_id=person.agency_id,
        searches_for=child_id if searched else None,
    )


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

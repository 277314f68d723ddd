"""The MASH flags the `triage` app adds to a case (cases.flags): contacts about the child
awaiting a decision, and partner checks not yet answered.

Contacts and checks are about the child, not one case (a contact has no case until it is
decided), and are seen only as `triage.selectors` allows: the receiving MASH sees its
contacts and every check; a referrer its own contacts; a partner only the checks asked of
it. Registered with `cases.registry.add_case_flags` in TriageConfig.ready(). Two queries
for any number of cases.
"""

from collections import defaultdict

from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone

from cases import registry
from cases.flags import Flag, for_lists, list_flag, merged
from cases.models import Case
from cases.selectors import visible_cases_of
from people.models import Person
from safeguarding import uk_time
from safeguarding.compiled import CompiledQuery
from triage.models import Contact, PartnerCheck

# Compiled once per agency and process, the children given on each run (issue 18). The
# agency is the key, not a slot: a field's own lookups check their value as they are built.
CONTACTS = CompiledQuery("flags: open contacts", generic=True)
CHECKS = CompiledQuery("flags: open checks", generic=True)
# What lists show (brief flags): each child's soonest deadline.
CONTACTS_DUE = CompiledQuery("flags: open contacts, as lists show them", generic=True)
CHECKS_DUE = CompiledQuery("flags: open checks, as lists show them", generic=True)


def _contacts(agency: int | None, ids):
    return (
        Contact.objects.filter(child_id__any=ids)
        .exclude(state=Contact.State.DECIDED)
        .filter(Q(mash_id=agency) | Q(referring_agency_id=agency))
        .select_related("mash")
        .order_by("due_at", "id")
    )


def _checks(agency: int | None, ids):
    return (
        PartnerCheck.objects.filter(contact__child_id__any=ids, answered_at__isnull=True)
        .filter(Q(contact__mash_id=agency) | Q(agency_id=agency))
        .select_related("agency", "contact")
        .order_by("due_at", "id")
    )


def _open_contacts(person: Person, child_ids: list[int], now) -> list[Contact]:
    agency = person.agency_id
    return CONTACTS.objects(agency, lambda now, ids: _contacts(agency, ids), now, ids=child_ids)


def _open_checks(person: Person, child_ids: list[int], now) -> list[PartnerCheck]:
    agency = person.agency_id
    return CHECKS.objects(agency, lambda now, ids: _checks(agency, ids), now, ids=child_ids)


def _contacts_due(agency: int | None, ids):
    # Contact.overdue: undecided (as every row here) and past its deadline.
    return (
        _contacts(agency, ids)
        .values("child_id")
        .annotate(soonest=Min("due_at"))
        .values_list("child_id", "soonest")
        .order_by()
    )


def _checks_due(agency: int | None, ids):
    # PartnerCheck.overdue: outstanding (nor closed) and past its time.
    return (
        _checks(agency, ids)
        .values("contact__child_id")
        .annotate(soonest=Min("due_at", filter=Q(closed_at__isnull=True)))
        .values_list("contact__child_id", "soonest")
        .order_by()
    )


def _brief(person: Person, cases: list[Case], child_ids: list[int], now) -> dict:
    """What lists show of `triage_flags`: whether the child's contacts and checks wait
    past their time."""
    agency = person.agency_id
    contacts = dict(
        CONTACTS_DUE.rows(agency, lambda now, ids: _contacts_due(agency, ids), now, ids=child_ids)
    )
    checks = dict(
        CHECKS_DUE.rows(agency, lambda now, ids: _checks_due(agency, ids), now, ids=child_ids)
    )
    flags: dict[int, list[Flag]] = {}
    for case in cases:
        found = []
        if case.child_id in contacts:
            late = contacts[case.child_id] < now
            found.append(
                list_flag("contacts", *(("Decision overdue", "red") if late
                                        else ("Awaiting MASH decision", "purple")))
            )  # fmt: skip
        if case.child_id in checks:
            late = checks[case.child_id] is not None and checks[case.child_id] < now
            found.append(
                list_flag("checks", *(("Check overdue", "red") if late
                                      else ("Checks outstanding", "orange")))
            )  # fmt: skip
        flags[case.pk] = found
    return flags


# A strip names a few; the contact's own page has them all.
NAMED = 3


def _listed(parts: list[str]) -> str:
    more = len(parts) - NAMED
    return "; ".join(parts[:NAMED]) + (f"; and {more} more" if more > 0 else "")


def _contacts_flag(person: Person, contacts: list[Contact], now) -> Flag:
    overdue = any(c.overdue(now) for c in contacts)
    said = _listed(
        [
            f"{c.reference} with {c.mash.name}, decision due by {uk_time.said(c.due_at)}"
            + (" (overdue)" if c.overdue(now) else "")
            for c in contacts
        ]
    )
    count = len(contacts)
    return Flag(
        "contacts",
        "Decision overdue" if overdue else "Awaiting MASH decision",
        f"{count} contact{'' if count == 1 else 's'} awaiting a decision: {said}.",
        "red" if overdue else "purple",
        reverse("contact", args=[contacts[0].pk]),
    )


def _checks_flag(person: Person, checks: list[PartnerCheck], now) -> Flag:
    overdue = any(c.overdue(now) for c in checks)
    said = _listed(
        [
            f"{'your agency' if c.agency_id == person.agency_id else c.agency.name} for "
            f"{c.contact.reference}, due by {uk_time.said(c.due_at)}"
            + (" (overdue)" if c.overdue(now) else "")
            for c in checks
        ]
    )
    count = len(checks)
    asked_of_us = [c for c in checks if c.agency_id == person.agency_id]
    url = (
        reverse("check", args=[asked_of_us[0].pk])
        if asked_of_us
        else reverse("contact-checks", args=[checks[0].contact_id])
    )
    return Flag(
        "checks",
        "Check overdue" if overdue else "Checks outstanding",
        f"{count} partner check{'' if count == 1 else 's'} not answered: {said}.",
        "red" if overdue else "orange",
        url,
    )


def triage_flags(
    person: Person, cases: list[Case], *, brief: bool = False
) -> dict[int, list[Flag]]:
    if person.agency_id is None:
        return {}
    now = timezone.now()
    child_ids = sorted({case.child_id for case in cases})
    if brief:
        return _brief(person, cases, child_ids, now)
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in _open_contacts(person, child_ids, now):
        contacts[contact.child_id].append(contact)
    checks: dict[int, list[PartnerCheck]] = defaultdict(list)
    for check in _open_checks(person, child_ids, now):
        checks[check.contact.child_id].append(check)
    flags: dict[int, list[Flag]] = {}
    for case in cases:
        found = []
        if contacts.get(case.child_id):
            found.append(_contacts_flag(person, contacts[case.child_id], now))
        if checks.get(case.child_id):
            found.append(_checks_flag(person, checks[case.child_id], now))
        flags[case.pk] = found
    return flags


# The queue's own columns say the contact's state and its checks: its rows leave them out.
LEFT_OUT_OF_THE_QUEUE = {"contacts", "checks"}


def with_child_flags(person: Person, contacts) -> None:
    """Give each contact on a page of the triage queue its child's warning flags (missing
    now, high risk, an interview owed, notices not taken in) from the child's open cases
    the MASH may see: a constant number of queries for the page."""
    contacts = list(contacts)
    cases = visible_cases_of(person, {contact.child_id for contact in contacts})
    # The queue's own columns say the contacts' states and checks: their provider is not asked.
    per_case = registry.case_flags(person, cases, leaving_out=(triage_flags,), brief=True)
    by_child: dict[int, list[int]] = defaultdict(list)
    for case in cases:
        by_child[case.child_id].append(case.pk)
    for contact in contacts:
        found = merged(per_case, by_child.get(contact.child_id, []))
        contact.flags = [flag for flag in for_lists(found) if flag.key not in LEFT_OUT_OF_THE_QUEUE]

"""Changes to case data: each a named action, in one transaction, with its audit event.

Callers (pages, API views, commands) fetch the case for the person first with
`cases.selectors.case_for(person, id, need=...)`; these functions assume that was done.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases import registry
from cases.models import (
    Alias,
    Case,
    Child,
    Entry,
    searchable,
    searchable_names,
)
from cases.roles import Act, require
from cases.selectors import search_children
from cases.validators import normalise_nhs_number, normalise_postcode
from people.models import Agency, Person


def record_on_chronology(
    case: Case,
    person: Person,
    category: str,
    text: str,
    *,
    occurred_at: dt.datetime | None = None,
    restricted: bool = False,
    supersedes: Entry | None = None,
    reason: str = "",
) -> Entry:
    """An entry the service writes itself (a share, a placement, a missing report...).

    `occurred_at` is when the thing happened (a placement's start, "last seen", a return),
    which places it in the chronology; it is recorded now. Without it, it happened now.
    `restricted`: only the person's agency reads it. `supersedes`: the entry this one
    corrects (published minutes corrected by the chair), with the `reason`."""
    now = timezone.now()
    return Entry.objects.create(
        case=case,
        category=category,
        occurred_at=occurred_at or now,
        recorded_at=now,
        recorded_by=person,
        agency=person.agency,
        text=text,
        restricted=restricted,
        supersedes=supersedes,
        amendment_reason=reason,
    )


def case_changed(action: str, person: Person, case_id: int, /, **detail) -> None:
    """The audit event of a service's change to a case: one shape for every app's changes,
    so a case's history reads the same whichever app wrote it."""
    record(action, actor=person, target_type="case", target_id=case_id, detail=detail)


@dataclass
class PossibleDuplicate:
    """A child who may be the one being recorded. `child` is None if not visible to the person."""

    reason: str
    child: Child | None
    same_nhs_number: bool


def possible_duplicates(
    person: Person, *, first_name: str, last_name: str, date_of_birth, nhs_number: str
) -> list[PossibleDuplicate]:
    """Children who look like this one: same NHS number, or same name and date of birth.

    A match the person may not see is reported without any detail of it, so nothing
    about a child another agency holds is revealed.
    """
    matches = Q()
    if nhs_number:
        matches |= Q(nhs_number=normalise_nhs_number(nhs_number))
    if date_of_birth:
        matches |= Q(
            search_text__startswith=searchable(f"{first_name} {last_name}") + "\n",
            date_of_birth=date_of_birth,
        )
    if not matches:
        return []
    found = list(Child.objects.filter(matches)[:5])
    visible = set(
        search_children(person).filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True)
    )
    results = []
    for child in found:
        same_nhs = nhs_number and child.nhs_number == normalise_nhs_number(nhs_number)
        reason = "the same NHS number" if same_nhs else "the same name and date of birth"
        results.append(
            PossibleDuplicate(reason, child if child.pk in visible else None, bool(same_nhs))
        )
    return results


def next_reference() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('cases_case_reference_seq')")
        number = cursor.fetchone()[0]
    return f"CSE-{timezone.localdate():%Y}-{number:06d}"


@transaction.atomic
def create_child_and_case(
    person: Person,
    *,
    child_fields: dict,
    aliases: list[str],
    concern: str = "",
) -> Case:
    """Record a child and open a case led by the person's agency, which holds `manage`.

    A looked-after child's responsible authority is given `view` at once.
    """
    require(person, Act.OPEN_CASE)
    child = create_child(person, child_fields=child_fields, aliases=aliases)
    return open_case(person, child, concern=concern)


@transaction.atomic
def create_child(person: Person, *, child_fields: dict, aliases: list[str]) -> Child:
    """Record a child (no case yet: a contact to the MASH may come first)."""
    fields = dict(child_fields)
    fields["nhs_number"] = normalise_nhs_number(fields.get("nhs_number", ""))
    if fields.get("postcode"):
        fields["postcode"] = normalise_postcode(fields["postcode"])
    child = Child(created_by=person, **fields)
    clean_aliases = sorted({a.strip() for a in aliases if a.strip()})
    child.search_text = searchable_names(child.full_name, clean_aliases)
    child.save()
    Alias.objects.bulk_create(Alias(child=child, name=a) for a in clean_aliases)
    record(Action.CHILD_CREATED, actor=person, target_type="child", target_id=child.pk)
    return child


class OpenCaseExists(Exception):
    """An agency leads one open case per child at a time (the database holds it too, issue
    23): the open one is `case`, to add to rather than to open beside."""

    def __init__(self, case: Case) -> None:
        super().__init__(f"Case {case.reference} is already open for this child.")
        self.case = case


def open_case_led_by(child: Child, agency: Agency) -> Case | None:
    return Case.objects.filter(child=child, lead_agency=agency, status=Case.Status.OPEN).first()


@transaction.atomic
def open_case(person: Person, child: Child, concern: str = "") -> Case:
    """Open a case for the child, led by the person's agency; `OpenCaseExists` if the agency
    has one open already, however close together the two requests came."""
    require(person, Act.OPEN_CASE)
    if (already := open_case_led_by(child, person.agency)) is not None:
        raise OpenCaseExists(already)
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a refusal
            case = Case.objects.create(
                reference=next_reference(), child=child, lead_agency=person.agency,
                opened_by=person,
            )  # fmt: skip
    except IntegrityError:
        # Another request opened one between the look and the insert: the constraint
        # (case_one_open_per_child_and_agency) waited for it to commit, and now says so.
        if (already := open_case_led_by(child, person.agency)) is None:
            raise
        raise OpenCaseExists(already) from None
    record_on_chronology(
        case,
        person,
        Entry.Category.CASE_OPENED,
        f"Case {case.reference} opened by {person.agency.name}.",
    )
    # Who may see the case comes from higher layers (sharing: the lead agency manages it,
    # a looked-after child's responsible authority views it), registered in their ready().
    registry.case_opened(person, case)
    if concern.strip():
        add_entry(
            person,
            case,
            category=Entry.Category.CONCERN,
            occurred_at=now,
            text=concern.strip(),
            restricted=False,
        )
    record(Action.CASE_OPENED, actor=person, target_type="case", target_id=case.pk)
    return case


@transaction.atomic
def add_entry(
    person: Person,
    case: Case,
    *,
    category: str,
    occurred_at: dt.datetime,
    text: str,
    restricted: bool,
) -> Entry:
    require(person, Act.ADD_ENTRY)
    entry = Entry.objects.create(
        case=case,
        category=category,
        occurred_at=occurred_at,
        recorded_by=person,
        agency=person.agency,
        text=text,
        restricted=restricted,
    )
    case_changed(
        Action.ENTRY_ADDED,
        person,
        case.pk,
        entry=entry.pk,
        category=category,
        restricted=restricted,
    )
    return entry


class AmendmentRefused(Exception):
    """Only the recording agency may amend an entry, and only its newest version."""


@transaction.atomic
def amend_entry(
    person: Person,
    original: Entry,
    *,
    text: str,
    occurred_at: dt.datetime,
    category: str,
    reason: str,
) -> Entry:
    """A correction: a new entry that supersedes the original, which stays as it was."""
    require(person, Act.ADD_ENTRY)
    if original.agency_id != person.agency_id:
        raise AmendmentRefused("Only the agency that recorded an entry can amend it.")
    if Entry.objects.filter(supersedes=original).exists():
        raise AmendmentRefused("This entry has already been amended. Amend the newest version.")
    if original.category not in Entry.RECORDABLE:
        raise AmendmentRefused("Entries the service records itself cannot be amended.")
    amendment = Entry.objects.create(
        case=original.case,
        category=category,
        occurred_at=occurred_at,
        recorded_by=person,
        agency=person.agency,
        text=text,
        # An amendment is seen by exactly whoever could see what it corrects.
        restricted=original.restricted,
        supersedes=original,
        amendment_reason=reason,
    )
    case_changed(
        Action.ENTRY_AMENDED, person, original.case_id, entry=amendment.pk, supersedes=original.pk
    )
    return amendment


class CaseClosed(Exception):
    """A closed case takes no new placement or missing report (issue 19): nobody works it,
    so an event recorded there would be told to agencies and followed up by no one. What
    happens to the child now belongs on an open case."""

    def __init__(self, case: Case) -> None:
        super().__init__(
            f"Case {case.reference} is closed, so no placement or missing report can be "
            "recorded on it. Open a new case for the child to record one."
        )


def lock_open(case: Case) -> None:
    """Hold the case's row until this transaction ends, refusing it if closed: a close
    committed a moment ago is seen, and one asked for meanwhile waits (`close_case` locks
    the same row), so no change lands on a case closed under it."""
    status = Case.objects.select_for_update().values_list("status", flat=True).get(pk=case.pk)
    if status == Case.Status.CLOSED:
        raise CaseClosed(case)


class CaseAlreadyClosed(Exception):
    """Closing twice would write a second closing entry; the case stays as it is."""


@transaction.atomic
def close_case(person: Person, case: Case, reason: str) -> Case:
    require(person, Act.CLOSE)
    if Case.objects.select_for_update().get(pk=case.pk).status == Case.Status.CLOSED:
        raise CaseAlreadyClosed(f"Case {case.reference} is already closed.")
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=now)
    case.status, case.closed_at = Case.Status.CLOSED, now
    record_on_chronology(case, person, Entry.Category.CASE_CLOSED, f"Case closed. Reason: {reason}")
    record(Action.CASE_CLOSED, actor=person, target_type="case", target_id=case.pk)
    return case


def agencies_to_share_with(case: Case) -> list[Agency]:
    return list(Agency.objects.exclude(pk=case.lead_agency_id).order_by("name"))

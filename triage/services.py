"""MASH triage, changes: contacts, RAG ratings, partner checks, assignment and decisions.

A contact about a child goes to the MASH of the local authority where the child lives
(the children's services agency covering that area). Only that agency's MASH managers
rate, assign and decide; partners answer the checks asked of them. Each change is one
transaction with its audit event (and, where another agency must know, its outbox row).

Deadlines (settings.MASH_*): red and amber are elapsed hours from receipt, so a clock
change does not stretch them; green is working days at the same local time of day.

A partner check closes unanswered in one of two ways, by the same steps (`_close`): a MASH
manager closes it with a reason before deciding (`close_check`; the API's decision with
close_open_checks), or the decision overtakes it (`close_overtaken_checks`). Either way its
request stops escalating and the partner is told through the outbox. An answer sent after
that is refused politely, not kept as late: the check is closed because the MASH no longer
waits for it, nobody there would read it, and keeping it would pretend the check still
mattered. The refusal says so and points to recording a contact, which reaches the MASH as
new information should.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases.models import Case, Child, Entry
from cases.moments import CLOCK_SKEW
from cases.selectors import can
from cases.services import (
    OpenCaseExists,
    PossibleDuplicate,
    create_child,
    open_case,
    possible_duplicates,
)
from cases.validators import normalise_nhs_number
from notifications.models import Notification
from notifications.services import notify
from people.models import Agency, Area, Person
from people.selectors import agencies_covering, calendar_for
from safeguarding.uk_time import day_said, local, said
from triage.models import Contact, ContactRating, PartnerCheck, Rag


class NotAMashManager(PermissionDenied):
    """Only MASH managers of the receiving authority rate, assign and decide."""


def decision_due(rag: str, received_at: dt.datetime, mash: Agency | None) -> dt.datetime:
    """When the MASH's decision on a contact of this rating is due: green in the MASH's
    working days (its nation's bank holidays and its closure days skipped)."""
    if rag == Rag.GREEN:
        days = settings.MASH_DECISION_GREEN_WORKING_DAYS
        return calendar_for(mash).add_working_days(received_at, days)
    hours = (
        settings.MASH_DECISION_AMBER_HOURS if rag == Rag.AMBER else settings.MASH_DECISION_RED_HOURS
    )
    return _elapsed(received_at, hours)


def check_due(rag: str, requested_at: dt.datetime, partner: Agency | None) -> dt.datetime:
    """When a partner's answer to a check is due, by the contact's rating: green in the
    working days of the partner asked, who must answer."""
    if rag == Rag.GREEN:
        days = settings.MASH_CHECK_GREEN_WORKING_DAYS
        return calendar_for(partner).add_working_days(requested_at, days)
    hours = settings.MASH_CHECK_AMBER_HOURS if rag == Rag.AMBER else settings.MASH_CHECK_RED_HOURS
    return _elapsed(requested_at, hours)


def _hours(hours: int) -> str:
    return f"{hours} hour{'' if hours == 1 else 's'}"


def _working_days(days: int) -> str:
    return f"{days} working day{'' if days == 1 else 's'}"


def decision_deadlines() -> str:
    """The decision deadlines in words, from the settings `decision_due` counts by, so what
    the pages promise is what the queue enforces."""
    return (
        f"red within {_hours(settings.MASH_DECISION_RED_HOURS)} of receipt, "
        f"amber within {_hours(settings.MASH_DECISION_AMBER_HOURS)} and "
        f"green within {_working_days(settings.MASH_DECISION_GREEN_WORKING_DAYS)}"
    )


def _elapsed(start: dt.datetime, hours: int) -> dt.datetime:
    # In UTC: Python adds to an aware local time on the wall clock, which across a clock
    # change would make "4 hours" three or five.
    return start.astimezone(dt.UTC) + dt.timedelta(hours=hours)


def mash_for(area: Area) -> Agency | None:
    """The children's services covering the area: whose MASH receives its contacts."""
    return agencies_covering(area, [Agency.Kind.SOCIAL_CARE]).first()


def is_mash_manager(person: Person, contact: Contact) -> bool:
    return (
        person.is_authenticated
        and person.role == Person.Role.MASH_MANAGER
        and person.agency_id is not None
        and person.agency_id == contact.mash_id
    )


def _require_manager(person: Person, contact: Contact) -> None:
    if not is_mash_manager(person, contact):
        raise NotAMashManager("Only a MASH manager of the receiving authority can do this.")


def _require_undecided(contact: Contact) -> None:
    if contact.decided:
        raise ValidationError("This contact has been decided: it can no longer be changed.")


def _lock(contact: Contact) -> Contact:
    """The contact, locked for this transaction: two managers acting at once queue."""
    return Contact.objects.select_for_update().get(pk=contact.pk)


def next_contact_reference() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('triage_contact_reference_seq')")
        number = cursor.fetchone()[0]
    return f"MASH-{timezone.localdate():%Y}-{number:06d}"


def _event(action: str, person: Person, contact: Contact, **detail) -> None:
    record(
        action,
        actor=person,
        target_type="contact",
        target_id=contact.pk,
        detail=detail,
    )


@dataclass(frozen=True)
class NewChild:
    """A child the referrer describes rather than picks: found by NHS number, or recorded."""

    child_fields: dict
    aliases: list[str] = field(default_factory=list)
    # The referrer checked the possible duplicates shown and says this is another child.
    confirmed_not_duplicate: bool = False


class PossibleDuplicates(Exception):
    """The new child may already be recorded (same name and date of birth): nothing saved.

    Pages and the API show `matches` (cases.services.possible_duplicates: only what the
    person may see) and ask the referrer to confirm.
    """

    def __init__(self, matches: list[PossibleDuplicate]) -> None:
        super().__init__("The child may already be recorded.")
        self.matches = matches


def _as_given(child_fields: dict) -> dict:
    born = child_fields.get("date_of_birth")
    return {
        "first_name": child_fields["first_name"],
        "last_name": child_fields["last_name"],
        "date_of_birth": born.isoformat() if born else None,
        "nhs_number": normalise_nhs_number(child_fields.get("nhs_number") or ""),
    }


def as_picked(child: Child) -> dict:
    """A known child the referrer picked, as they were shown it when recording: kept with the
    contact, so what the referrer reads later does not depend on what their agency may see
    then (a share revoked, a record corrected by another agency)."""
    born = child.date_of_birth
    return {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth": born.isoformat() if born else None,
        "picked": True,
    }


def _known_by_nhs_number(nhs_number: str) -> Child | None:
    if not nhs_number:
        return None
    return Child.objects.filter(nhs_number=nhs_number).first()


def _child_for_contact(person: Person, new: NewChild) -> Child:
    """The child with this NHS number whoever holds them, or the child recorded now.

    A contact is not refused for a known NHS number (unlike opening a case): the concern
    must reach the MASH whichever agency knows the child. The duplicate check looks at name
    and date of birth only, before the NHS number, so its answer is the same whether or not
    the number is known: the referrer learns nothing of a record they may not see.
    """
    given = new.child_fields
    matches = possible_duplicates(
        person,
        first_name=given["first_name"],
        last_name=given["last_name"],
        date_of_birth=given.get("date_of_birth"),
        nhs_number="",
    )
    if matches and not new.confirmed_not_duplicate:
        raise PossibleDuplicates(matches)
    nhs_number = normalise_nhs_number(given.get("nhs_number") or "")
    if known := _known_by_nhs_number(nhs_number):
        return known
    try:
        with transaction.atomic():
            return create_child(person, child_fields=given, aliases=new.aliases)
    except IntegrityError:
        # Someone recorded the same NHS number a moment ago: link to theirs, as above.
        if known := _known_by_nhs_number(nhs_number):
            return known
        raise


@transaction.atomic
def record_contact(
    person: Person,
    child: Child | None = None,
    *,
    new_child: NewChild | None = None,
    area: Area,
    referrer_type: str,
    referrer_name: str,
    referrer_role: str,
    referrer_phone: str = "",
    referrer_email: str = "",
    received_at: dt.datetime,
    concern: str,
    now: dt.datetime | None = None,
) -> Contact:
    """Record a concern about a child for the MASH of the area where the child lives.

    The one way a contact is recorded, from a page or the API. Anyone may record one, for
    their agency or on behalf of a member of the public, about a child they may see
    (`child`) or one they describe (`new_child`, linked by NHS number to a known child);
    it is due as if red until a MASH manager rates it. Raises PossibleDuplicates. `now`
    is when it is recorded (the clock if not given): `received_at` may not be after it.
    """
    if (child is None) == (new_child is None):
        raise ValueError("Give either a child or a new child.")
    mash = mash_for(area)
    if mash is None:
        raise ValidationError(f"No children’s services MASH covers {area.name} yet.")
    if received_at > (now or timezone.now()) + CLOCK_SKEW:
        raise ValidationError("When it was received cannot be in the future.")
    if not concern.strip():
        raise ValidationError("Enter what was reported.")
    if referrer_type not in Contact.ReferrerType.values:
        raise ValidationError(f"Unknown kind of referrer {referrer_type!r}.")
    if new_child is not None:
        as_given = _as_given(new_child.child_fields)
        child = _child_for_contact(person, new_child)
    else:
        as_given = as_picked(child)
    contact = Contact.objects.create(
        reference=next_contact_reference(),
        child=child,
        area=area,
        mash=mash,
        recorded_by=person,
        referring_agency=person.agency,
        referrer_type=referrer_type,
        referrer_name=referrer_name.strip(),
        referrer_role=referrer_role.strip(),
        referrer_phone=referrer_phone.strip(),
        referrer_email=referrer_email.strip(),
        received_at=received_at,
        concern=concern.strip(),
        due_at=decision_due(Rag.RED, received_at, mash),
        child_as_given=as_given,
    )
    _event(Action.CONTACT_RECORDED, person, contact, child=child.pk, mash=mash.pk)
    return contact


@transaction.atomic
def rate_contact(
    person: Person, contact: Contact, rag: str, reason: str, *, now: dt.datetime | None = None
) -> Contact:
    """Rate (or re-rate) a contact; its decision and open checks fall due accordingly.
    `now` is when it was rated (the clock if not given)."""
    _require_manager(person, contact)
    contact = _lock(contact)
    _require_undecided(contact)
    if rag not in Rag.values:
        raise ValidationError(f"Unknown RAG rating {rag!r}.")
    if not reason.strip():
        raise ValidationError("Enter the reason for the rating.")
    if rag == contact.rag:
        raise ValidationError(f"The contact is already rated {contact.get_rag_display().lower()}.")
    previous = contact.rag
    now = now or timezone.now()
    contact.rag = rag
    contact.due_at = decision_due(rag, contact.received_at, contact.mash)
    if contact.state == Contact.State.NEW:
        contact.state = Contact.State.OPEN
    contact.save(update_fields=["rag", "due_at", "state"])
    ContactRating.objects.create(
        contact=contact, rag=rag, reason=reason.strip(), rated_by=person, rated_at=now,
        due_at=contact.due_at,
    )  # fmt: skip
    for check in contact.checks.filter(PartnerCheck.outstanding_q()).select_related("agency"):
        _move_check_due(check, check_due(rag, check.requested_at, check.agency))
    _event(Action.CONTACT_RATED, person, contact, rag=rag, previous=previous or None)
    return contact


@transaction.atomic
def assign_contact(person: Person, contact: Contact, assignee: Person | None) -> Contact:
    """Give the contact to a colleague at the MASH (or take it off everyone: None)."""
    _require_manager(person, contact)
    contact = _lock(contact)
    _require_undecided(contact)
    if assignee is not None and (assignee.agency_id != contact.mash_id or not assignee.is_active):
        raise ValidationError("Assign it to someone who works at this MASH.")
    contact.assigned_to = assignee
    contact.save(update_fields=["assigned_to"])
    _event(
        Action.CONTACT_ASSIGNED, person, contact,
        assigned_to=assignee.pk if assignee else None,
    )  # fmt: skip
    return contact


@dataclass(frozen=True)
class Assignment:
    """What assigning did to one contact: who held it before, who holds it now."""

    contact: Contact
    previous: Person | None
    assignee: Person | None

    @property
    def changed(self) -> bool:
        return _pk(self.previous) != _pk(self.assignee)


def _pk(person: Person | None) -> int | None:
    return person.pk if person else None


@transaction.atomic
def assign_contacts(
    person: Person, wanted: list[tuple[Contact, Person | None]]
) -> list[Assignment]:
    """Give each contact to its colleague (None: take it off everyone), all or none.

    Idempotent per contact: one already held by that colleague is left alone and records
    nothing, so the same form sent twice (or by two managers at once: the contacts are
    locked in id order, so they queue rather than deadlock) records each change once. Each
    change is audited as assign_contact audits it. A decided contact or a colleague from
    elsewhere refuses the lot, naming the contact, so nothing is half done."""
    assignees = {contact.pk: assignee for contact, assignee in wanted}
    for contact, _ in wanted:
        _require_manager(person, contact)
    locked = Contact.objects.select_for_update(of=("self",)).select_related("assigned_to")
    done = []
    for contact in locked.filter(pk__in=assignees).order_by("pk"):
        assignee = assignees[contact.pk]
        if contact.decided:
            raise ValidationError(
                f"This contact has been decided, so it can no longer be changed: "
                f"{contact.reference}. Nothing was assigned."
            )
        if assignee is not None and (
            assignee.agency_id != contact.mash_id or not assignee.is_active
        ):
            raise ValidationError("Assign it to someone who works at this MASH.")
        done.append(Assignment(contact, contact.assigned_to, assignee))
    for assignment in done:
        if assignment.changed:
            contact = assignment.contact
            contact.assigned_to = assignment.assignee
            contact.save(update_fields=["assigned_to"])
            _event(Action.CONTACT_ASSIGNED, person, contact, assigned_to=_pk(assignment.assignee))
    return done


def check_summary(contact: Contact) -> str:
    """What the partner's notification says. Safe for an email subject or a webhook: a
    reference, never the child. No deadline: text written once cannot follow the check's
    due time when a re-rating moves it, so every page, email and webhook says the time from
    the notification's `acknowledge_by`, which `_move_check_due` keeps equal to the check's
    `due_at` (the one deadline of a check)."""
    return f"Contact {contact.reference}: the MASH asks what your agency holds on a child"


def _move_check_due(check: PartnerCheck, due: dt.datetime) -> None:
    """Give a check a new deadline, and its notification the same one (acknowledged or not:
    the inbox still shows it): the check's one deadline, wherever it is said."""
    check.due_at = due
    check.save(update_fields=["due_at"])
    Notification.objects.filter(
        kind=Notification.Kind.PARTNER_CHECK, subject_id=check.pk, agency_id=check.agency_id
    ).update(acknowledge_by=due)


@transaction.atomic
def request_checks(
    person: Person,
    contact: Contact,
    agencies: list[Agency],
    question: str,
    *,
    now: dt.datetime | None = None,
) -> list[PartnerCheck]:
    """Ask each partner what it holds on the child; each is told through its inbox. The
    answers fall due by the rating from `now` (when asked; the clock if not given)."""
    _require_manager(person, contact)
    contact = _lock(contact)
    _require_undecided(contact)
    if not contact.rag:
        raise ValidationError("Rate the contact first: the checks are due by its rating.")
    if not question.strip():
        raise ValidationError("Enter what you are asking the partners.")
    if not agencies:
        raise ValidationError("Choose at least one partner agency.")
    asked = set(contact.checks.values_list("agency_id", flat=True))
    for agency in agencies:
        if agency.pk == contact.mash_id:
            raise ValidationError("The MASH cannot ask itself: choose partner agencies.")
        if agency.pk in asked:
            raise ValidationError(f"{agency.name} has already been asked about this contact.")
    now = now or timezone.now()
    checks = []
    for agency in agencies:
        # Each partner answers in its own working days (its nation, its closure days).
        due = check_due(contact.rag, now, agency)
        check = PartnerCheck.objects.create(
            contact=contact, agency=agency, question=question.strip(), requested_by=person,
            requested_at=now, due_at=due,
        )  # fmt: skip
        notify(
            contact.case, Notification.Kind.PARTNER_CHECK, check.pk, check_summary(contact),
            person, [agency], reference=contact.reference, due=due, now=now,
        )  # fmt: skip
        checks.append(check)
    _event(
        Action.CHECK_REQUESTED, person, contact,
        checks=[c.pk for c in checks], agencies=[a.pk for a in agencies],
    )  # fmt: skip
    return checks


class CheckClosed(ValidationError):
    """The check was closed unanswered: nothing sent can answer it now (see the module)."""


def closed_check_refusal(check: PartnerCheck) -> str:
    """What a partner answering a closed check is told, on the page and in the API."""
    return (
        f"This check was closed on {said(check.closed_at)}: {check.closed_reason}. No answer "
        "is needed now, and none was recorded. If what your agency holds should still reach "
        "the MASH, record a contact about the child."
    )


def overtaken_reason(decided_at: dt.datetime) -> str:
    return f"overtaken by the decision on {day_said(local(decided_at).date())}"


def closed_summary(contact: Contact) -> str:
    """What the partner's notification says. Safe for an email subject or a webhook: a
    reference, never the child, and never the reason (a manager's words may name the child):
    the partner reads why on the check's page, behind sign-in."""
    return (
        f"Contact {contact.reference}: the MASH has closed its check with your agency and no "
        "longer needs an answer"
    )


def _close(
    person: Person, contact: Contact, check: PartnerCheck, reason: str, *,
    closed_by: Person | None, now: dt.datetime,
) -> None:  # fmt: skip
    """The one way a check closes, whoever closes it: a manager with a reason
    (`close_check`, `closed_by` them) or the decision that overtook it
    (`close_overtaken_checks`, `closed_by` empty). The check, locked by the caller with its
    contact, is closed; its request is withdrawn (not acknowledged: nobody there took it in),
    so it stops escalating and leaves the inbox count; the partner is told through the
    outbox, delivered at least once like any notification; the closure is audited (the
    `person` whose act closed it). The chronology gets it with the decision (_write_story)."""
    check.closed_at = now
    check.closed_by = closed_by
    check.closed_reason = reason
    check.save(update_fields=["closed_at", "closed_by", "closed_reason"])
    Notification.objects.filter(
        kind=Notification.Kind.PARTNER_CHECK, subject_id=check.pk, agency_id=check.agency_id,
        acknowledged_at__isnull=True, withdrawn_at__isnull=True,
    ).update(withdrawn_at=now)  # fmt: skip
    # About the check, not a case: a partner told may not see the case the decision opened.
    notify(
        None, Notification.Kind.CHECK_CLOSED, check.pk, closed_summary(contact), person,
        [check.agency], reference=contact.reference, now=now,
    )  # fmt: skip
    _event(
        Action.CHECK_CLOSED, person, contact, check=check.pk, agency=check.agency_id,
        overtaken=closed_by is None,
    )  # fmt: skip


def _close_outstanding(
    person: Person, contact: Contact, reason: str, *, closed_by: Person | None,
    now: dt.datetime,
) -> list[PartnerCheck]:  # fmt: skip
    closing = list(
        contact.checks.filter(PartnerCheck.outstanding_q())
        .select_related("agency")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for check in closing:
        _close(person, contact, check, reason, closed_by=closed_by, now=now)
    return closing


def close_overtaken_checks(
    person: Person, contact: Contact, *, now: dt.datetime
) -> list[PartnerCheck]:
    """The MASH has decided with partner checks still out: each closes as overtaken by the
    decision (no one closed it by hand: `closed_by` empty), its request withdrawn and the
    partner told (`_close`). Runs in `decide_contact`'s transaction, the contact locked."""
    return _close_outstanding(person, contact, overtaken_reason(now), closed_by=None, now=now)


@transaction.atomic
def close_check(
    person: Person, check: PartnerCheck, reason: str, *, now: dt.datetime | None = None
) -> PartnerCheck:
    """Stop waiting for a partner's answer before deciding without it (a MASH manager, with
    the reason the partner reads on the check's page): closed as a decision would close it
    (`_close`), but by this manager and with their reason. The closure goes on the
    chronology of the case the decision opens or links, before the decision. `now` is when
    it was closed (the clock if not given)."""
    _require_manager(person, check.contact)
    # The contact first, as every change of it does: a decision and a closure queue.
    contact = _lock(check.contact)
    _require_undecided(contact)
    check = (
        PartnerCheck.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=check.pk, contact=contact)
    )
    if check.answered:
        raise ValidationError(f"{check.agency.name} has answered this check: it is not open.")
    if check.closed:
        raise ValidationError(f"The check with {check.agency.name} is already closed.")
    if not reason.strip():
        raise ValidationError("Enter why you are closing the check.")
    _close(person, contact, check, reason.strip(), closed_by=person, now=now or timezone.now())
    return check


@transaction.atomic
def answer_check(
    person: Person,
    check: PartnerCheck,
    answer: str,
    restricted_answer: str = "",
) -> PartnerCheck:
    """The partner says what it holds. Answering is also acknowledging the request. A
    closed check is refused (CheckClosed), politely: see the module."""
    check = PartnerCheck.objects.select_for_update().select_related("contact").get(pk=check.pk)
    if person.agency_id is None or person.agency_id != check.agency_id:
        raise PermissionDenied("Only the agency asked can answer this check.")
    if check.answered:
        raise ValidationError("Your agency has already answered this check.")
    if check.closed:
        raise CheckClosed(closed_check_refusal(check))
    if not answer.strip():
        raise ValidationError("Enter what your agency holds, or that it holds nothing.")
    now = timezone.now()
    check.answer = answer.strip()
    check.restricted_answer = restricted_answer.strip()
    check.answered_at = now
    check.answered_by = person
    check.save(update_fields=["answer", "restricted_answer", "answered_at", "answered_by"])
    Notification.objects.filter(
        agency_id=check.agency_id, kind=Notification.Kind.PARTNER_CHECK, subject_id=check.pk,
        acknowledged_at__isnull=True,
    ).update(acknowledged_at=now, acknowledged_by=person)  # fmt: skip
    _event(
        Action.CHECK_ANSWERED, person, check.contact,
        check=check.pk, restricted=bool(check.restricted_answer),
    )  # fmt: skip
    return check


def _entry(case: Case, category: str, when: dt.datetime, by: Person, agency_id: int, text: str,
           restricted: bool = False) -> Entry:  # fmt: skip
    return Entry(
        case=case, category=category, occurred_at=when, recorded_by=by, agency_id=agency_id,
        text=text, restricted=restricted,
    )  # fmt: skip


def _write_check(case: Case, check: PartnerCheck) -> None:
    agency = check.agency.name
    entries = [
        _entry(case, Entry.Category.PARTNER_CHECK, check.answered_at, check.answered_by,
               check.agency_id, f"{agency} answered the MASH check ({check.contact.reference}): "
               f"{check.answer}"),
    ]  # fmt: skip
    if check.restricted_answer:
        # The restricted part stays with the partner on the chronology.
        entries.append(
            _entry(case, Entry.Category.PARTNER_CHECK, check.answered_at, check.answered_by,
                   check.agency_id, f"Restricted part of {agency}’s answer: "
                   f"{check.restricted_answer}", restricted=True)
        )  # fmt: skip
    Entry.objects.bulk_create(entries)


def _closure_entry(case: Case, check: PartnerCheck, decided_by: Person) -> Entry:
    """A closed check on the chronology: recorded by the manager who closed it, or (closed
    by the decision) by whoever decided."""
    contact = check.contact
    return _entry(
        case, Entry.Category.PARTNER_CHECK, check.closed_at, check.closed_by or decided_by,
        contact.mash_id,
        f"The {contact.mash.name} MASH closed its check with {check.agency.name} "
        f"({contact.reference}) without an answer: {check.closed_reason}",
    )  # fmt: skip


def _write_story(case: Case, contact: Contact, person: Person) -> None:
    """The contact, its ratings, the partners' answers and the decision, on the chronology,
    each as recorded by whoever did it, when they did it."""
    referrer = contact.referrer_name
    if contact.referrer_role:
        referrer += f" ({contact.referrer_role})"
    entries = [
        _entry(case, Entry.Category.MASH_CONTACT, contact.received_at, contact.recorded_by,
               contact.referring_agency_id, f"Contact {contact.reference} to the "
               f"{contact.mash.name} MASH from {referrer}, "
               f"{contact.get_referrer_type_display().lower()}: {contact.concern}"),
    ]  # fmt: skip
    for rating in contact.ratings.select_related("rated_by").order_by("rated_at", "pk"):
        entries.append(
            _entry(case, Entry.Category.MASH_RATING, rating.rated_at, rating.rated_by,
                   contact.mash_id, f"Rated {rating.get_rag_display().lower()} "
                   f"(decision due {said(rating.due_at)}): "
                   f"{rating.reason}")
        )  # fmt: skip
    Entry.objects.bulk_create(entries)
    checks = contact.checks.filter(answered_at__isnull=False).select_related(
        "agency", "answered_by", "contact"
    )
    for check in checks.order_by("answered_at", "pk"):
        _write_check(case, check)
    closed = contact.checks.filter(closed_at__isnull=False).select_related(
        "agency", "closed_by", "contact__mash"
    )
    Entry.objects.bulk_create(
        _closure_entry(case, c, person) for c in closed.order_by("closed_at", "pk")
    )
    Entry.objects.create(
        case=case, category=Entry.Category.MASH_DECISION, occurred_at=contact.decided_at,
        recorded_by=person, agency_id=contact.mash_id,
        text=f"MASH decision on {contact.reference}: {contact.get_decision_display()}. "
        f"{contact.rationale}",
    )  # fmt: skip


def _case_to_link(person: Person, child: Child) -> Case | None:
    """The child's newest open case the MASH's agency can add to, if there is one."""
    for case in child.cases.filter(status=Case.Status.OPEN).order_by("-opened_at", "-id"):
        if can(person, case, "contribute"):
            return case
    return None


@transaction.atomic
def decide_contact(
    person: Person,
    contact: Contact,
    decision: str,
    rationale: str,
    transfer_to: Agency | None = None,
    *,
    close_outstanding: str = "",
) -> Contact:
    """Decide what happens next. A strategy discussion, assessment or early help opens the
    child's case at the MASH's agency (or links the open one); any decision is written on
    the linked case's chronology with the whole story. The referrer's agency is told.
    Checks still outstanding are closed, the partners told: with `close_outstanding` (a
    reason: the API's close_open_checks, triage.api.decision) as closed by this manager;
    without it, as overtaken by the decision (item 6's rule; the decide page warns first).
    Either way the same steps (`_close`), in this transaction."""
    _require_manager(person, contact)
    contact = _lock(contact)
    _require_undecided(contact)
    if not contact.rag:
        raise ValidationError("Rate the contact before deciding it.")
    if decision not in Contact.Decision.values:
        raise ValidationError(f"Unknown decision {decision!r}.")
    if not rationale.strip():
        raise ValidationError("Enter the rationale for the decision.")
    transferring = decision == Contact.Decision.TRANSFER
    if transferring:
        if (
            transfer_to is None
            or transfer_to.kind != Agency.Kind.SOCIAL_CARE
            or transfer_to.pk == contact.mash_id
        ):
            raise ValidationError("Choose the other authority’s children’s services.")
    elif transfer_to is not None:
        raise ValidationError("Only a transfer goes to another authority.")
    now = timezone.now()
    if close_outstanding.strip():
        _close_outstanding(person, contact, close_outstanding.strip(), closed_by=person, now=now)
    case = _case_to_link(person, contact.child)
    if case is None and decision in Contact.OPENS_CASE:
        try:
            case = open_case(person, contact.child)
        except OpenCaseExists as opened:
            # Another decision about the same child opened it a moment ago: link that one.
            case = opened.case
    contact.decision = decision
    contact.rationale = rationale.strip()
    contact.decided_at = now
    contact.decided_by = person
    contact.transfer_to = transfer_to
    contact.state = Contact.State.DECIDED
    contact.case = case
    contact.save(
        update_fields=["decision", "rationale", "decided_at", "decided_by", "transfer_to",
                       "state", "case"]
    )  # fmt: skip
    close_overtaken_checks(person, contact, now=now)
    if case is not None:
        _write_story(case, contact, person)
    told = [contact.referring_agency] if contact.referring_agency_id != contact.mash_id else []
    if told:
        notify(
            case, Notification.Kind.CONTACT_OUTCOME, contact.pk,
            f"Contact {contact.reference}: MASH decision: {contact.get_decision_display()}",
            person, told, reference=contact.reference,
        )  # fmt: skip
    transferred = None
    if transferring:
        transferred = _transfer(person, contact, transfer_to)
    _event(
        Action.CONTACT_DECIDED, person, contact, decision=decision,
        case=case.pk if case else None, transferred_to=transferred.pk if transferred else None,
    )  # fmt: skip
    return contact


def _transfer(person: Person, contact: Contact, mash: Agency) -> Contact:
    """A new contact in the other authority's queue, received now, with the same concern."""
    area = mash.areas.order_by("name").first()
    if area is None:
        raise ValidationError(f"{mash.name} covers no area, so it has no MASH queue.")
    now = timezone.now()
    transferred = Contact.objects.create(
        reference=next_contact_reference(), child=contact.child, area=area, mash=mash,
        recorded_by=person, referring_agency=person.agency,
        referrer_type=Contact.ReferrerType.PROFESSIONAL,
        referrer_name=person.get_full_name() or person.username,
        referrer_role=f"MASH manager, {person.agency.name}", referrer_email=person.email,
        received_at=now,
        concern=f"Transferred from the {contact.mash.name} MASH (contact {contact.reference}): "
        f"{contact.rationale}\n\nWhat was reported: {contact.concern}",
        due_at=decision_due(Rag.RED, now, mash), child_as_given=as_picked(contact.child),
    )  # fmt: skip
    _event(
        Action.CONTACT_RECORDED, person, transferred, child=contact.child_id,
        mash=mash.pk, transferred_from=contact.pk,
    )  # fmt: skip
    return transferred

"""Changes to case data: each a named action, in one transaction, with its audit event.

Callers (pages, API views, commands) fetch the case for the person first with
`cases.selectors.case_for(person, id, need=...)`; these functions assume that was done.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action
from audit.services import record
from cases.models import (
    Alias,
    Case,
    Child,
    Entry,
    MissingEpisode,
    Placement,
    ReturnInterview,
    RiskLevel,
    Screening,
    searchable,
)
from cases.validators import normalise_nhs_number, normalise_postcode, validate_postcode
from sharing.models import Agency, LawfulBasis, Notification, Person, Share
from sharing.notifications import AREA_KINDS, ensure_view_share, notify, recipients
from sharing.services import record_on_chronology, share_case


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
    from cases.selectors import search_children

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


def _search_text(child: Child, aliases: list[str]) -> str:
    # The full name first, then each alias, one a line: "starts with" finds exact names.
    names = [f"{child.first_name} {child.last_name}", *aliases]
    return "\n".join(searchable(n) for n in names) + "\n"


def next_reference() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('cases_case_reference_seq')")
        number = cursor.fetchone()[0]
    return f"CSE-{timezone.localdate():%Y}-{number:06d}"


@transaction.atomic
def create_child_and_case(
    request: HttpRequest | None,
    person: Person,
    *,
    child_fields: dict,
    aliases: list[str],
    concern: str = "",
) -> Case:
    """Record a child and open a case led by the person's agency, which holds `manage`.

    A looked-after child's responsible authority is given `view` at once.
    """
    child = create_child(request, person, child_fields=child_fields, aliases=aliases)
    return open_case(request, person, child, concern=concern)


@transaction.atomic
def create_child(
    request: HttpRequest | None, person: Person, *, child_fields: dict, aliases: list[str]
) -> Child:
    """Record a child (no case yet: a contact to the MASH may come first)."""
    fields = dict(child_fields)
    fields["nhs_number"] = normalise_nhs_number(fields.get("nhs_number", ""))
    if fields.get("postcode"):
        fields["postcode"] = normalise_postcode(fields["postcode"])
    child = Child(created_by=person, **fields)
    clean_aliases = sorted({a.strip() for a in aliases if a.strip()})
    child.search_text = _search_text(child, clean_aliases)
    child.save()
    Alias.objects.bulk_create(Alias(child=child, name=a) for a in clean_aliases)
    record(
        Action.CHILD_CREATED, request=request, actor=person, target_type="child", target_id=child.pk
    )
    return child


@transaction.atomic
def open_case(request: HttpRequest | None, person: Person, child: Child, concern: str = "") -> Case:
    now = timezone.now()
    case = Case.objects.create(
        reference=next_reference(), child=child, lead_agency=person.agency, opened_by=person
    )
    share_case(
        request,
        case,
        person,
        person.agency,
        Share.Level.MANAGE,
        LawfulBasis.CA2004_S11,
        "Lead agency for the case",
        chronology=False,
    )
    record_on_chronology(
        case,
        person,
        Entry.Category.CASE_OPENED,
        f"Case {case.reference} opened by {person.agency.name}.",
    )
    authority = child.responsible_authority
    if child.looked_after and authority and authority != person.agency:
        share_case(
            request,
            case,
            person,
            authority,
            Share.Level.VIEW,
            LawfulBasis.CA1989_S17,
            "Responsible authority for a looked-after child",
        )
    if concern.strip():
        add_entry(
            request,
            person,
            case,
            category=Entry.Category.CONCERN,
            occurred_at=now,
            text=concern.strip(),
            restricted=False,
        )
    record(Action.CASE_OPENED, request=request, actor=person, target_type="case", target_id=case.pk)
    return case


@transaction.atomic
def add_entry(
    request: HttpRequest | None,
    person: Person,
    case: Case,
    *,
    category: str,
    occurred_at: dt.datetime,
    text: str,
    restricted: bool,
) -> Entry:
    entry = Entry.objects.create(
        case=case,
        category=category,
        occurred_at=occurred_at,
        recorded_by=person,
        agency=person.agency,
        text=text,
        restricted=restricted,
    )
    record(
        Action.ENTRY_ADDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"entry": entry.pk, "category": category, "restricted": restricted},
    )
    return entry


class AmendmentRefused(Exception):
    """Only the recording agency may amend an entry, and only its newest version."""


@transaction.atomic
def amend_entry(
    request: HttpRequest | None,
    person: Person,
    original: Entry,
    *,
    text: str,
    occurred_at: dt.datetime,
    category: str,
    reason: str,
) -> Entry:
    """A correction: a new entry that supersedes the original, which stays as it was."""
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
    record(
        Action.ENTRY_AMENDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=original.case_id,
        detail={"entry": amendment.pk, "supersedes": original.pk},
    )
    return amendment


# A simple, published rule: each indicator counts once; these weigh double because each
# alone is a strong sign of exploitation in the screening tools practitioners use.
HEAVY_INDICATORS = {"older_partner", "money_or_gifts", "adults_of_concern", "sexual_health"}


def risk_from(indicators: list[str]) -> str:
    score = sum(2 if i in HEAVY_INDICATORS else 1 for i in set(indicators))
    if score >= 5:
        return RiskLevel.HIGH
    if score >= 2:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


@transaction.atomic
def record_screening(
    request: HttpRequest | None, person: Person, case: Case, *, indicators: list[str], notes: str
) -> Screening:
    level = risk_from(indicators)
    screening = Screening.objects.create(
        case=case,
        screened_by=person,
        agency=person.agency,
        indicators=sorted(set(indicators)),
        risk_level=level,
        notes=notes,
    )
    Case.objects.filter(pk=case.pk).update(risk_level=level)
    case.risk_level = level
    labels = dict(Screening.Indicator.choices)
    found = ", ".join(labels[i] for i in screening.indicators) or "no indicators"
    record_on_chronology(
        case,
        person,
        Entry.Category.SCREENING,
        f"CSE screening: {screening.get_risk_level_display()} risk. Indicators: {found}."
        + (f" Notes: {notes}" if notes else ""),
    )
    record(
        Action.SCREENING_RECORDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"screening": screening.pk, "risk": level},
    )
    return screening


class CaseAlreadyClosed(Exception):
    """Closing twice would write a second closing entry; the case stays as it is."""


@transaction.atomic
def close_case(request: HttpRequest | None, person: Person, case: Case, reason: str) -> Case:
    if Case.objects.select_for_update().get(pk=case.pk).status == Case.Status.CLOSED:
        raise CaseAlreadyClosed(f"Case {case.reference} is already closed.")
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=now)
    case.status, case.closed_at = Case.Status.CLOSED, now
    record_on_chronology(case, person, Entry.Category.CASE_CLOSED, f"Case closed. Reason: {reason}")
    record(Action.CASE_CLOSED, request=request, actor=person, target_type="case", target_id=case.pk)
    return case


def agencies_to_share_with(case: Case) -> list[Agency]:
    return list(Agency.objects.exclude(pk=case.lead_agency_id).order_by("name"))


# Placements, missing episodes and return interviews -------------------------------------


class NotAPlacingAuthority(Exception):
    """Only a local authority's children's services places a child."""


class AlreadyReturned(Exception):
    """A return is recorded once; the episode stays as it is."""


class InterviewAlreadyRecorded(Exception):
    """A return home interview is recorded once."""


def placing_authority_for(case: Case) -> Agency:
    """The agency responsible for the child now: the current placement's placing authority,
    else the child's responsible authority, else the case's lead agency."""
    child = case.child
    placement = child.current_placement
    if placement is not None and placement.ended_at is None:
        return placement.placing_authority
    return child.responsible_authority or case.lead_agency


def area_for(case: Case):
    """Where the child is: the current placement's area, else the placing authority's own
    area when it has exactly one (None if that cannot be said)."""
    placement = case.child.current_placement
    if placement is not None and placement.ended_at is None:
        return placement.area
    areas = list(placing_authority_for(case).areas.all()[:2])
    return areas[0] if len(areas) == 1 else None


def _summary(case: Case, what: str) -> str:
    # Safe for an email subject or a webhook: the reference, never the child's name.
    return f"Case {case.reference}: {what}"


@transaction.atomic
def record_placement(
    request: HttpRequest | None,
    person: Person,
    case: Case,
    *,
    area,
    address: str,
    postcode: str,
    provider_type: str,
    started_at: dt.datetime,
):
    """Place (or move) a looked-after child, and tell everyone who must know.

    Ends the current placement if there is one (a move), gives the agencies covering the
    new area at least view access on the placement-notice basis, writes the chronology
    entry, the audit event and the outbox, all in this transaction.
    """

    if person.agency is None or person.agency.kind != Agency.Kind.SOCIAL_CARE:
        raise NotAPlacingAuthority(
            "Only a local authority’s children’s services can record a placement."
        )
    # The pages and API validate first; this keeps any other caller (a command, a script)
    # from writing an address the police could not find.
    validate_postcode(postcode)
    if provider_type not in Placement.Provider.values:
        raise ValidationError(f"Unknown provider type {provider_type!r}.")
    child = Child.objects.select_for_update().get(pk=case.child_id)
    previous = child.current_placement
    moving = previous is not None and previous.ended_at is None
    if moving:
        Placement.objects.filter(pk=previous.pk).update(
            ended_at=max(started_at, previous.started_at), end_reason="Moved to a new placement"
        )
    placement = Placement.objects.create(
        case=case,
        placing_authority=person.agency,
        area=area,
        address=address.strip(),
        postcode=normalise_postcode(postcode),
        provider_type=provider_type,
        started_at=started_at,
        recorded_by=person,
    )
    child.current_placement = placement
    child.looked_after = True
    if child.responsible_authority_id is None:
        child.responsible_authority = person.agency
    child.save(update_fields=["current_placement", "looked_after", "responsible_authority"])
    case.child = child
    purpose = f"Child placed in {area.name}"
    for agency in Agency.objects.filter(areas=area, kind__in=AREA_KINDS).order_by("name"):
        ensure_view_share(request, case, person, agency, purpose)
    verb = "moved to" if moving else "placed in"
    record_on_chronology(
        case,
        person,
        Entry.Category.PLACEMENT,
        f"Child {verb} a placement in {area.name} "
        f"({placement.get_provider_type_display().lower()}) from "
        f"{timezone.localtime(started_at):%d %b %Y %H:%M}, by {person.agency.name}.",
    )
    record(
        Action.PLACEMENT_RECORDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={
            "placement": placement.pk,
            "area": area.pk,
            "moved_from": previous.pk if moving else None,
        },
    )

    notify(
        case,
        Notification.Kind.PLACEMENT,
        placement.pk,
        _summary(case, f"child {verb} a placement in {area.name}"),
        person,
        recipients(case, caused_by=person.agency, area=area, placing_authority=person.agency),
    )
    return placement


@transaction.atomic
def end_placement(
    request: HttpRequest | None, person: Person, case: Case, *, ended_at: dt.datetime, reason: str
):
    """End the child's current placement (without a new one), and say so."""

    child = Child.objects.select_for_update().get(pk=case.child_id)
    placement = child.current_placement
    if placement is None or placement.ended_at is not None or placement.case_id != case.pk:
        raise Placement.DoesNotExist("The child has no current placement on this case.")
    ended_at = max(ended_at, placement.started_at)
    Placement.objects.filter(pk=placement.pk).update(ended_at=ended_at, end_reason=reason)
    placement.ended_at, placement.end_reason = ended_at, reason
    child.current_placement = None
    child.save(update_fields=["current_placement"])
    record_on_chronology(
        case,
        person,
        Entry.Category.PLACEMENT_ENDED,
        f"Placement in {placement.area.name} ended "
        f"{timezone.localtime(ended_at):%d %b %Y %H:%M}. Reason: {reason}",
    )
    record(
        Action.PLACEMENT_ENDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"placement": placement.pk},
    )
    notify(
        case,
        Notification.Kind.PLACEMENT_ENDED,
        placement.pk,
        _summary(case, f"placement in {placement.area.name} ended"),
        person,
        recipients(
            case,
            caused_by=person.agency,
            area=placement.area,
            placing_authority=placement.placing_authority,
        ),
    )
    return placement


@transaction.atomic
def report_missing(
    request: HttpRequest | None,
    person: Person,
    case: Case,
    *,
    last_seen_at: dt.datetime,
    last_seen_where: str,
    circumstances: str,
    risk: str,
):
    """A child reported missing: saved, on the chronology, and everyone told at once."""

    episode = MissingEpisode.objects.create(
        case=case,
        last_seen_at=last_seen_at,
        last_seen_where=last_seen_where.strip(),
        circumstances=circumstances.strip(),
        risk=risk,
        reported_by=person,
        reporting_agency=person.agency,
    )
    record_on_chronology(
        case,
        person,
        Entry.Category.MISSING,
        f"Reported missing by {person.agency.name} ({episode.get_risk_display().lower()} risk). "
        f"Last seen {timezone.localtime(last_seen_at):%d %b %Y %H:%M} at "
        f"{episode.last_seen_where}. {episode.circumstances}",
    )
    record(
        Action.MISSING_REPORTED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"episode": episode.pk, "risk": risk},
    )
    area = area_for(case)
    if area is not None:
        # The agencies covering where the child is are told, so they must be able to open
        # the case (a placement has usually shared it with them already).
        for agency in Agency.objects.filter(areas=area, kind__in=AREA_KINDS).order_by("name"):
            if agency != person.agency:
                ensure_view_share(
                    request, case, person, agency, f"Child reported missing in {area.name}",
                    lawful_basis=LawfulBasis.CA2004_S11,
                )  # fmt: skip
    notify(
        case,
        Notification.Kind.MISSING,
        episode.pk,
        _summary(case, f"child missing ({episode.get_risk_display().lower()} risk)"),
        person,
        recipients(
            case,
            caused_by=person.agency,
            area=area,
            placing_authority=placing_authority_for(case),
        ),
    )
    return episode


@transaction.atomic
def record_return(
    request: HttpRequest | None,
    person: Person,
    episode,
    *,
    returned_at: dt.datetime,
    how_found: str,
):
    """The child is back: when and how found; the placing authority owes a return home
    interview within RETURN_INTERVIEW_HOURS (72), and everyone told is told again."""

    episode = MissingEpisode.objects.select_for_update().select_related("case").get(pk=episode.pk)
    if episode.returned_at is not None:
        raise AlreadyReturned("This child’s return has already been recorded.")
    case = episode.case
    episode.returned_at = max(returned_at, episode.last_seen_at)
    episode.how_found = how_found.strip()
    episode.return_recorded_by = person
    episode.save(update_fields=["returned_at", "how_found", "return_recorded_by"])
    authority = placing_authority_for(case)
    interview = ReturnInterview.objects.create(
        episode=episode,
        agency=authority,
        due_at=episode.returned_at + dt.timedelta(hours=settings.RETURN_INTERVIEW_HOURS),
    )
    record_on_chronology(
        case,
        person,
        Entry.Category.RETURNED,
        f"Returned {timezone.localtime(episode.returned_at):%d %b %Y %H:%M}, recorded by "
        f"{person.agency.name}. How found: {episode.how_found}. Return home interview by "
        f"{authority.name} due {timezone.localtime(interview.due_at):%d %b %Y %H:%M}.",
    )
    record(
        Action.RETURN_RECORDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"episode": episode.pk, "interview": interview.pk},
    )
    notify(
        case,
        Notification.Kind.RETURNED,
        episode.pk,
        _summary(case, "missing child has returned"),
        person,
        recipients(case, caused_by=person.agency, area=area_for(case), placing_authority=authority),
    )
    return episode


@transaction.atomic
def record_return_interview(
    request: HttpRequest | None, person: Person, interview, *, held_on: dt.datetime, summary: str
):
    """The placing authority held the return home interview: the task is done."""
    interview = (
        ReturnInterview.objects.select_for_update()
        .select_related("episode__case")
        .get(pk=interview.pk)
    )
    if interview.completed_at is not None:
        raise InterviewAlreadyRecorded("This return home interview has already been recorded.")
    interview.completed_at = timezone.now()
    interview.completed_by = person
    interview.held_on = held_on
    interview.summary = summary.strip()
    interview.save(update_fields=["completed_at", "completed_by", "held_on", "summary"])
    case = interview.episode.case
    late = " (after it was due)" if interview.completed_at > interview.due_at else ""
    record_on_chronology(
        case,
        person,
        Entry.Category.RETURN_INTERVIEW,
        f"Return home interview held {timezone.localtime(held_on):%d %b %Y %H:%M} by "
        f"{person.agency.name}{late}. {interview.summary}",
    )
    record(
        Action.RETURN_INTERVIEW_RECORDED,
        request=request,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"interview": interview.pk, "late": bool(late)},
    )
    return interview

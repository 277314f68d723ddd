"""Placements, missing episodes, returns and return home interviews: each a named action,
in one transaction, with its chronology entry, audit event and outbox rows.

Callers fetch the case for the person first (`cases.selectors.case_for`).
"""

import datetime as dt
from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases import registry
from cases.models import Case, Child, Entry
from cases.roles import Act, RoleRefused, require
from cases.selectors import can
from cases.services import case_changed, lock_open, record_on_chronology
from cases.validators import normalise_postcode, validate_postcode
from missing.models import (
    MissingEpisode,
    Placement,
    RepeatMissingAlert,
    ReturnInterview,
    RiskChange,
)
from missing.profiles import release_to_police
from notifications.models import Notification
from notifications.services import AREA_KINDS, ensure_view_share, notify, recipients
from people.models import Agency, Area, Person
from people.selectors import agencies_covering, calendars_for
from safeguarding.uk_time import said
from sharing.models import LawfulBasis
from sharing.services import lapse_placement_shares


def current_placement_of(child: Child) -> Placement | None:
    """Where the child lives now (a child has at most one current placement)."""
    return (
        Placement.objects.select_related("area", "placing_authority")
        .filter(child=child, ended_at__isnull=True)
        .first()
    )


class AlreadyReturned(Exception):
    """A return is recorded once; the episode stays as it is."""


class AlreadyMissing(Exception):
    """A case has one open missing episode at a time (the database holds it too, issue 23):
    a second report while the child is still missing would split one absence in two. The
    open one is `episode`, whose return comes first."""

    def __init__(self, episode: MissingEpisode) -> None:
        super().__init__(f"The child is already missing: reported {said(episode.reported_at)}.")
        self.episode = episode


def open_episode_of(case: Case) -> MissingEpisode | None:
    return MissingEpisode.objects.filter(case=case, returned_at__isnull=True).first()


class InterviewAlreadyRecorded(Exception):
    """A return home interview is recorded once."""


def placing_authority_for(case: Case) -> Agency:
    """The agency responsible for the child now: the current placement's placing authority,
    else the child's responsible authority, else the case's lead agency."""
    child = case.child
    placement = current_placement_of(child)
    if placement is not None:
        return placement.placing_authority
    return child.responsible_authority or case.lead_agency


def require_placing_authority(person: Person, case: Case) -> None:
    """Placements are recorded by the placing authority: the agency that manages the case or
    the child's responsible authority (Children Act 1989 s22C). Another children's services
    with contribute access to the case is refused (403, recorded); the role rule
    (cases.roles, Act.PLACE) has already kept out everyone but children's social care."""
    if person.agency_id == case.child.responsible_authority_id or can(person, case, "manage"):
        return
    record(
        Action.PERMISSION_REFUSED,
        actor=person,
        target_type="case",
        target_id=case.pk,
        detail={"need": "placing_authority", "role": person.role},
    )
    authority = case.child.responsible_authority or case.lead_agency
    raise RoleRefused(
        f"Only the child’s placing authority records placements: {authority.name}, which "
        "manages this case or is the child’s responsible authority."
    )


def area_for(case: Case):
    """Where the child is: the current placement's area, else the placing authority's own
    area when it has exactly one (None if that cannot be said)."""
    placement = current_placement_of(case.child)
    if placement is not None:
        return placement.area
    areas = list(placing_authority_for(case).areas.all()[:2])
    return areas[0] if len(areas) == 1 else None


def _summary(case: Case, what: str) -> str:
    # Safe for an email subject or a webhook: the reference, never the child's name.
    return f"Case {case.reference}: {what}"


def _tell(
    person: Person,
    case: Case,
    kind: str,
    subject_id: int,
    what: str,
    *,
    area: Area | None,
    placing_authority: Agency | None,
    now: dt.datetime | None = None,
    shares: dict | None = None,
    excluding: Collection[Agency] = (),
) -> None:
    """Tell the agencies a change concerns (`recipients`), every change in this module alike:
    those covering `area`, the placing authority and those the case is shared with, bar
    `excluding` (told otherwise). Their deadlines to acknowledge count from `now` (the clock
    if not given). `shares` the change made (by agency id) go with their agencies'
    notifications: one event, acknowledged once."""
    told = recipients(case, caused_by=person.agency, area=area, placing_authority=placing_authority)
    left_out = {agency.pk for agency in excluding}
    notify(
        case,
        kind,
        subject_id,
        _summary(case, what),
        person,
        [agency for agency in told if agency.pk not in left_out],
        now=now,
        shares=shares,
    )


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def repeat_missing_reasons(episode: MissingEpisode) -> list[str]:
    """Why this episode calls for a strategy discussion under the lead agency's rule
    (`Agency.repeat_missing_episodes` within `repeat_missing_days`), or none. Episodes are
    counted per child, across cases, placements and areas, by when the child was last seen;
    every grade counts, very low included (treating those as nothing is the known failure)."""
    case = episode.case
    rule = case.lead_agency
    since = episode.last_seen_at - dt.timedelta(days=rule.repeat_missing_days)
    count = MissingEpisode.objects.filter(
        case__child_id=case.child_id, last_seen_at__gt=since, last_seen_at__lte=episode.last_seen_at
    ).count()
    reasons = []
    if count >= rule.repeat_missing_episodes:
        reasons.append(f"Missing for the {_nth(count)} time in {rule.repeat_missing_days} days")
    if episode.risk == MissingEpisode.Risk.HIGH:
        reasons.append("Graded high risk")
    return reasons


@transaction.atomic
def set_repeat_rule(person: Person, episodes: int, days: int) -> Agency:
    """The person's agency (they are its admin; the page checks) sets its rule: a repeat-
    missing alert for a case it leads when the child has been missing `episodes` times
    within `days`. Audited with what it was and what it is."""
    agency = Agency.objects.select_for_update().get(pk=person.agency_id)
    was = {"episodes": agency.repeat_missing_episodes, "days": agency.repeat_missing_days}
    agency.repeat_missing_episodes, agency.repeat_missing_days = episodes, days
    agency.save(update_fields=["repeat_missing_episodes", "repeat_missing_days"])
    record(
        Action.REPEAT_RULE_CHANGED, actor=person, target_type="agency", target_id=agency.pk,
        detail={"was": was, "now": {"episodes": episodes, "days": days}},
    )  # fmt: skip
    return agency


def _alert_if_repeated(
    person: Person, episode: MissingEpisode, now: dt.datetime
) -> RepeatMissingAlert | None:
    """Raise the episode's repeat-missing alert if the rule calls for one and it has none:
    the lead agency is told (its inbox and duty address; its MASH managers if nobody has
    acknowledged by the deadline) to convene a strategy discussion within
    `REPEAT_MISSING_STRATEGY_WORKING_DAYS` of its working days. Inside the caller's
    transaction, whose lock on the episode keeps it to one."""
    reasons = repeat_missing_reasons(episode)
    if not reasons or RepeatMissingAlert.objects.filter(episode=episode).exists():
        return None
    case = episode.case
    lead = case.lead_agency
    calendar = calendars_for([lead.pk])[lead.pk]
    due = calendar.add_working_days(now, settings.REPEAT_MISSING_STRATEGY_WORKING_DAYS)
    alert = RepeatMissingAlert.objects.create(
        case=case, episode=episode, reasons="; ".join(reasons), raised_at=now, due_at=due
    )
    case_changed(
        Action.REPEAT_MISSING_ALERT_RAISED, person, case.pk, alert=alert.pk, episode=episode.pk,
        due_at=due.isoformat(),
    )  # fmt: skip
    notify(
        case, Notification.Kind.REPEAT_MISSING, alert.pk,
        _summary(case, f"repeat missing: convene a strategy discussion by {said(due)}"),
        person, [lead], due=due, now=now,
    )  # fmt: skip
    registry.concern_raised(
        "repeat_missing",
        [case.pk],
        alert.pk,
        f"Case {case.reference}: repeat missing ({alert.reasons})",
    )
    return alert


@transaction.atomic
def record_placement(
    person: Person,
    case: Case,
    *,
    area,
    address: str,
    postcode: str,
    provider_type: str,
    started_at: dt.datetime,
    now: dt.datetime | None = None,
):
    """Place (or move) a looked-after child, and tell everyone who must know. `CaseClosed`
    on a closed case.

    Ends the current placement if there is one (a move), gives the agencies covering the
    new area at least view access on the placement-notice basis, writes the chronology
    entry, the audit event and the outbox, all in this transaction.
    """
    require(person, Act.PLACE, target_id=case.pk)
    require_placing_authority(person, case)
    lock_open(case)  # before the child's row, the order every change here takes
    # The pages and API validate first; this keeps any other caller (a command, a script)
    # from writing an address the police could not find.
    validate_postcode(postcode)
    if provider_type not in Placement.Provider.values:
        raise ValidationError(f"Unknown provider type {provider_type!r}.")
    child = Child.objects.select_for_update().get(pk=case.child_id)
    previous = current_placement_of(child)
    moving = previous is not None
    if moving:
        Placement.objects.filter(pk=previous.pk).update(
            ended_at=max(started_at, previous.started_at), end_reason="Moved to a new placement"
        )
    placement = Placement.objects.create(
        case=case,
        child=child,
        placing_authority=person.agency,
        area=area,
        address=address.strip(),
        postcode=normalise_postcode(postcode),
        provider_type=provider_type,
        started_at=started_at,
        recorded_by=person,
    )
    child.looked_after = True
    if child.responsible_authority_id is None:
        child.responsible_authority = person.agency
    child.save(update_fields=["looked_after", "responsible_authority"])
    case.child = child
    purpose = f"Child placed in {area.name}"
    made = {}
    for agency in agencies_covering(area, AREA_KINDS):
        if share := ensure_view_share(case, person, agency, purpose):
            made[agency.pk] = share
    # "Child placed in Suffolk", "Child moved to a new placement in Suffolk".
    what = f"moved to a new placement in {area.name}" if moving else f"placed in {area.name}"
    record_on_chronology(
        case,
        person,
        Entry.Category.PLACEMENT,
        f"Child {what} "
        f"({placement.get_provider_type_display().lower()}) from "
        f"{said(started_at)}, by {person.agency.name}.",
        occurred_at=started_at,
    )
    case_changed(
        Action.PLACEMENT_RECORDED,
        person,
        case.pk,
        placement=placement.pk,
        area=area.pk,
        moved_from=previous.pk if moving else None,
    )

    # A move away: the old area's agencies (sharers since the child was placed there) are
    # told that placement ended, not that a child was placed in their area.
    left = _left_behind(person, previous, area) if moving else []
    _tell(
        person, case, Notification.Kind.PLACEMENT, placement.pk, f"child {what}",
        area=area, placing_authority=person.agency, now=now, shares=made, excluding=left,
    )  # fmt: skip
    if left:
        lapsing = lapse_placement_shares(
            case, person, left, left_at=started_at, reason="moved away"
        )
        until = (
            f"; your access lapses {said(lapsing[0].lapses_at)} unless renewed" if lapsing else ""
        )
        notify(
            case, Notification.Kind.PLACEMENT_ENDED, previous.pk,
            _summary(case, f"placement in {previous.area.name} ended: the child moved away{until}"),
            person, left, now=now,
        )  # fmt: skip
    return placement


def _left_behind(person: Person, previous: Placement, area: Area) -> list[Agency]:
    """The agencies covering the area a move leaves and not the one it goes to, bar the
    placing authority (which made the move) and the mover's own."""
    staying = {agency.pk for agency in agencies_covering(area, AREA_KINDS)}
    return [
        agency
        for agency in agencies_covering(previous.area, AREA_KINDS)
        if agency.pk not in staying and agency.pk != person.agency_id
        and agency.pk != previous.placing_authority_id
    ]  # fmt: skip


@transaction.atomic
def end_placement(
    person: Person,
    case: Case,
    *,
    ended_at: dt.datetime,
    reason: str,
    now: dt.datetime | None = None,
):
    """End the child's current placement (without a new one), and say so."""
    require(person, Act.PLACE, target_id=case.pk)
    require_placing_authority(person, case)

    child = Child.objects.select_for_update().get(pk=case.child_id)
    placement = current_placement_of(child)
    if placement is None or placement.case_id != case.pk:
        raise Placement.DoesNotExist("The child has no current placement on this case.")
    ended_at = max(ended_at, placement.started_at)
    Placement.objects.filter(pk=placement.pk).update(ended_at=ended_at, end_reason=reason)
    placement.ended_at, placement.end_reason = ended_at, reason
    record_on_chronology(
        case,
        person,
        Entry.Category.PLACEMENT_ENDED,
        f"Placement in {placement.area.name} ended {said(ended_at)}. Reason: {reason}",
        occurred_at=ended_at,
    )
    case_changed(Action.PLACEMENT_ENDED, person, case.pk, placement=placement.pk)
    # The agencies there no longer need to see the case once the child has gone: their
    # placement notice lapses unless they renew it (sharing.services).
    there = [
        agency
        for agency in agencies_covering(placement.area, AREA_KINDS)
        if agency.pk not in (case.lead_agency_id, placement.placing_authority_id)
    ]
    lapse_placement_shares(case, person, there, left_at=ended_at, reason="placement ended")
    _tell(
        person, case, Notification.Kind.PLACEMENT_ENDED, placement.pk,
        f"placement in {placement.area.name} ended",
        area=placement.area, placing_authority=placement.placing_authority, now=now,
    )  # fmt: skip
    return placement


@transaction.atomic
def report_missing(
    person: Person,
    case: Case,
    *,
    last_seen_at: dt.datetime,
    last_seen_where: str,
    circumstances: str,
    risk: str,
    last_seen_area: Area | None = None,
    now: dt.datetime | None = None,
):
    """A child reported missing: saved, on the chronology, and everyone told at once: the
    agencies covering where the child lives, the police force covering where they were last
    seen (`last_seen_area`, if another area), the placing authority and every sharer.
    `AlreadyMissing` while an earlier report has no return, however close the two came;
    `CaseClosed` on a closed case."""
    require(person, Act.REPORT_MISSING)
    lock_open(case)
    if (open_one := open_episode_of(case)) is not None:
        raise AlreadyMissing(open_one)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a refusal
            episode = MissingEpisode.objects.create(
                case=case,
                last_seen_at=last_seen_at,
                last_seen_where=last_seen_where.strip(),
                circumstances=circumstances.strip(),
                risk=risk,
                last_seen_area=last_seen_area,
                reported_by=person,
                reporting_agency=person.agency,
            )
    except IntegrityError:
        # Another report committed between the look and the insert (missing_one_open_per_case).
        if (open_one := open_episode_of(case)) is None:
            raise
        raise AlreadyMissing(open_one) from None
    record_on_chronology(
        case,
        person,
        Entry.Category.MISSING,
        f"Reported missing by {person.agency.name} ({episode.get_risk_display().lower()} risk). "
        f"Last seen {said(last_seen_at)} at {episode.last_seen_where}"
        f"{f' ({last_seen_area.name})' if last_seen_area else ''}. {episode.circumstances}",
        occurred_at=last_seen_at,
    )
    area = area_for(case)
    # The agencies covering where the child is are told, so they must be able to open the
    # case (a placement has usually shared it with them already); so is the police force
    # where they were last seen, which looks for them. Told as sharers (`recipients`).
    covering = []
    if area is not None:
        covering += [(agency, area) for agency in agencies_covering(area, AREA_KINDS)]
    if last_seen_area is not None and last_seen_area != area:
        police = agencies_covering(last_seen_area, [Agency.Kind.POLICE])
        covering += [(agency, last_seen_area) for agency in police]
    # The profile goes to the police among them, in this transaction: the force where the
    # child was last seen and the host force where they live (missing.profiles).
    forces = dict.fromkeys(agency for agency, _ in covering if agency.kind == Agency.Kind.POLICE)
    released = release_to_police(episode, list(forces), now)
    case_changed(
        Action.MISSING_REPORTED, person, case.pk, episode=episode.pk, risk=risk,
        last_seen_area=last_seen_area.pk if last_seen_area else None,
        profile_released_to=[agency.pk for agency in released],
    )  # fmt: skip
    made = {}
    for agency, where in covering:
        if agency != person.agency and agency.pk not in made:
            share = ensure_view_share(
                case, person, agency, f"Child reported missing in {where.name}",
                lawful_basis=LawfulBasis.CA2004_S11,
            )  # fmt: skip
            if share:
                made[agency.pk] = share
    _tell(
        person, case, Notification.Kind.MISSING, episode.pk,
        f"child missing ({episode.get_risk_display().lower()} risk)",
        area=area, placing_authority=placing_authority_for(case), now=now, shares=made,
    )  # fmt: skip
    episode.case = case
    _alert_if_repeated(person, episode, now or timezone.now())
    return episode


class AlreadyGraded(Exception):
    """A regrading to the grade the episode has: nothing changes (a second click, or a
    colleague who regraded it first)."""

    def __init__(self, episode: MissingEpisode) -> None:
        super().__init__(
            f"The risk is already graded {episode.get_risk_display().lower()}: nothing changed."
        )
        self.episode = episode


@transaction.atomic
def regrade_missing(
    person: Person,
    episode: MissingEpisode,
    *,
    risk: str,
    reason: str,
    now: dt.datetime | None = None,
) -> RiskChange:
    """Change a missing child's risk grading while they are missing, with the reason: kept
    (`RiskChange`), on the chronology, and told at once to everyone told of the report, as
    the grade decides how hard the police look. `AlreadyReturned` once the child is back
    (the episode's grade is then history); `AlreadyGraded` when it would change nothing."""
    require(person, Act.REPORT_MISSING)
    if risk not in MissingEpisode.Risk.values:
        raise ValidationError("Choose one of the risk gradings.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the risk grading changed.")
    episode = MissingEpisode.objects.select_for_update().select_related("case").get(pk=episode.pk)
    if episode.returned_at is not None:
        raise AlreadyReturned(
            "The child has returned: the grading of an episode that has ended stays as it was."
        )
    if episode.risk == risk:
        raise AlreadyGraded(episode)
    now = now or timezone.now()
    change = RiskChange.objects.create(
        episode=episode, from_risk=episode.risk, to_risk=risk, reason=reason,
        changed_by=person, agency=person.agency, changed_at=now,
    )  # fmt: skip
    before = change.get_from_risk_display().lower()
    episode.risk = risk
    episode.save(update_fields=["risk"])
    after = episode.get_risk_display().lower()
    case = episode.case
    record_on_chronology(
        case,
        person,
        Entry.Category.MISSING_REGRADED,
        f"Missing risk regraded from {before} to {after} by {person.agency.name}. Reason: {reason}",
        occurred_at=now,
    )
    case_changed(
        Action.MISSING_REGRADED, person, case.pk,
        episode=episode.pk, change=change.pk, risk=risk, was=change.from_risk,
    )  # fmt: skip
    _tell(
        person, case, Notification.Kind.MISSING_REGRADED, change.pk,
        f"missing child's risk regraded from {before} to {after}",
        area=area_for(case), placing_authority=placing_authority_for(case), now=now,
    )  # fmt: skip
    _alert_if_repeated(person, episode, now)  # regraded high: an alert if none yet
    return change


@transaction.atomic
def record_return(
    person: Person,
    episode,
    *,
    returned_at: dt.datetime,
    how_found: str,
    now: dt.datetime | None = None,
):
    """The child is back: when and how found; the placing authority owes a return home
    interview within RETURN_INTERVIEW_HOURS (72), and everyone told is told again."""
    require(person, Act.REPORT_MISSING)

    episode = MissingEpisode.objects.select_for_update().select_related("case").get(pk=episode.pk)
    if episode.returned_at is not None:
        raise AlreadyReturned("This child’s return has already been recorded.")
    case = episode.case
    episode.returned_at = max(returned_at, episode.last_seen_at)
    episode.how_found = how_found.strip()
    episode.return_recorded_by = person
    episode.save(update_fields=["returned_at", "how_found", "return_recorded_by"])
    authority = placing_authority_for(case)
    placed = current_placement_of(case.child)
    interview = ReturnInterview.objects.create(
        episode=episode,
        agency=authority,
        host_area=placed.area if placed else None,
        due_at=episode.returned_at + dt.timedelta(hours=settings.RETURN_INTERVIEW_HOURS),
    )
    record_on_chronology(
        case,
        person,
        Entry.Category.RETURNED,
        f"Returned {said(episode.returned_at)}, recorded by {person.agency.name}. How found: "
        f"{episode.how_found}. Return home interview by {authority.name} due "
        f"{said(interview.due_at)}.",
        occurred_at=episode.returned_at,
    )
    case_changed(
        Action.RETURN_RECORDED, person, case.pk, episode=episode.pk, interview=interview.pk
    )
    _tell(
        person, case, Notification.Kind.RETURNED, episode.pk, "missing child has returned",
        area=area_for(case), placing_authority=authority, now=now,
    )  # fmt: skip
    return episode


def _labels(chosen: list[str], choices: list[tuple[str, str]]) -> str:
    named = dict(choices)
    return ", ".join(named[key].lower() for key in chosen if key in named)


def outstanding_interviews_of(interview: ReturnInterview) -> QuerySet:
    """The case's other interviews still owed by the same authority: one conversation may
    cover them too (the child went missing again before the first was held)."""
    return (
        ReturnInterview.objects.filter(
            episode__case_id=interview.episode.case_id,
            agency_id=interview.agency_id,
            completed_at__isnull=True,
        )
        .exclude(pk=interview.pk)
        .select_related("episode")
        .order_by("episode__returned_at")
    )


@transaction.atomic
def record_return_interview(
    person: Person,
    interview,
    *,
    outcome: str = ReturnInterview.Outcome.HELD,
    held_on: dt.datetime | None = None,
    summary: str = "",
    offered_on: dt.date | None = None,
    offered_by: str = "",
    outcome_reason: str = "",
    push_factors: Collection[str] = (),
    pull_factors: Collection[str] = (),
    factors_detail: str = "",
    child_words: str = "",
    people_mentioned: Collection[str] = (),
    places_mentioned: Collection[str] = (),
    risk_change: str = "",
    shared_with_police: bool = False,
    covers: Collection[int] = (),
    now: dt.datetime | None = None,
):
    """The placing authority says how the return home interview went: held (when, what the
    child said and why they went), declined by the child, or not held and why. The task is
    done either way. `covers` are the case's other outstanding interviews the same
    conversation covered: they take its outcome, each pointing at it. The chronology gets a
    summary every agency that sees the case reads, with the factors and the people and
    places named if `shared_with_police`; the child's own words stay on the interview."""
    require(person, Act.RETURN_INTERVIEW)
    if outcome not in ReturnInterview.Outcome.values:
        raise ValidationError("Choose whether the interview was held, declined or not held.")
    held = outcome == ReturnInterview.Outcome.HELD
    if held and held_on is None:
        raise ValidationError("Say when the interview was held.")
    if not held and not outcome_reason.strip():
        raise ValidationError("Say why the interview was not held.")
    interview = (
        ReturnInterview.objects.select_for_update()
        .select_related("episode__case")
        .get(pk=interview.pk)
    )
    if interview.completed_at is not None:
        raise InterviewAlreadyRecorded("This return home interview has already been recorded.")
    now = now or timezone.now()
    others = list(outstanding_interviews_of(interview).filter(pk__in=list(covers)))
    fields = {
        "completed_at": now,
        "completed_by": person,
        "outcome": outcome,
        "held_on": held_on if held else None,
        "summary": summary.strip(),
        "offered_on": offered_on,
        "offered_by": offered_by.strip(),
        "outcome_reason": "" if held else outcome_reason.strip(),
        "push_factors": [k for k, _ in ReturnInterview.PUSH if k in push_factors] if held else [],
        "pull_factors": [k for k, _ in ReturnInterview.PULL if k in pull_factors] if held else [],
        "factors_detail": factors_detail.strip() if held else "",
        "child_words": child_words.strip() if held else "",
        "people_mentioned": list(people_mentioned) if held else [],
        "places_mentioned": list(places_mentioned) if held else [],
        "risk_change": risk_change if held else "",
        "shared_with_police": shared_with_police and held,
    }
    for name, value in fields.items():
        setattr(interview, name, value)
    interview.save(update_fields=list(fields))
    for other in others:
        ReturnInterview.objects.filter(pk=other.pk).update(
            covered_by=interview, completed_at=now, completed_by=person, outcome=outcome,
            held_on=interview.held_on, offered_on=offered_on, offered_by=interview.offered_by,
            outcome_reason=interview.outcome_reason,
        )  # fmt: skip
    case = interview.episode.case
    late = " (after it was due)" if held and interview.held_on > interview.due_at else ""
    also = ""
    if others:
        dates = ", ".join(said(other.episode.returned_at) for other in others)
        also = f" It also covered the return{'s' if len(others) > 1 else ''} of {dates}."
    if held:
        text = f"Return home interview held {said(held_on)} by {person.agency.name}{late}.{also}"
        if interview.summary:
            text += f" {interview.summary}"
        if interview.shared_with_police:
            parts = [
                ("Push factors", _labels(interview.push_factors, ReturnInterview.PUSH)),
                ("Pull factors", _labels(interview.pull_factors, ReturnInterview.PULL)),
                ("Other factors", interview.factors_detail),
                ("People mentioned", "; ".join(interview.people_mentioned)),
                ("Places mentioned", "; ".join(interview.places_mentioned)),
                ("Risk", interview.get_risk_change_display().lower()),
            ]
            text += "".join(f" {label}: {value}." for label, value in parts if value)
        occurred = held_on
    else:
        text = (
            f"Return home interview {interview.get_outcome_display().lower()}, recorded by "
            f"{person.agency.name}.{also} Reason: {interview.outcome_reason}"
        )
        occurred = now
    record_on_chronology(case, person, Entry.Category.RETURN_INTERVIEW, text, occurred_at=occurred)
    case_changed(
        Action.RETURN_INTERVIEW_RECORDED, person, case.pk, interview=interview.pk,
        late=bool(late), outcome=outcome, covers=[other.pk for other in others],
    )  # fmt: skip
    return interview

"""Lawful sharing of cases, and the object permissions derived from it.

Shares are the truth. Each change to an agency's shares on a case recomputes that
agency's django-guardian permissions on the case in the same transaction, so the
permission table never says more (or less) than the shares do.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases import access as case_access
from cases.models import Case
from cases.roles import Act, require
from cases.services import case_changed, record_on_chronology
from people.models import Agency, Person
from safeguarding.uk_time import said
from sharing import registry
from sharing.models import EmergencyAccess, LawfulBasis, Share

# What each share level lets an agency do: the case access rule, owned by `cases`.
LEVEL_PERMISSIONS = case_access.LEVEL_PERMISSIONS
LEVEL_ORDER = [Share.Level.VIEW, Share.Level.CONTRIBUTE, Share.Level.MANAGE]
# The source the permission rows name, read back by `cases.selectors.access_basis`.
SHARE_SOURCE = "share"
EMERGENCY_SOURCE = "emergency_access"


class ShareRefused(Exception):
    """A share that must stay: the lead agency's own (the case would have no manager)."""


class PassingOnRefused(Exception):
    """A share that would pass on a child's identity the agency was only shown (item 7)."""


def seen_only_through(case: Case, agency: Agency) -> list[Case]:
    """Other cases on the case's child that `agency` holds to view only: someone else's
    case, through which it came to know the child (it may not pass that on by itself)."""
    best: dict[int, int] = {}
    for case_id, level in (
        Share.objects.filter(case__child_id=case.child_id, agency=agency, revoked_at__isnull=True)
        .exclude(case=case)
        .values_list("case_id", "level")
    ):
        best[case_id] = max(best.get(case_id, 0), LEVEL_ORDER.index(level))
    shown = [case_id for case_id, level in best.items() if level == 0]
    return list(Case.objects.filter(pk__in=shown).select_related("lead_agency").order_by("pk"))


def require_may_pass_on(case: Case, agency: Agency) -> None:
    """Passing a child's identity on needs contribute access to the case it was learnt from
    (or that case's managing agency sharing it itself): SECURITY.md, "Passing on"."""
    shown = seen_only_through(case, agency)
    if shown:
        first = shown[0]
        raise PassingOnRefused(
            f"Your agency knows this child through case {first.reference}, which "
            f"{first.lead_agency.name} shares with you to view only. To pass the child on, "
            f"ask {first.lead_agency.name} for contribute access to {first.reference}, or ask "
            "them to share it with the agency themselves."
        )


def sync_agency_permissions(case: Case, agency: Agency) -> None:
    """Make the agency group's permissions on the case exactly what its active shares give.

    The rows name the share giving the highest level (the newest, if several give it):
    that is the share a read by the agency is made under.
    """
    shares = Share.objects.filter(case=case, agency=agency, revoked_at__isnull=True).values_list(
        "pk", "level", "shared_at"
    )
    best = max(shares, key=lambda s: (LEVEL_ORDER.index(s[1]), s[2], s[0]), default=None)
    case_access.set_agency_permissions(
        case,
        agency,
        LEVEL_PERMISSIONS[best[1]] if best else [],
        SHARE_SOURCE,
        best[0] if best else None,
    )


def agencies_to_share_with(case: Case) -> list[Agency]:
    return list(Agency.objects.exclude(pk=case.lead_agency_id).order_by("name"))


@transaction.atomic
def share_case(
    case,
    person: Person,
    agency: Agency,
    level: str,
    lawful_basis: str,
    purpose: str,
    *,
    chronology: bool = True,
    by_rule: bool = False,
) -> Share:
    """Give an agency access to a case, on a recorded lawful basis, for a purpose.

    The caller has already checked that `person` may manage the case. A share a person
    chooses must be theirs to make (their role, and a child they may pass on); one made
    `by_rule` (the lead agency's own, a placement notice) is the rule's, not a choice.
    """
    if not by_rule:
        require(person, Act.SHARE, target_id=case.pk)
        require_may_pass_on(case, person.agency)
    share = Share.objects.create(
        case=case,
        agency=agency,
        level=level,
        lawful_basis=lawful_basis,
        purpose=purpose,
        shared_by=person,
    )
    sync_agency_permissions(case, agency)
    if chronology:
        record_on_chronology(
            case,
            person,
            "share",
            f"Shared with {agency.name} ({share.get_level_display().lower()}) under "
            f"{share.get_lawful_basis_display()}. Purpose: {purpose}",
        )
    case_changed(
        Action.SHARED,
        person,
        case.pk,
        share=share.pk,
        agency=agency.pk,
        level=level,
        basis=lawful_basis,
    )
    return share


@transaction.atomic
def revoke_share(share: Share, person: Person, reason: str = "") -> Share:
    """End a share at once: the agency's permissions are recomputed in this transaction.
    The reason (the pages require one) is kept on the share and said on the chronology."""
    require(person, Act.SHARE, target_type="share", target_id=share.pk)
    share = Share.objects.select_for_update().select_related("case").get(pk=share.pk)
    if share.agency_id == share.case.lead_agency_id:
        raise ShareRefused(
            "The lead agency's share cannot be revoked: the case would have no manager."
        )
    if share.revoked_at is not None:
        return share
    share.revoked_at = timezone.now()
    share.revoked_by = person
    share.revoke_reason = reason.strip()
    share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    sync_agency_permissions(share.case, share.agency)
    said_why = f" Reason: {share.revoke_reason}" if share.revoke_reason else ""
    record_on_chronology(
        share.case,
        person,
        "share_revoked",
        f"Share with {share.agency.name} ({share.get_level_display().lower()}) revoked.{said_why}",
    )
    case_changed(
        Action.SHARE_REVOKED, person, share.case_id, share=share.pk, agency=share.agency_id
    )
    return share


@transaction.atomic
def acknowledge_share(share: Share, person: Person, *, with_notice: bool = False) -> Share:
    """The receiving agency says it has taken the share in; the chronology records who.

    A share made for an event (a placement notice) is acknowledged with that event's
    notification, one act: from here the registered handlers acknowledge the notification
    too (sharing.registry); `with_notice` is the notification's own acknowledgement taking
    the share with it, whose chronology entry says both, so none is written here. Each is
    audited either way.
    """
    require(person, Act.ACKNOWLEDGE_SHARE, target_type="share", target_id=share.pk)
    share = Share.objects.select_for_update().get(pk=share.pk)
    if share.acknowledged_at is None:
        share.acknowledged_at = timezone.now()
        share.acknowledged_by = person
        share.save(update_fields=["acknowledged_at", "acknowledged_by"])
        if not with_notice:
            record_on_chronology(
                share.case,
                person,
                "share_acknowledged",
                f"{share.agency.name} acknowledged the share, recorded by "
                f"{person.get_full_name()}.",
            )
        case_changed(
            Action.SHARE_ACKNOWLEDGED, person, share.case_id, share=share.pk,
            with_notice=with_notice,
        )  # fmt: skip
        if not with_notice:
            registry.share_acknowledged(person, share)
    return share


def shares_received(agency: Agency):
    """Shares to the agency, unacknowledged first, newest first within each."""
    return (
        Share.objects.filter(agency=agency, revoked_at__isnull=True)
        .exclude(shared_by__agency=agency)
        .select_related("case__child", "shared_by__agency", "acknowledged_by")
        # PostgreSQL sorts NULLs last by default: the unacknowledged must come first.
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-shared_at")
    )


@transaction.atomic
def grant_emergency_access(case, person: Person, reason: str) -> EmergencyAccess:
    """Break-glass access to one case for one person, for a few hours, with a reason.

    Recorded on the chronology, flagged in the audit, and told to the managing agency (an
    inbox item, through `registry`: issue 19).
    """
    require(person, Act.EMERGENCY_ACCESS, target_id=case.pk)
    access = EmergencyAccess.objects.create(
        case=case,
        person=person,
        reason=reason,
        expires_at=timezone.now() + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )
    # Reading only, for this person only, until it expires (a later change to the access's
    # expiry is carried to the row by a trigger: sharing migration 0002).
    case_access.grant_person(
        case,
        person,
        "view_case",
        expires_at=access.expires_at,
        source_type=EMERGENCY_SOURCE,
        source_id=access.pk,
    )
    record_on_chronology(
        case,
        person,
        "emergency_access",
        f"Emergency access used by {person.get_full_name()} ({person.agency}) until "
        f"{said(access.expires_at)}. Reason: {reason}",
    )
    case_changed(
        Action.EMERGENCY_ACCESS,
        person,
        case.pk,
        access=access.pk,
        hours=settings.EMERGENCY_ACCESS_HOURS,
    )
    registry.emergency_access_granted(person, access)  # the managing agency is told
    return access


class AlreadyReviewed(Exception):
    """An emergency access is reviewed once; a second review would rewrite the first."""


@transaction.atomic
def review_emergency_access(person: Person, access: EmergencyAccess, note: str) -> EmergencyAccess:
    """Information governance marks an emergency access reviewed, with a note.

    The caller has already checked that `person` is information governance at an agency
    that manages the case. The note stays on the access: it may judge a colleague, so it
    goes neither into the audit detail nor onto the chronology other agencies read.
    """
    access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    if access.reviewed_at is not None:
        raise AlreadyReviewed("This emergency access has already been reviewed.")
    access.reviewed_at = timezone.now()
    access.reviewed_by = person
    access.review_note = note
    access.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    user = access.person
    record_on_chronology(
        access.case,
        person,
        "emergency_access",
        f"Emergency access used by {user.get_full_name() or user.username} ({user.agency}) "
        f"from {said(access.granted_at)} was reviewed by "
        f"{person.get_full_name() or person.username}, information governance.",
    )
    case_changed(
        Action.EMERGENCY_ACCESS_REVIEWED,
        person,
        access.case_id,
        access=access.pk,
        person=access.person_id,
    )
    return access


def default_basis_for_lead_agency() -> str:
    return LawfulBasis.CA2004_S11


def give_access_to_new_case(person: Person, case: Case) -> None:
    """Who sees a case from the moment it is opened: shares are the truth of access.

    The lead agency manages it; a looked-after child's responsible authority, if another
    agency, views it. Registered with `cases.registry` in SharingConfig.ready(), so it runs
    inside `cases.services.open_case`'s transaction.
    """
    share_case(
        case,
        person,
        person.agency,
        Share.Level.MANAGE,
        default_basis_for_lead_agency(),
        "Lead agency for the case",
        chronology=False,
        by_rule=True,
    )
    child = case.child
    authority = child.responsible_authority
    if child.looked_after and authority and authority != person.agency:
        share_case(
            case,
            person,
            authority,
            Share.Level.VIEW,
            LawfulBasis.CA1989_S17,
            "Responsible authority for a looked-after child",
            by_rule=True,
        )


# --- placement notices that lapse once the child has left the area (issue 19) ---------------


def lapse_placement_shares(case, person: Person, agencies, *, left_at, reason: str) -> list[Share]:
    """The placement-notice shares these agencies hold on the case lapse
    PLACEMENT_SHARE_LAPSE_DAYS after `left_at` (the child moved away, or the placement
    ended), unless they renew them. A share made on any other basis is theirs to keep; one
    already set to lapse sooner keeps its day. Returns the shares set to lapse."""
    lapses = left_at + timedelta(days=settings.PLACEMENT_SHARE_LAPSE_DAYS)
    shares = list(
        Share.objects.select_for_update().filter(
            case=case, agency__in=list(agencies), revoked_at__isnull=True,
            lawful_basis=LawfulBasis.PLACEMENT_NOTIFICATION,
        ).exclude(lapses_at__lte=lapses)
    )  # fmt: skip
    for share in shares:
        Share.objects.filter(pk=share.pk).update(lapses_at=lapses)
        share.lapses_at = lapses
        case_changed(
            Action.SHARE_LAPSE_SET, person, case.pk, share=share.pk, agency=share.agency_id,
            lapses_at=lapses.isoformat(), because=reason,
        )  # fmt: skip
    return shares


class NotLapsing(Exception):
    """Only a share set to lapse is renewed (it has lapsed, or was never going to)."""


@transaction.atomic
def renew_share(share: Share, person: Person, reason: str, now=None) -> Share:
    """The agency holding a share that is to lapse keeps it, with a reason, for
    PLACEMENT_SHARE_LAPSE_DAYS from now: on the chronology, for the managing agency to see."""
    require(person, Act.ACKNOWLEDGE_SHARE, target_type="share", target_id=share.pk)
    reason = reason.strip()
    if not reason:
        raise ValueError("Say why your agency still needs to see this case.")
    share = Share.objects.select_for_update().select_related("case", "agency").get(pk=share.pk)
    if share.agency_id != person.agency_id:
        raise Share.DoesNotExist("No such share")
    if share.revoked_at is not None or share.lapses_at is None:
        raise NotLapsing("This share is not set to lapse, so there is nothing to renew.")
    now = now or timezone.now()
    share.lapses_at = now + timedelta(days=settings.PLACEMENT_SHARE_LAPSE_DAYS)
    share.renewed_at, share.renewed_by, share.renew_reason = now, person, reason
    share.save(update_fields=["lapses_at", "renewed_at", "renewed_by", "renew_reason"])
    record_on_chronology(
        share.case, person, "share",
        f"{share.agency.name} renewed its access until {said(share.lapses_at)}. Reason: {reason}",
    )  # fmt: skip
    case_changed(
        Action.SHARE_RENEWED, person, share.case_id, share=share.pk,
        lapses_at=share.lapses_at.isoformat(),
    )  # fmt: skip
    return share


def lapse_due_shares(now=None) -> int:
    """Revoke every share whose lapse is due (the beat runs this): the agency's access
    ends in the same transaction, the chronology and the audit log say it lapsed. Safe to
    run again: a lapsed share is revoked, and skipped. Returns how many lapsed."""
    now = now or timezone.now()
    lapsed = 0
    while True:
        with transaction.atomic():
            due = list(
                Share.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("case", "agency", "shared_by")
                .filter(revoked_at__isnull=True, lapses_at__lte=now)
                .order_by("lapses_at")[:100]
            )
            for share in due:
                share.revoked_at = now
                share.revoke_reason = (
                    "Lapsed: the child left the area and the placement notice was not renewed."
                )
                share.save(update_fields=["revoked_at", "revoke_reason"])
                sync_agency_permissions(share.case, share.agency)
                # The entry is the rule's; it is recorded under the person whose placement
                # notice made the share, as the share's own entry was.
                record_on_chronology(
                    share.case, share.shared_by or share.case.opened_by, "share_revoked",
                    f"{share.agency.name}'s access lapsed: the child left the area it covers "
                    f"and the placement notice was not renewed.",
                    occurred_at=share.lapses_at,
                )  # fmt: skip
                record(
                    Action.SHARE_LAPSED, target_type="case", target_id=share.case_id,
                    detail={"share": share.pk, "agency": share.agency_id},
                )  # fmt: skip
        lapsed += len(due)
        if len(due) < 100:
            return lapsed

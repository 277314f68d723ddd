"""Telling other agencies what happened to a case: who, by when, and that they took it in.

The outbox (DESIGN.md, notifications): `notify` writes one `Notification` per recipient
agency, and a `Delivery` per channel, inside the caller's transaction, so a placement or
missing report and its notifications commit together or not at all. The notification row
*is* the agency's inbox item from the moment of commit: nothing between the database and
the inbox can lose or delay it. After commit, Celery tasks (notifications.tasks) send the email
and webhook of each; if Redis is down at that moment, the beat sweep sends them later.

Recipients, by rule: the police force, children's social care and health bodies covering
the area (the placement's), the placing authority, and every agency holding a share on
the case; never the agency that caused it, never one twice.
"""

import datetime as dt
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases.roles import Act, may
from cases.services import record_on_chronology
from notifications.models import Delivery, Notification
from notifications.tasks import queue_deliveries
from people.models import Agency, Area, Person
from people.selectors import agencies_covering, calendars_for
from sharing.models import Share
from sharing.services import acknowledge_share, seen_only_through, share_case

AREA_KINDS = [Agency.Kind.POLICE, Agency.Kind.SOCIAL_CARE, Agency.Kind.HEALTH]


def recipients(
    case, *, caused_by: Agency, area: Area | None = None, placing_authority: Agency | None = None
) -> list[Agency]:
    """Who must be told, in a fixed order (area agencies, placing authority, sharers)."""
    found: dict[int, Agency] = {}
    if area is not None:
        for agency in agencies_covering(area, AREA_KINDS):
            found.setdefault(agency.pk, agency)
    if placing_authority is not None:
        found.setdefault(placing_authority.pk, placing_authority)
    sharers = Agency.objects.filter(shares__case=case, shares__revoked_at__isnull=True).distinct()
    for agency in sharers.order_by("name"):
        found.setdefault(agency.pk, agency)
    found.pop(caused_by.pk, None)
    return list(found.values())


# Acknowledged in elapsed time, whatever the day: a missing child cannot wait for Monday.
# Every other kind in the working days of the agency told (a partner check is given the
# check's own deadline instead: triage.services.check_due).
ELAPSED_KINDS = {
    Notification.Kind.MISSING,
    Notification.Kind.MISSING_REGRADED,
    Notification.Kind.RETURNED,
    Notification.Kind.RETURN_INTERVIEW_OVERDUE,
}
WORKING_DAY_KINDS = (
    set(Notification.Kind.values) - ELAPSED_KINDS - {Notification.Kind.PARTNER_CHECK}
)


def acknowledge_by(kind: str, start: dt.datetime, agencies: list[Agency]) -> dict[int, dt.datetime]:
    """When each agency's unacknowledged notification of this kind is escalated: a missing
    child in minutes and hours, whatever the day; a placement in the working days of the
    agency told (its nation's bank holidays and its closure days: people.calendar)."""
    if kind in (Notification.Kind.MISSING, Notification.Kind.MISSING_REGRADED,
                Notification.Kind.RETURNED):  # fmt: skip
        elapsed = dt.timedelta(minutes=settings.NOTIFY_MISSING_ACK_MINUTES)
        return {agency.pk: start + elapsed for agency in agencies}
    if kind == Notification.Kind.RETURN_INTERVIEW_OVERDUE:
        elapsed = dt.timedelta(hours=settings.NOTIFY_INTERVIEW_ACK_HOURS)
        return {agency.pk: start + elapsed for agency in agencies}
    calendars = calendars_for(agency.pk for agency in agencies)
    days = settings.NOTIFY_PLACEMENT_ACK_WORKING_DAYS
    return {pk: calendar.add_working_days(start, days) for pk, calendar in calendars.items()}


def notify(
    case,
    kind: str,
    subject_id: int,
    summary: str,
    person: Person,
    agencies: Iterable[Agency],
    *,
    escalated: bool = False,
    reference: str = "",
    due: dt.datetime | None = None,
    now: dt.datetime | None = None,
    shares: dict[int, Share] | None = None,
) -> list[Notification]:
    """Write the notifications and their deliveries now; send them once this commits.

    Must be called inside the transaction of the change it reports. `summary` is what an
    email may carry: a case reference and what happened, never a child's name. An
    `escalated` notification (something already late) goes straight to the agency's MASH
    managers as well as its duty address. MASH work before a case exists has no case:
    `reference` then names what it is about (a contact's reference); `due` overrides the
    kind's acknowledgement deadline (a partner check is due when the MASH needs its answer).
    `now` is when they are sent (the deadlines count from it); the clock if not given.
    `shares` (by agency id) are the shares the event itself made for the agencies told:
    each is linked to its agency's notification and acknowledged with it.
    """
    now = now or timezone.now()
    agencies = list(agencies)
    deadlines = acknowledge_by(kind, now, agencies) if due is None else {}
    made = Notification.objects.bulk_create(
        Notification(
            agency=agency,
            case=case,
            subject_reference=reference or case.reference,
            kind=kind,
            summary=summary,
            subject_id=subject_id,
            caused_by=person,
            caused_by_agency=person.agency,
            created_at=now,
            acknowledge_by=due or deadlines[agency.pk],
            escalated_at=now if escalated else None,
            share=(shares or {}).get(agency.pk),
        )
        for agency in agencies
    )
    first = Delivery.Channel.ESCALATION if escalated else Delivery.Channel.EMAIL
    deliveries = Delivery.objects.bulk_create(
        Delivery(notification=notification, channel=channel, next_attempt_at=now)
        for notification in made
        for channel in (
            [first, Delivery.Channel.WEBHOOK] if notification.agency.webhook_url else [first]
        )
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        # One task per delivery after commit; if Redis is down the sweep sends them later.
        transaction.on_commit(lambda: queue_deliveries(ids))
    return made


def inbox(agency: Agency):
    """The agency's notifications: unacknowledged first, soonest deadline first."""
    return (
        Notification.objects.filter(agency=agency)
        .select_related("caused_by_agency", "acknowledged_by")
        # Unacknowledged (NULL) first: PostgreSQL would otherwise sort NULLs last.
        .order_by(F("acknowledged_at").desc(nulls_first=True), "acknowledge_by", "-id")
    )


def unacknowledged_count(agency: Agency | None) -> int:
    if agency is None:
        return 0
    return waiting_for(agency).count()


def waiting_for(agency: Agency):
    """The agency's notifications still asking to be acknowledged (not withdrawn)."""
    return Notification.objects.filter(
        agency=agency, acknowledged_at__isnull=True, withdrawn_at__isnull=True
    )


@transaction.atomic
def acknowledge_notification(notification: Notification, person: Person) -> Notification:
    """The recipient agency has taken it in: who and when, on the notification and on
    the case chronology (what the sending agency sees). Again is harmless.

    One event, one acknowledgement: a share the event made for the agency (a placement
    notice's view access) is acknowledged with it, when the person's role may acknowledge
    shares (SECURITY.md: acknowledging a notification is open to every role, a share is
    not; an agency admin's acknowledgement leaves the share for a caseworker). Each is
    audited; the one chronology entry says both.
    """
    if notification.share_id is not None:
        # The share first, then the notification: the order acknowledge_share takes them
        # in, so two people acknowledging the one event from the two pages queue, not
        # deadlock.
        Share.objects.select_for_update().filter(pk=notification.share_id).first()
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if person.agency_id is None or person.agency_id != notification.agency_id:
        # Only the agency told can say it has taken it in; nobody acknowledges for another.
        raise PermissionDenied("Only the agency this notification went to can acknowledge it.")
    if notification.acknowledged_at is not None:
        return notification
    share = notification.share
    with_share = (
        share is not None
        and share.acknowledged_at is None
        and share.revoked_at is None
        and may(person, Act.ACKNOWLEDGE_SHARE)
    )
    if with_share:
        acknowledge_share(share, person, with_notice=True)
    _acknowledge(notification, person, chronology=True, with_share=with_share)
    return notification


def _acknowledge(
    notification: Notification, person: Person, *, chronology: bool, with_share: bool
) -> None:
    """Mark a locked notification acknowledged, on the chronology if asked, and audit it."""
    notification.acknowledged_at = timezone.now()
    notification.acknowledged_by = person
    notification.save(update_fields=["acknowledged_at", "acknowledged_by"])
    if chronology and notification.case_id is not None:
        also = " The access it gave was acknowledged with it." if with_share else ""
        record_on_chronology(
            notification.case,
            person,
            "notification_acknowledged",
            f"{notification.get_kind_display()}: acknowledged by {person.agency.name} "
            f"({person.get_full_name() or person.username}).{also}",
        )
    about_case = notification.case_id is not None
    detail = {"notification": notification.pk, "kind": notification.kind}
    if notification.share_id is not None:
        detail |= {"share": notification.share_id, "with_share": with_share}
    record(
        Action.NOTIFICATION_ACKNOWLEDGED,
        actor=person,
        target_type="case" if about_case else "notification",
        target_id=notification.case_id if about_case else notification.pk,
        detail=detail,
    )


def acknowledge_with_share(person: Person, share: Share) -> None:
    """A share acknowledged on the shares page or API takes the notification of the event
    that made it with it, so the agency is not asked twice and the notice stops escalating.

    Registered with `sharing.registry.on_share_acknowledged`: runs in `acknowledge_share`'s
    transaction, the share already locked. The share's chronology entry stands for both.
    """
    waiting = Notification.objects.select_for_update().filter(
        share=share, agency_id=share.agency_id, acknowledged_at__isnull=True
    )
    for notification in waiting.order_by("pk"):
        _acknowledge(notification, person, chronology=False, with_share=True)


def ensure_view_share(
    case,
    person: Person,
    agency: Agency,
    purpose: str,
    lawful_basis: str = "placement",
) -> Share | None:
    """Give `agency` at least view access to the case (by rule, not by a manager's choice:
    an agency told about a child must be able to open the case).

    Returns the share made (to be linked to the event's notification: `notify(shares=)`),
    or None: an agency already holding a share keeps it.
    """
    if Share.objects.filter(case=case, agency=agency, revoked_at__isnull=True).exists():
        return None
    return share_case(
        case,
        person,
        agency,
        Share.Level.VIEW,
        lawful_basis,
        purpose,
        by_rule=True,
    )


# The agency's webhook ----------------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _webhook_changed(
    person: Person,
    agency: Agency,
    url: str,
    *,
    secret_generated: bool,
    address_changed: bool = False,
    removed: bool = False,
) -> None:
    """One audit event for every change to the webhook, whichever page made it."""
    record(
        Action.WEBHOOK_CHANGED,
        actor=person,
        target_type="agency",
        target_id=agency.pk,
        # Never the secret, nor the full address (it may carry a token of the receiver's).
        detail={
            "host": urlsplit(url).hostname or "",
            "address_changed": address_changed,
            "removed": removed,
            "secret_generated": secret_generated,
        },
    )


@transaction.atomic
def set_webhook(person: Person, agency: Agency, url: str) -> str | None:
    """Set (or remove) the agency's webhook address. A first address gets a new secret,
    which is returned to be shown once; removing the address removes the secret."""
    secret = None
    fields = {"webhook_url": url}
    if url and not agency.webhook_secret:
        secret = fields["webhook_secret"] = _new_secret()
    if not url:
        fields["webhook_secret"] = ""
    Agency.objects.filter(pk=agency.pk).update(**fields)
    changed = url != agency.webhook_url
    for name, value in fields.items():
        setattr(agency, name, value)
    _webhook_changed(
        person,
        agency,
        url,
        address_changed=changed,
        removed=not url,
        secret_generated=secret is not None,
    )
    return secret


@transaction.atomic
def rotate_webhook_secret(person: Person, agency: Agency) -> str:
    """A new signing secret, at once: the old one stops working (tell the receiver first)."""
    secret = _new_secret()
    Agency.objects.filter(pk=agency.pk).update(webhook_secret=secret)
    agency.webhook_secret = secret
    _webhook_changed(person, agency, agency.webhook_url, secret_generated=True)
    return secret


def tell_of_emergency_access(person: Person, access) -> None:
    """Someone outside the case broke the glass: the agencies that manage it (its lead and
    any with a manage share) get an inbox item as well as the chronology line, to check it
    was needed, acknowledged in their working days. Registered with
    `sharing.registry.on_emergency_access`, so it runs in the grant's transaction. The
    summary names the agency, never the child or the reason (it may go by email)."""
    case = access.case
    managing = {case.lead_agency_id: case.lead_agency}
    shares = Share.objects.filter(case=case, level=Share.Level.MANAGE, revoked_at__isnull=True)
    for share in shares.select_related("agency"):
        managing.setdefault(share.agency_id, share.agency)
    managing.pop(person.agency_id, None)
    notify(
        case,
        Notification.Kind.EMERGENCY_ACCESS,
        access.pk,
        f"Case {case.reference}: emergency access used by {person.agency.name}",
        person,
        list(managing.values()),
    )


def tell_whose_child_it_is(person: Person, case) -> None:
    """A partner opened its own case on a child it sees through another agency's case:
    tell each such case's managing agency, and put it in that case's access reports.

    Registered with `cases.registry.on_case_opened`, so it runs in `open_case`'s
    transaction (SECURITY.md, "Passing on").
    """
    for original in seen_only_through(case, person.agency):
        record(
            Action.OWN_CASE_OPENED,
            actor=person,
            target_type="case",
            target_id=original.pk,
            detail={"case": case.pk, "reference": case.reference, "agency": person.agency_id},
        )
        notify(
            original,
            Notification.Kind.OWN_CASE_OPENED,
            case.pk,
            f"{person.agency.name} opened its own case {case.reference} on the child of "
            f"{original.reference}, which it sees through your share.",
            person,
            [original.lead_agency],
        )

"""Reads for the inbox pages: an agency's notifications, and its deliveries not made."""

from collections.abc import Iterable

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from notifications.models import Delivery, DeliveryAttempt, Notification
from notifications.services import WORKING_DAY_KINDS, inbox
from people.models import Agency, Person
from people.selectors import calendars_for
from safeguarding.compiled import CompiledQuery, CompiledRows
from sharing.models import Share


def received(person: Person) -> QuerySet:
    """The person's agency's notifications, unacknowledged first."""
    if person.agency_id is None:
        return Notification.objects.none()
    return inbox(person.agency)


# Compiled once (per agency) for every page of the inbox: building them cost more than
# running them (issue 18). The page is planned for each run (which agency it is decides
# the plan); the shares are planned once per connection.
INBOX = CompiledQuery("an agency's inbox, a page at a time", written_in=True)
HELD_SHARES = CompiledQuery("which of some cases an agency holds a share of", generic=True)


def received_pages(person: Person) -> QuerySet | CompiledRows:
    """`received(person)` for a paginator, its count and each page compiled once."""
    if person.agency_id is None:
        return received(person)
    agency = person.agency
    return CompiledRows(INBOX, agency.pk, lambda now: inbox(agency), timezone.now())


def with_can_open(person: Person, notifications: Iterable[Notification]) -> list[Notification]:
    """Mark each notification (`can_open`) with whether the agency holds a live share of its
    case: one query for the page. As an annotation of `received`, the planner hashed every
    share the agency holds (85,000 in the big synthetic county) to mark 25 rows."""
    notifications = list(notifications)
    case_ids = {n.case_id for n in notifications if n.case_id}
    held = set()
    if case_ids:
        held = {
            case_id
            for (case_id,) in HELD_SHARES.rows(
                (),
                lambda now, ids, agency: Share.objects.filter(
                    case_id__any=ids, agency_id__equal_to=agency, revoked_at__isnull=True
                ).values_list("case_id"),
                timezone.now(),
                ids=sorted(case_ids),
                agency=person.agency_id,
            )
        }
    for notification in notifications:
        notification.can_open = notification.case_id in held
    return notifications


def waiting(person: Person) -> QuerySet:
    """The agency's notifications nobody has acknowledged, soonest deadline first: the top
    of the person's worklist (the home page, which marks those shown `with_can_open`)."""
    return received(person).filter(acknowledged_at__isnull=True, withdrawn_at__isnull=True)


def undelivered(agency: Agency) -> QuerySet:
    """Deliveries to the agency not (yet) made: failed after every retry first, then those
    still being retried, newest first, each with its attempts (at most NOTIFY_MAX_ATTEMPTS)."""
    failed_first = models.Case(
        models.When(state=Delivery.State.FAILED, then=0),
        default=1,
        output_field=models.IntegerField(),
    )
    return (
        Delivery.objects.filter(
            notification__agency=agency,
            state__in=[Delivery.State.FAILED, Delivery.State.PENDING],
        )
        .select_related("notification__case")
        .prefetch_related(
            Prefetch("tries", queryset=DeliveryAttempt.objects.order_by("-attempted_at", "-id"))
        )
        .order_by(failed_first, "-notification__created_at", "-id")
    )


def with_acknowledge_notes(notifications) -> None:
    """Mark each notification acknowledged in working days (`acknowledge_note`) with the
    bank holidays and closure days of the agency told that moved its deadline. Two
    queries for a page, none if no notification on it counts working days."""
    rows = list(notifications)
    for row in rows:
        row.acknowledge_note = ""
    working = [n for n in rows if n.kind in WORKING_DAY_KINDS]
    if not working:
        return
    calendars = calendars_for({n.agency_id for n in working})
    for n in working:
        n.acknowledge_note = calendars[n.agency_id].moved_by(n.created_at, n.acknowledge_by)

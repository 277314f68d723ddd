"""Periodic work on missing episodes: return home interviews not held in time, and
missing-from-care profiles kept past their retention period, and placement notices' shares
that lapse once the child has left the area.

It lives here, not in notifications.tasks, because notifications sits below missing
(DESIGN.md, Layers): this layer reads its own interviews and calls notify() below it.
"""

from celery import shared_task
from django.db import transaction

from missing import profiles
from missing.models import ReturnInterview
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import as_of
from safeguarding.uk_time import said
from sharing.services import lapse_due_shares


@shared_task(name="missing.tasks.escalate_return_interviews")
def escalate_return_interviews(now: str | None = None) -> int:
    """Escalate return home interviews not held by their deadline (72 hours after the
    return) to the placing authority's MASH managers and duty address, once each
    (escalated_at); notify() delivers it on commit like any other escalation. `now` as
    for notifications.tasks.escalate.
    """
    now = as_of(now)
    with transaction.atomic():
        late = list(
            ReturnInterview.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("episode__case", "episode__reported_by", "agency")
            .filter(completed_at__isnull=True, escalated_at__isnull=True, due_at__lt=now)
            .order_by("due_at")[:200]
        )
        for interview in late:
            interview.escalated_at = now
            interview.save(update_fields=["escalated_at"])
            case = interview.episode.case
            # Sent (escalated) on commit by notify itself.
            notify(
                case,
                Notification.Kind.RETURN_INTERVIEW_OVERDUE,
                interview.pk,
                f"Case {case.reference}: return home interview overdue "
                f"(due {said(interview.due_at)})",
                interview.episode.reported_by,
                [interview.agency],
                escalated=True,
            )
    return len(late)


@shared_task(name="missing.tasks.erase_expired_profiles")
def erase_expired_profiles(now: str | None = None) -> int:
    """Erase the photo and third parties' details of each profile on a case closed more
    than PROFILE_RETENTION_DAYS ago (missing.profiles.erase_expired; SECURITY.md)."""
    return profiles.erase_expired(as_of(now))


@shared_task(name="missing.tasks.lapse_placement_shares")
def lapse_placement_shares(now: str | None = None) -> int:
    """Revoke the placement notices' shares whose lapse is due: the child left the area and
    the agency did not renew (sharing.services.lapse_due_shares)."""
    return lapse_due_shares(as_of(now))

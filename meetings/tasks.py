"""Actions left open past their day, escalated once each (issue 22), like notifications:
an escalated notice to the owning agency goes to its MASH managers and duty address.

The day an action is overdue from is set when it is agreed, from the owner's calendar
(meetings.services.overdue_from), so a weekend or bank holiday moves it, never this task.
"""

from celery import shared_task
from django.db import transaction

from meetings.models import Action
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import as_of
from safeguarding.uk_time import said


@shared_task(name="meetings.tasks.escalate_actions")
def escalate_actions(now: str | None = None) -> int:
    """Escalate each open action whose day has passed, once (`now` as for
    notifications.tasks.escalate)."""
    now = as_of(now)
    with transaction.atomic():
        due = list(
            Action.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Action.Status.OPEN, escalated_at__isnull=True, overdue_from__lte=now)
            .select_related("case", "owner", "created_by", "meeting")
            .order_by("overdue_from", "id")[:200]
        )
        for action in due:
            action.escalated_at = now
            action.save(update_fields=["escalated_at"])
            notify(
                action.case, Notification.Kind.MEETING_ACTION_OVERDUE, action.pk,
                f"Case {action.case.reference}: an action for your agency from the "
                f"{action.meeting.get_kind_display().lower()} on {said(action.meeting.held_at)} "
                f"was due {said(action.due_on)} and is still open",
                action.created_by, [action.owner], escalated=True, now=now,
            )  # fmt: skip
    return len(due)

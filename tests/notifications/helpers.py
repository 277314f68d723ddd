"""What the notifications' tests share: London times, and the agencies told of one thing."""

import datetime as dt
import zoneinfo

from notifications.models import Notification

LONDON = zoneinfo.ZoneInfo("Europe/London")


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def told(kind: str, subject_id: int) -> list[str]:
    """Names of the agencies notified of one event, in name order."""
    return sorted(
        Notification.objects.filter(kind=kind, subject_id=subject_id).values_list(
            "agency__name", flat=True
        )
    )


def names(*agency_objects) -> list[str]:
    return sorted(a.name for a in agency_objects)

"""What the placement and missing-episode API's tests share (tests/missing/test_api_*.py):
the agencies' names, the bodies sent, and reading who was told and the chronology."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

NORFOLK_CHILDRENS = "Norfolk County Council Children's Services"


SUFFOLK_CHILDRENS = "Suffolk County Council Children's Services"


HOSPITAL = "Norfolk and Norwich University Hospitals NHS Foundation Trust"


def ago(**delta) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def ahead(**delta) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


def placement(world, **fields) -> dict:
    return {
        "area": world.areas["suffolk"].pk,
        "address": "1 Example Road, Ipswich",
        "postcode": "ip1 1aa",
        "provider_type": "childrens_home",
        "started_at": ago(hours=2),
    } | fields


def missing(**fields) -> dict:
    return {
        "last_seen_at": ago(hours=3),
        "last_seen_where": "Norwich bus station",
        "circumstances": "Did not come back from school",
        "risk": "high",
    } | fields


def a_return(**fields) -> dict:
    return {"returned_at": ago(minutes=10), "how_found": "Found by police at a friend's"} | fields


def post(client, name, *args, data=None):
    return client.post(reverse(name, args=args), data or {}, content_type="application/json")


def told(kind: str, subject_id: int) -> list[str]:
    """The agencies notified of one thing, by name."""
    return sorted(
        Notification.objects.filter(kind=kind, subject_id=subject_id).values_list(
            "agency__name", flat=True
        )
    )


def chronology(client, case) -> list[dict]:
    response = client.get(reverse("api-case-entries", args=[case.pk]))
    assert response.status_code == 200
    return response.json()["results"]

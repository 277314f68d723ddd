"""Reads of shares and emergency accesses, for those who may already see the case."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case
from people.models import Person
from safeguarding.compiled import CompiledQuery
from sharing.models import EmergencyAccess, Share


def agencies_with_access(case: Case) -> QuerySet:
    return (
        Share.objects.filter(case=case)
        .select_related("agency", "shared_by", "acknowledged_by", "revoked_by")
        .order_by("revoked_at", "-shared_at")
    )


def emergency_accesses(case: Case) -> QuerySet:
    """Every emergency access to the case, current and ended, newest first."""
    return (
        EmergencyAccess.objects.filter(case=case)
        .select_related("person__agency")
        .order_by("-granted_at")
    )


def case_page_context(person: Person, case: Case, *, may_manage: bool) -> dict:
    """The case page's warning to a person reading it under emergency access, until when
    (registered with `cases.registry`). The shares and every emergency access are on the
    case's "Access and activity" page (reports), for those who manage it."""
    mine = MINE.objects((), _mine, timezone.now(), case=case.pk, person=person.pk)
    return {"my_emergency_access": mine[0] if mine else None}


# Asked on every case page: compiled once, planned once per connection (issue 18).
MINE = CompiledQuery("a person's current emergency access to a case", generic=True)


def _mine(now: dt.datetime, case, person) -> QuerySet:
    return EmergencyAccess.objects.filter(
        case_id__equal_to=case, person_id__equal_to=person, expires_at__gt=now
    ).order_by("-expires_at", "-id")[:1]

"""Reads of shares and emergency accesses, for those who may already see the case."""

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case
from people.models import Person
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
    mine = (
        EmergencyAccess.objects.filter(case=case, person=person, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )
    return {"my_emergency_access": mine}

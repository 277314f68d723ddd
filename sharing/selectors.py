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
    """The case page's shares and emergency accesses (registered with `cases.registry`).

    Those who manage the case see every share and emergency access; a person reading it
    under emergency access sees until when.
    """
    accesses = list(emergency_accesses(case))
    now = timezone.now()
    mine = [a for a in accesses if a.person_id == person.pk and a.expires_at > now]
    return {
        "shares": list(agencies_with_access(case)) if may_manage else [],
        "emergency_accesses": accesses if may_manage else [],
        "my_emergency_access": mine[0] if mine else None,
    }

"""Reads of placements and missing episodes, on a case the person was let into.

Callers fetch the case for the person first (`cases.selectors.case_for`), which is where
access is decided; these read what belongs to that case.
"""

from django.db.models import QuerySet

from cases.models import Case
from missing.models import MissingEpisode, Placement


def placements(case: Case) -> QuerySet:
    """Every placement recorded on the case, latest start first."""
    return (
        Placement.objects.filter(case=case)
        .select_related("placing_authority", "area", "recorded_by")
        .order_by("-started_at", "-id")
    )


def current_placement(case: Case) -> Placement | None:
    """The child's current placement if it was recorded on this case (a child's placement on
    another case is that case's business, and may not be visible to the person)."""
    return (
        Placement.objects.select_related("area", "placing_authority")
        .filter(child_id=case.child_id, case=case, ended_at__isnull=True)
        .first()
    )


def missing_episodes(case: Case) -> QuerySet:
    """The case's missing episodes, newest first, each with its return home interview."""
    return (
        MissingEpisode.objects.filter(case=case)
        .select_related("reporting_agency", "return_interview__agency")
        .order_by("-reported_at", "-id")
    )


def missing_episode(case: Case, episode_id) -> MissingEpisode | None:
    try:
        return missing_episodes(case).filter(pk=int(episode_id)).first()
    except (TypeError, ValueError):
        return None

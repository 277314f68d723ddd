"""Reads of placements and missing episodes, on a case the person was let into, and the
return home interviews a person's authority owes.

Callers fetch the case for the person first (`cases.selectors.case_for`), which is where
access is decided; these read what belongs to that case. The interviews owed are read for
a person, on the cases their agency may see (`cases.selectors.agency_rows`).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from cases.models import Case, Entry
from cases.selectors import agency_rows
from missing.models import MissingEpisode, Placement, RepeatMissingAlert, ReturnInterview
from people.models import Person


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
        .select_related("reporting_agency", "last_seen_area", "return_interview__agency")
        .order_by("-reported_at", "-id")
    )


def missing_episode(case: Case, episode_id) -> MissingEpisode | None:
    try:
        return missing_episodes(case).filter(pk=int(episode_id)).first()
    except (TypeError, ValueError):
        return None


INTERVIEW_DUE_SOON = dt.timedelta(hours=24)


def interviews_due(person: Person, now: dt.datetime | None = None) -> QuerySet:
    """Return home interviews the person's authority owes, overdue or due within a day, on
    cases its agency may see."""
    now = now or timezone.now()
    return (
        ReturnInterview.objects.filter(
            agency_id=person.agency_id,
            completed_at__isnull=True,
            due_at__lte=now + INTERVIEW_DUE_SOON,
            episode__case__in=agency_rows(person).values("content_object_id"),
        )
        .select_related("episode__case__child")
        .order_by("due_at", "id")
    )


def open_repeat_alerts() -> QuerySet:
    """For a subquery of rows with a `case_id`: that case's repeat-missing alerts with no
    strategy discussion on its chronology since they were raised, the soonest due first
    (the strip's flag, the triage screen's missing list)."""
    discussed = Entry.objects.filter(
        case_id=OuterRef("case_id"),
        category=Entry.Category.STRATEGY_DISCUSSION,
        recorded_at__gte=OuterRef("raised_at"),
    )
    return (
        RepeatMissingAlert.objects.filter(case_id=OuterRef("case_id"))
        .exclude(Exists(discussed))
        .order_by("due_at", "id")
    )

"""The placements and missing episodes on the child's journey (cases.journey), which
`cases` may not read itself: registered with cases.registry in MissingConfig.ready().

Each row is shown only where the person sees the chronology entry its service wrote
(`cases.selectors.on_chronology`), so the journey shows exactly what the chronology
would. Two queries, whatever the case holds.
"""

import datetime as dt

from django.db.models import Q

from cases.journey import Event, Kind
from cases.models import Case, Entry
from cases.selectors import on_chronology
from missing.models import MissingEpisode, Placement
from people.models import Person
from safeguarding.uk_time import length


def placement_event(placement: Placement) -> Event:
    where = f"{placement.get_provider_type_display()} in {placement.area.name}"
    ended = f" Ended: {placement.end_reason}." if placement.end_reason else ""
    return Event(
        kind=Kind.PLACEMENT,
        start=placement.started_at,
        end=placement.ended_at,
        ongoing=placement.ended_at is None,
        title=where,
        detail=f"{where}.{ended}",
        by=f"Placed by {placement.placing_authority.name}",
    )


def missing_event(episode: MissingEpisode, now: dt.datetime) -> Event:
    risk = f"{episode.get_risk_display().lower()} risk"
    where = f"Last seen at {episode.last_seen_where}."
    if episode.returned_at is None:
        gone = length(episode.last_seen_at, now)
        title, detail = f"still missing, {gone}", f"Still missing after {gone}, {risk}. {where}"
    else:
        gone = length(episode.last_seen_at, episode.returned_at)
        title, detail = f"missing {gone}", f"Missing {gone}, {risk}. {where}"
    return Event(
        kind=Kind.MISSING,
        start=episode.last_seen_at,
        end=episode.returned_at,
        ongoing=episode.returned_at is None,
        title=title,
        detail=detail,
        by=f"Reported by {episode.reporting_agency.name}",
    )


def journey_events(
    person: Person, case: Case, *, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[Event]:
    """The case's placements and missing episodes that overlap `start` to `end` and whose
    chronology entries the person sees."""
    placements = (
        Placement.objects.filter(case=case, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .filter(on_chronology(case, person, Entry.Category.PLACEMENT, "started_at"))
        .select_related("area", "placing_authority")
        .order_by("started_at", "id")
    )
    episodes = (
        MissingEpisode.objects.filter(case=case, last_seen_at__lt=end)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=start))
        .filter(on_chronology(case, person, Entry.Category.MISSING, "last_seen_at"))
        .select_related("reporting_agency")
        .order_by("last_seen_at", "id")
    )
    return [placement_event(p) for p in placements] + [missing_event(e, now) for e in episodes]

"""Reads about areas, agencies and people that other slices and pages ask for.

One query for "the agencies covering an area", so that the MASH a contact goes to, the
agencies told about a child placed or missing there, and the partners asked first all mean
the same thing by it.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from people.calendar import Calendar, nation_of
from people.models import Agency, Area, ClosureDay, Person, SignedInSession
from safeguarding.compiled import CompiledQuery


def agencies_covering(area: Area | int, kinds: Iterable[str] | None = None) -> QuerySet:
    """The agencies covering the area (only of `kinds`, if given), by name."""
    agencies = Agency.objects.filter(areas=area)
    if kinds is not None:
        agencies = agencies.filter(kind__in=list(kinds))
    return agencies.order_by("name")


def areas_covered_by(agency: Agency | int) -> QuerySet:
    """The ids of the areas the agency covers, as a subquery: read from the link table
    alone, so a filter on it joins nothing and finds no duplicates (bench/README.md)."""
    return Agency.areas.through.objects.filter(agency=agency).values("area_id")


def signed_in_sessions(person: Person) -> QuerySet:
    """The person's sessions still alive, newest sign-in first."""
    return SignedInSession.objects.filter(person=person, expire_date__gt=timezone.now()).order_by(
        "-signed_in_at"
    )


def calendar_for(agency: Agency | int | None) -> Calendar:
    """The working days of the agency that must act: its nation's bank holidays (by the
    areas it covers) and its own closure days. No agency: England's, with no closures."""
    if agency is None:
        return Calendar()
    pk = agency if isinstance(agency, int) else agency.pk
    return calendars_for([pk])[pk]


# Compiled once per process, the agencies given on each run: every list of deadlines asks
# (the triage screen, a contact, a partner's checks: issue 18).
AREA_CODES = CompiledQuery("calendars: the agencies' areas", generic=True)
CLOSURES = CompiledQuery("calendars: the agencies' closure days", generic=True)


def calendars_for(agency_ids: Iterable[int]) -> dict[int, Calendar]:
    """`calendar_for` of many agencies at once, for a list of deadlines: two queries."""
    ids = sorted(set(agency_ids))
    codes: dict[int, list[str]] = {pk: [] for pk in ids}
    now = timezone.now()
    for agency_id, code in AREA_CODES.rows(
        (),
        lambda now, ids: Agency.areas.through.objects.filter(agency_id__any=ids).values_list(
            "agency_id", "area__ons_code"
        ),
        now,
        ids=ids,
    ):
        codes[agency_id].append(code)
    closures: dict[int, dict] = {pk: {} for pk in ids}
    for agency_id, day, reason in CLOSURES.rows(
        (),
        lambda now, ids: ClosureDay.objects.filter(agency_id__any=ids).values_list(
            "agency_id", "day", "reason"
        ),
        now,
        ids=ids,
    ):
        closures[agency_id][day] = reason
    return {pk: Calendar(nation_of(codes[pk]), closures[pk]) for pk in ids}

"""Reads about areas, agencies and people that other slices and pages ask for.

One query for "the agencies covering an area", so that the MASH a contact goes to, the
agencies told about a child placed or missing there, and the partners asked first all mean
the same thing by it.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from people.models import Agency, Area, Person, SignedInSession


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

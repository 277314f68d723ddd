"""The case's "Placement and missing" page (missing/templates/missing/includes/
placement_and_missing.html): where the child lives now and the latest missing episodes.

A tab of the case since issue 17 (the case page leads with the chronology; its "At a
glance" strip says whether the child is missing now: missing/flags.py). A constant number
of queries, whatever the case holds: two for placement and episodes, up to four for the
missing-from-care profile's card (missing.profiles).
"""

from django.conf import settings
from django.utils import timezone

from cases.models import Case
from missing import profiles, selectors
from people.models import Person

# The case page lists the newest missing episodes; all of them are on the chronology.
MISSING_EPISODES_SHOWN = 5


def placement_and_missing(person: Person, case: Case, *, may_manage: bool) -> dict:
    """The section's context: the current placement, and the newest episodes with their
    return home interviews (and whether there are earlier ones).

    Everything here is on a case the person may already see, so `person` narrows nothing.
    """
    episodes = list(selectors.missing_episodes(case)[: MISSING_EPISODES_SHOWN + 1])
    now = timezone.now()
    profile = profiles.profile_of(case)
    got = profiles.access(person, case, now)
    return {
        "profile": profile,
        # The episodes whose return the person may record as the police looking for the
        # child, without contribute access (missing.profiles.looking_for).
        "looking_for": profiles.releases_held(person, case) if got.release else set(),
        "profile_access": got,
        "profile_review": profiles.review_of(profile, now) if got.read else None,
        "profile_lapsed_at": profiles.release_ends(got.lapsed.episode) if got.lapsed else None,
        "profile_access_ends": profiles.release_ends(got.release.episode) if got.release else None,
        "grace_hours": settings.PROFILE_RELEASE_GRACE_HOURS,
        "current_placement": selectors.current_placement(case),
        "missing_episodes": episodes[:MISSING_EPISODES_SHOWN],
        "more_missing_episodes": len(episodes) > MISSING_EPISODES_SHOWN,
        # The placement links are for the placing authority (missing.services
        # .require_placing_authority), on top of the role and access (`may.place`).
        "placing_authority": may_manage or person.agency_id == case.child.responsible_authority_id,
    }

"""Matches across cases (issue 20, item 3): the worker's side of recording a link.

Recording a link (links.services.record_link) only writes it and, after commit, queues
`match_link`; the request takes the same path whatever other cases hold, so its timing and
its queries say nothing about them. Here, in the worker, the link is compared with the
thing's other links (those already compared, so each pair is found once, by whichever of
the two came second), under a lock on the thing, so two links of one thing recorded at once
cannot both miss or both find each other.

Each match tells, on each side, the agency that recorded the link and (where the link is
not restricted) the agency leading that side's case, only that another case holds this
thing and whom to ask: the notification names no child, no case and no content, and is not
about a case (DESIGN.md, Links across cases). The holder decides whether to share. A person
who may see both cases sees the link on the chart (links.selectors) instead.

A thing known only by a name has no key (links.normalise): it is never compared.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases import registry
from links.models import Link, Match, Thing
from notifications.models import Notification
from notifications.services import notify
from people.models import Agency

log = logging.getLogger(__name__)

KIND_WORDS = {
    Thing.Kind.PERSON: "a person",
    Thing.Kind.VEHICLE: "a vehicle",
    Thing.Kind.PLACE: "a place",
    Thing.Kind.PHONE: "a phone number",
    Thing.Kind.ACCOUNT: "a social media account",
}


def queue_match(link_id: int) -> None:
    """After commit: queue the comparison. If the broker is down, the sweep finds it."""
    try:
        match_link_task.apply_async(args=[link_id], retry=False)
    except Exception as error:  # the broker is unavailable: the link waits for the sweep
        log.warning("could not queue link %d for matching (%s); the sweep will", link_id, error)


def told_on_side(link: Link) -> list[Agency]:
    """Who is told of a match on this link's side: the agency that recorded it and, when
    the link is not restricted, the agency leading its case."""
    agencies = [link.agency]
    if not link.restricted and link.case.lead_agency_id != link.agency_id:
        agencies.append(link.case.lead_agency)
    return agencies


def summary(kind: str, holder: Agency) -> str:
    """What the notification (and its email) says: the kind of thing and whom to ask."""
    words = KIND_WORDS.get(kind, "something")
    return (
        f"Another case in the Hub holds information about {words} linked to a case of "
        f"yours. Ask {holder.name} to share. See the match in the Hub for what it is."
    )[:300]


def _tell(match: Match, mine: Link, theirs: Link, already: set[int], now: dt.datetime) -> None:
    """Tell `mine`'s side that `theirs` exists: from its recorder, whom they should ask."""
    agencies = [a for a in told_on_side(mine) if a.pk not in already]
    already.update(a.pk for a in agencies)
    if agencies:
        notify(
            None, Notification.Kind.LINK_MATCH, match.pk, summary(match.thing.kind, theirs.agency),
            theirs.recorded_by, agencies, reference=match.reference, now=now,
        )  # fmt: skip


def compare(link_id: int, now: dt.datetime | None = None) -> list[Match]:
    """Compare one link with its thing's other links, once; make and tell each match.

    Safe to run twice, and at once with the comparison of another link of the same thing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            Link.objects.select_for_update(of=("self",))
            .select_related("thing", "case__lead_agency", "agency", "recorded_by")
            .filter(pk=link_id)
            .first()
        )
        if link is None or link.matched_at is not None:
            return []
        made: list[Match] = []
        if link.thing.key:
            # One comparison of this thing at a time: the other link's, if running, commits
            # first and is then among those compared.
            Thing.objects.select_for_update().filter(pk=link.thing_id).first()
            earlier = (
                Link.objects.filter(thing_id=link.thing_id, matched_at__isnull=False)
                .exclude(case_id=link.case_id)
                .select_related("case__lead_agency", "agency", "recorded_by")
                .order_by("id")
            )
            for other in earlier:
                match = Match.objects.create(
                    thing=link.thing, first=other, second=link, found_at=now
                )
                told: set[int] = set()
                _tell(match, other, link, told, now)
                _tell(match, link, other, told, now)
                registry.concern_raised(
                    "link_match", sorted({other.case_id, link.case_id}), match.pk,
                    f"{KIND_WORDS.get(link.thing.kind, 'something').capitalize()} linked to two "
                    "children's cases (a match between cases)",
                )  # fmt: skip
                record(
                    Action.LINK_MATCHED,
                    target_type="match",
                    target_id=match.pk,
                    detail={"kind": link.thing.kind, "links": [other.pk, link.pk],
                            "cases": [other.case_id, link.case_id], "told": sorted(told)},
                )  # fmt: skip
                made.append(match)
        link.matched_at = now
        link.save(update_fields=["matched_at"])
    return made


@shared_task(name="links.matching.match_link")
def match_link_task(link_id: int) -> int:
    """After the commit of the link (each task runs under an audit context of its own)."""
    return len(compare(link_id))


def unmatched(now: dt.datetime):
    """Links whose comparison never ran (queued while Redis was down, or lost)."""
    waited = now - dt.timedelta(seconds=settings.LINKS_MATCH_SWEEP_AFTER_SECONDS)
    return Link.objects.filter(matched_at__isnull=True, recorded_at__lt=waited).order_by("id")


@shared_task(name="links.matching.sweep")
def sweep() -> int:
    """Compare what the after-commit task missed (beat, every minute)."""
    ids = list(unmatched(timezone.now()).values_list("pk", flat=True)[:500])
    for pk in ids:
        compare(pk)
    return len(ids)

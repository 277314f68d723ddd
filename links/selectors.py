"""Reading links across cases (issue 20): what a person may see of them, and nothing else.

A link is read as an entry is: on a case the person may see, unless another agency
restricted it. The other cases that share a thing are shown only where the person may see
them and read their link; a match is read only by an agency it was told to. The area view
(MACE) names a case only to those who may see it, counts the rest, and suppresses a count
under REPORT_SUPPRESS_UNDER, so that no child can be singled out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cases.models import Case
from cases.roles import CASEWORKERS, Act, may
from cases.selectors import agency_rows, person_rows, visible_among
from links.models import Link, Match, Thing, short
from notifications.models import Notification
from people.models import Agency, Area, Person


def readable(person: Person) -> Q:
    """Links the person's agency may read, on whatever case: not another's restricted one."""
    return Q(restricted=False) | Q(agency_id=person.agency_id)


def on_visible_cases(person: Person) -> Q:
    """Links on cases the person may see (their agency's rows, or their emergency access)."""
    return Q(case_id__in=agency_rows(person).values("content_object_id")) | Q(
        case_id__in=person_rows(person).values("content_object_id")
    )


def also_on(person: Person, case: Case, links) -> dict[int, list[Link]]:
    """For each thing of these links: its links on the person's other visible cases that the
    person may read, with their cases and children (one query, whatever the page holds).
    A name alone is a thing of its own, so it is never on another case."""
    things = {link.thing_id for link in links}
    found: dict[int, list[Link]] = defaultdict(list)
    if not things:
        return found
    others = (
        Link.objects.filter(thing_id__in=things)
        .exclude(case_id=case.pk)
        .filter(readable(person))
        .filter(on_visible_cases(person))
        .select_related("case__child")
        .order_by("thing_id", "case_id", "-recorded_at")
        .distinct("thing_id", "case_id")
    )
    for link in others:
        found[link.thing_id].append(link)
    return found


SIDES = [
    "thing",
    *(f"{side}__{path}" for side in ("first", "second")
      for path in ("agency", "recorded_by", "case__lead_agency", "case__child")),
]  # fmt: skip


def similar_names(person: Person, case: Case, links) -> dict[int, list[Link]]:
    """For each person linked here: people on the person's other visible cases, in links
    they may read, who share a name or other name after normalisation but are not the same
    thing (no date of birth on one side, or another one). Suggested only, for a person to
    judge: never a match, never merged, nobody told. One query for the page."""
    people = [link for link in links if link.name_keys]
    found: dict[int, list[Link]] = defaultdict(list)
    if not people:
        return found
    keys = sorted({key for link in people for key in link.name_keys})
    others = list(
        Link.objects.filter(name_keys__overlap=keys)
        .exclude(case_id=case.pk)
        .filter(readable(person))
        .filter(on_visible_cases(person))
        .select_related("case__child")
        .order_by("case_id", "-recorded_at")[:200]
    )
    for link in people:
        mine, cases = set(link.name_keys), set()
        for other in others:
            alike = other.thing_id != link.thing_id and mine & set(other.name_keys)
            if alike and other.case_id not in cases:
                cases.add(other.case_id)
                found[link.pk].append(other)
    return found


def match_for(person: Person, match_id) -> Match | None:
    """A match, if the person's agency was told of it; None for anyone else."""
    told = Notification.objects.filter(
        agency_id=person.agency_id, kind=Notification.Kind.LINK_MATCH, subject_id=match_id
    )
    return (
        Match.objects.filter(pk=match_id if str(match_id).isdigit() else 0)
        .filter(pk__in=told.values("subject_id"))
        .select_related(*SIDES)
        .first()
    )


def match_seen_by(person: Person, match_id) -> Match | None:
    """The match with what the person may know of its sides (`read_sides`), if their agency
    was told of it and their role reads cases (an agency admin reads none); else None."""
    match = match_for(person, match_id) if may(person, Act.VIEW) else None
    return read_sides(person, match) if match is not None else None


def read_sides(person: Person, match: Match) -> Match:
    """What the person may know of each side of a match their agency was told of: whether
    it is their side (their agency recorded it, or leads its case and the link is not
    restricted), whether they read it (they see its case and may read the link), whom to
    ask (the other side's recorder), and whether they see both. Set on the match."""
    cases = [match.first.case_id, match.second.case_id]
    visible = {case.pk for case in visible_among(person, cases)}
    match.sides = []
    for link in (match.first, match.second):
        lead = link.case.lead_agency_id
        mine = person.agency_id == link.agency_id or (
            not link.restricted and person.agency_id == lead
        )
        reads = link.case_id in visible and (
            not link.restricted or link.agency_id == person.agency_id
        )
        match.sides.append({"link": link, "mine": mine, "reads": reads})
    match.readable = [side["link"] for side in match.sides if side["reads"]]
    match.ask_agencies = sorted(
        {side["link"].agency for side in match.sides if not side["mine"]}, key=str
    )
    match.both_visible = all(side["reads"] for side in match.sides)
    return match


def matches_of(agency: Agency, days: int = 90) -> QuerySet:
    """The matches the agency was told of in the last `days`, newest first (IG's list)."""
    since = timezone.now() - dt.timedelta(days=days)
    told = Notification.objects.filter(
        agency=agency, kind=Notification.Kind.LINK_MATCH, created_at__gte=since
    )
    return (
        Notification.objects.filter(pk__in=told.values("pk"))
        .select_related("caused_by_agency", "acknowledged_by")
        .order_by("-created_at", "-id")
    )


@dataclass
class Volume:
    username: str
    name: str
    day: dt.date
    links: int


def unusual_volumes(agency: Agency, days: int = 30) -> list[Volume]:
    """People of the agency who linked more than LINKS_UNUSUAL_PER_DAY things in one day,
    in the last `days`: for IG officers, since matching must not become a search engine."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        Link.objects.filter(agency=agency, recorded_at__gte=since)
        .values("recorded_by_id", "recorded_by__username", "recorded_by__first_name",
                "recorded_by__last_name", "recorded_at__date")
        .annotate(links=Count("id"))
        .filter(links__gt=settings.LINKS_UNUSUAL_PER_DAY)
        .order_by("-recorded_at__date", "-links")
    )  # fmt: skip
    return [
        Volume(
            row["recorded_by__username"],
            f"{row['recorded_by__first_name']} {row['recorded_by__last_name']}".strip(),
            row["recorded_at__date"],
            row["links"],
        )
        for row in rows[:200]
    ]


# The area view (MACE) -------------------------------------------------------------------


@dataclass
class AreaRow:
    """A thing linked to two or more children of the area, as the viewer may know it."""

    thing: Thing
    written: dict  # as the first link the viewer may read wrote it
    seen: list[Link] = field(default_factory=list)  # one per visible child
    others: int = 0  # children the viewer may not see (or whose link they may not read)

    @property
    def what(self) -> str:
        return short(self.thing.kind, self.written)

    @property
    def others_shown(self) -> str:
        """The count of other children, or a suppression: never a small number."""
        return suppressed(self.others)


@dataclass
class AreaView:
    areas: list[Area]
    since: dt.date
    rows: list[AreaRow]
    # Things linked to two or more children that the viewer may name none of: counted only.
    unseen_by_kind: dict[str, str]
    peers: str  # peers under 18 linked to two or more children: counted, never listed
    ethnicity: list[tuple[str, str]]  # adults of concern, by recorded ethnicity
    # By recorded nationality: only those reaching the threshold are named, the rest are
    # one suppressed figure (naming a rare nationality would itself single someone out).
    nationality: list[tuple[str, str]]
    threshold: int

    @property
    def area_codes(self) -> list[str]:
        return [area.ons_code for area in self.areas]

    @property
    def ethnicity_counts(self) -> dict[str, str]:
        return dict(self.ethnicity)

    @property
    def nationality_counts(self) -> dict[str, str]:
        return dict(self.nationality)

    def named(self) -> dict:
        """What a read of it showed, for its audit event: the cases and children named
        (their children's access reports list the read: reports.events.SHOWING_CHILDREN)."""
        seen = [link for row in self.rows for link in row.seen]
        return {
            "areas": self.area_codes,
            "things": len(self.rows),
            "cases": sorted({link.case_id for link in seen}),
            "children": sorted({link.case.child_id for link in seen}),
        }


def suppressed(count: int) -> str:
    """A count the viewer may not otherwise know: itself from the threshold up, below it
    "fewer than" the threshold (none included: a "0" would say that one or more is not),
    so that no child can be singled out."""
    under = settings.REPORT_SUPPRESS_UNDER
    return str(count) if count >= under else f"fewer than {under}"


def _named_or_other(counts: Counter) -> list[tuple[str, str]]:
    """Each value reaching the threshold by name; the rest as one "other" figure."""
    under = settings.REPORT_SUPPRESS_UNDER
    named = sorted((value, n) for value, n in counts.items() if n >= under)
    rest = sum(n for n in counts.values() if n < under)
    return [(value, str(n)) for value, n in named] + [("Any other, or not known", suppressed(rest))]


AREA_REFUSAL = "The area view is for MASH managers and police officers and staff."


def may_see_area(person: Person) -> bool:
    """The area view is for an area's exploitation meeting (MACE): its MASH managers, of any
    agency, and the police's caseworkers."""
    if person.agency_id is None:
        return False
    if person.role == Person.Role.MASH_MANAGER:
        return True
    return person.role in CASEWORKERS and person.agency.kind == Agency.Kind.POLICE


def area_of(person: Person) -> list[Area]:
    """The viewer's area: every area their agency covers. One fixed view, no choices, so
    no suppressed count can be worked out by subtracting one view from another."""
    if person.agency_id is None:
        return []
    return list(person.agency.areas.order_by("name"))


def area_view(person: Person, *, now: dt.datetime | None = None) -> AreaView:
    """The people, vehicles and places linked to two or more children of the viewer's
    area in the last LINKS_AREA_DAYS (cases led by agencies covering it).

    A thing is named when the viewer may read its link on at least two of those children's
    cases, or when the children they may not see reach the threshold; the rest is counted
    by kind, suppressed. A peer (a child) is never named, only counted. Ethnicity is only
    ever an aggregate over the adults of concern.
    """
    now = now or timezone.now()
    areas = area_of(person)
    since = (now - dt.timedelta(days=settings.LINKS_AREA_DAYS)).date()
    leads = Agency.objects.filter(areas__in=areas).values("pk")
    in_area = Link.objects.filter(
        recorded_at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time.min)),
        case__lead_agency_id__in=leads, case__status=Case.Status.OPEN,
    ).exclude(thing__key="")  # fmt: skip
    # The things linked to two or more children, counted in the database (one grouped scan
    # of the area's links); then only their links are read.
    shared = (
        in_area.values("thing_id")
        .annotate(children=Count("case__child_id", distinct=True))
        .filter(children__gte=2)
        .values("thing_id")
    )
    links = list(
        in_area.filter(thing_id__in=shared)
        .select_related("thing", "case__child")
        .order_by("thing_id", "-recorded_at", "-id")
    )
    visible = set(
        Case.objects.filter(pk__in={link.case_id for link in links})
        .filter(
            Q(pk__in=agency_rows(person).values("content_object_id"))
            | Q(pk__in=person_rows(person).values("content_object_id"))
        )
        .values_list("pk", flat=True)
    )
    by_thing: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        by_thing[link.thing_id].append(link)
    rows: list[AreaRow] = []
    unseen: Counter = Counter()
    peers = 0
    ethnicity: Counter = Counter()
    nationality: Counter = Counter()
    for thing_links in by_thing.values():
        children = {link.case.child_id for link in thing_links}
        if len(children) < 2:
            continue
        thing = thing_links[0].thing
        peer = any(link.written.get("relationship") == Link.Relationship.PEER
                   for link in thing_links)  # fmt: skip
        if thing.kind == Thing.Kind.PERSON and peer:
            peers += 1
            continue
        if thing.kind == Thing.Kind.PERSON:
            ethnicity[thing_links[0].written.get("ethnicity", "not_known")] += 1
            said = " ".join(str(thing_links[0].written.get("nationality", "")).split()).title()
            nationality[said if said and said != "Not Known" else "Not known"] += 1
        seen: dict[int, Link] = {}
        for link in thing_links:
            may_read = link.case_id in visible and (
                not link.restricted or link.agency_id == person.agency_id
            )
            if may_read:
                seen.setdefault(link.case.child_id, link)
        others = len(children - set(seen))
        if len(seen) >= 2 or (seen and others >= settings.REPORT_SUPPRESS_UNDER):
            rows.append(AreaRow(thing, next(iter(seen.values())).written,
                                list(seen.values()), others))  # fmt: skip
        else:
            unseen[thing.kind] += 1
    rows.sort(key=lambda row: (-len(row.seen) - row.others, row.thing.kind, row.thing.pk))
    labels = dict(Link.Ethnicity.choices)
    return AreaView(
        areas=areas,
        since=since,
        rows=rows,
        unseen_by_kind={label: suppressed(unseen[kind]) for kind, label in Thing.Kind.choices},
        peers=suppressed(peers),
        ethnicity=[(labels[key], suppressed(ethnicity[key])) for key in labels],
        nationality=_named_or_other(nationality),
        threshold=settings.REPORT_SUPPRESS_UNDER,
    )

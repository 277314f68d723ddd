"""Reads of case data, always for a person: what they may see, and nothing else.

`case_for` is the one place a single case is fetched for a person: anything they may not
see answers 404, whether it exists or not. Lists start from the agency's rows in the
direct foreign-key permission table, so their cost follows what the agency sees, not the
size of the country (DESIGN.md).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases import roles
from cases.access import CODENAME_LEVEL, LEVELS
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Child,
    Entry,
    GroupHighRisk,
    GroupPermissionCount,
    Screening,
    Visit,
    searchable,
)
from cases.validators import normalise_nhs_number
from people.models import Agency, Person
from safeguarding.compiled import CompiledQuery, CompiledRows

NEEDS = {"view": "view_case", "contribute": "contribute_case", "manage": "manage_case"}


def _reads_cases(person: Person) -> bool:
    # A role that reads no cases (an agency admin) sees none, whatever its agency holds.
    return person.agency_id is not None and person.role in roles.RULES[roles.Act.VIEW].roles


# The case permissions' ids, read once per process. Each was a scalar subquery (a join
# would make the planner fetch and sort every visible case before a page: bench/README.md);
# as a literal the planner knows the value and has one subplan fewer to plan for each
# (issue 18; the triage counts have four). Permission rows are made by migrate,
# whose post_migrate (a test's flush too) empties this (cases.apps), as Django empties its
# content types' cache.
_PERMISSION_IDS: dict[str, int] = {}


def permission_ids() -> dict[str, int]:
    """{"view_case": id, "contribute_case": id, "manage_case": id}."""
    if len(_PERMISSION_IDS) < len(NEEDS):
        _PERMISSION_IDS.update(
            Permission.objects.filter(
                content_type__app_label="cases", codename__in=NEEDS.values()
            ).values_list("codename", "pk")
        )
    return _PERMISSION_IDS


def forget_permission_ids(**kwargs) -> None:
    """A post_migrate receiver: the permission rows may have been made again."""
    _PERMISSION_IDS.clear()


def _permission(need: str) -> int:
    return permission_ids()[NEEDS[need]]


def agency_rows(person: Person, need: str = "view") -> QuerySet:
    if not _reads_cases(person):
        return CaseGroupObjectPermission.objects.none()
    return CaseGroupObjectPermission.objects.filter(
        group_id=person.agency.group_id, permission_id=_permission(need)
    )


def high_risk_rows(person: Person, kind: str, since: dt.datetime) -> QuerySet:
    """The high-risk screenings or assessments (`kind`, GroupHighRisk.Kind) since a moment
    on cases the person's agency may see, as the agency's own rows: one index range,
    whatever the country records."""
    if not _reads_cases(person):
        return GroupHighRisk.objects.none()
    return GroupHighRisk.objects.filter(group_id=person.agency.group_id, kind=kind, at__gte=since)


def visible_case_count(person: Person, need: str = "view") -> int:
    """How many cases `visible_cases` holds: what a list's paginator needs.

    One permission row per agency, permission and case (a unique constraint), and the
    database keeps their number per group and permission as they are written
    (GroupPermissionCount: a few rows a key, to be summed), instead of counting them all.
    """
    if not _reads_cases(person):
        return 0
    group, permission = person.agency.group_id, _permission(need)
    counted = GROUP_COUNT.rows(
        (group, permission),
        lambda now: (
            GroupPermissionCount.objects.filter(group_id=group, permission_id=permission)
            .values("group_id")
            .annotate(cases=Sum("cases"))
            .values_list("cases")
        ),
        timezone.now(),
    )
    return int(counted[0][0]) if counted else 0  # SUM of bigints is numeric in PostgreSQL


# Compiled once (per group and permission) and planned once per connection (issue 18).
GROUP_COUNT = CompiledQuery("the cases a group holds, counted", generic=True)
EMERGENCY_IDS = CompiledQuery("a person's cases by emergency access", generic=True)


def person_rows(person: Person, now: dt.datetime | None = None) -> QuerySet:
    """The person's own unexpired rows: emergency access, which only ever reads."""
    return _own_rows(now or timezone.now(), user=person)


def _own_rows(now: dt.datetime, **user) -> QuerySet:
    """`person_rows`, the person given as `user=` or, compiled, `user_id__equal_to=slot`."""
    return CaseUserObjectPermission.objects.filter(
        **user, permission__codename="view_case", expires_at__gt=now
    )


def emergency_case_ids(person: Person) -> list[int]:
    """Cases open to this person alone through unexpired emergency access (a handful)."""
    rows = EMERGENCY_IDS.rows((), _emergency_ids, timezone.now(), user=person.pk)
    return [case_id for (case_id,) in rows]


def _emergency_ids(now: dt.datetime, user) -> QuerySet:
    return _own_rows(now, user_id__equal_to=user).values_list("content_object_id")


@dataclass(frozen=True)
class Held:
    """What the person may do with one case, and under what: read once per request."""

    needs: frozenset[str]  # of "view", "contribute", "manage"
    basis: dict  # how a read is recorded: the share and level, or the emergency access


# Compiled once per agency and process, the case and the person given on each run: every
# page of a case asks it, and building the union cost more than running it (issue 18).
HELD = CompiledQuery("a person's levels on one case", generic=True)


def _held_rows(reads: bool, group: int | None, now: dt.datetime, case, person) -> QuerySet:
    """The agency's rows on the case (if the person's role reads cases) and the person's
    unexpired emergency access to it: kind, codename, the share or access, until when."""
    agency = (
        CaseGroupObjectPermission.objects.filter(group_id=group, content_object_id__any=case)
        if reads
        else CaseGroupObjectPermission.objects.none()
    )
    own = CaseUserObjectPermission.objects.filter(
        user_id__any=person, permission__codename="view_case", expires_at__gt=now,
        content_object_id__any=case,
    )  # fmt: skip
    return (
        agency.annotate(kind=Value("agency"), until=Value(None, DateTimeField()))
        .values_list("kind", "permission__codename", "source_id", "until")
        .union(
            own.annotate(kind=Value("person"), until=F("expires_at")).values_list(
                "kind", "permission__codename", "source_id", "until"
            ),
            all=True,
        )
    )


def held(person: Person, case: Case) -> Held:
    """The person's levels on the case and the basis of a read, in one query (the agency's
    rows and the person's unexpired emergency access, together). On a case object that
    `case_for` fetched, kept for the rest of the request: the case page asks for view,
    contribute and manage and records the basis, each a query of its own before.
    `cases.access` forgets it when it changes the rows of that object (forget_levels)."""
    keep = "_held" in case.__dict__  # a case fetched by case_for, for this request
    cached = case.__dict__.get("_held")
    if cached is not None and cached[0] == person.pk:
        return cached[1]
    reads = person.agency_id is not None and person.role in roles.RULES[roles.Act.VIEW].roles
    group = person.agency.group_id if reads else None
    rows = HELD.rows(
        (reads, group), partial(_held_rows, reads, group), timezone.now(),
        case=[case.pk], person=[person.pk],
    )  # fmt: skip
    shared = [(codename, source) for kind, codename, source, _ in rows if kind == "agency"]
    emergency = sorted(
        ((until, source) for kind, _, source, until in rows if kind == "person"), reverse=True
    )
    needs = {CODENAME_LEVEL[codename] for codename, _ in shared}
    if shared:
        codename, share = max(shared, key=lambda row: LEVELS.index(CODENAME_LEVEL[row[0]]))
        basis = {"via": "share", "share": share, "level": CODENAME_LEVEL[codename]}
    elif emergency:
        basis = {"via": "emergency_access", "access": emergency[0][1]}
    else:
        basis = {"via": "none"}
    if emergency:
        needs.add("view")  # emergency access reads; it never contributes or manages
    found = Held(needs=frozenset(needs), basis=basis)
    if keep:
        case.__dict__["_held"] = (person.pk, found)
    return found


def can(person: Person, case: Case, need: str) -> bool:
    return need in held(person, case).needs


# Compiled once per process: every page of a case reads it (issue 18).
CASE = CompiledQuery("one case, with what its pages show", generic=True)


def _case(now: dt.datetime, ids) -> QuerySet:
    return Case.objects.select_related(
        "child__responsible_authority", "lead_agency", "opened_by__agency"
    ).filter(pk__any=ids)


def case_for(person: Person, case_id, need: str = "view", *, audit_refusal: bool = False) -> Case:
    """The case, if the person may do `need` with it; otherwise 404 (existence not leaked).

    With `audit_refusal`, a refusal is recorded: an access report must show who tried to
    open a case they may not see. It is the one write a selector makes, and it is
    committed even though the page then fails (requests are not atomic).
    """
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404("No such case") from None
    found = CASE.objects((), _case, timezone.now(), ids=[case_id])
    case = found[0] if found else None
    if case is not None:
        case.__dict__["_held"] = None  # read once for this request (held)
    if case is None or not can(person, case, need):
        if audit_refusal:
            record_refusal(person, "case", case_id, need)
        raise Http404("No such case")
    return case


def case_to(person: Person, case_id, act: str) -> Case:
    """The case, for a person about to do `act` with it (cases.roles): 403 if their role may
    never do it (whatever the case: nothing is learnt), then 404 as `case_for` if their
    agency does not hold the action's level on it."""
    roles.require(person, act, target_id=case_id)
    return case_for(person, case_id, need=roles.RULES[act].level, audit_refusal=True)


def record_refusal(person: Person, target_type: str, target_id, need: str) -> None:
    """Record that a person asked for something they may not have (they are shown 404)."""
    record(
        Action.PERMISSION_REFUSED,
        actor=person,
        target_type=target_type,
        target_id=target_id,
        detail={"need": need},
    )


def access_basis(person: Person, case: Case) -> dict:
    """Under what the person reads the case: their agency's share, or emergency access.

    Carried into the read's audit event, so an access report can say which share or
    emergency access let someone see a child's record. Read from the rows that allow the
    read (each names the share or access it comes from), with the levels (`held`).
    """
    return held(person, case).basis


def visible_cases(person: Person, need: str = "view") -> QuerySet:
    """Cases shared with the person's agency (one join from the permission table)."""
    return (
        Case.objects.filter(
            pk__in=agency_rows(person, need).values("content_object_id"),
        )
        .select_related("child", "lead_agency")
        .order_by("-opened_at", "-id")
    )


# Which agency it is decides the plan (a county's 85,000 cases or a team's dozen): the
# agency is written into the statement, planned once per agency and connection.
VISIBLE = CompiledQuery("the cases an agency may see, a page at a time", written_in=True)


def visible_case_pages(person: Person, need: str = "view") -> CompiledRows:
    """`visible_cases(person, need)` for a paginator, each page compiled once per reader."""
    return CompiledRows(
        VISIBLE, (reader_key(person), need), lambda now: visible_cases(person, need), timezone.now()
    )


def visible_among(person: Person, case_ids) -> list[Case]:
    """Those of these cases the person may see (through their agency or their own
    emergency access), with their children, in one query: for lists of other things
    (the inbox, the triage queue) that name a child only to those who may see the case."""
    ids = sorted({case_id for case_id in case_ids if case_id})
    if not ids:
        return []
    return AMONG.objects(
        reader_key(person), _among(person), timezone.now(), ids=ids, user=person.pk
    )


def _among(person: Person) -> Callable[..., QuerySet]:
    """visible_among's query for the person's agency, the cases and the person as slots."""

    def build(now: dt.datetime, ids, user) -> QuerySet:
        agency = agency_rows(person).filter(content_object_id__any=ids)
        own = _own_rows(now, user_id__equal_to=user).filter(content_object_id__any=ids)
        return (
            Case.objects.filter(pk__any=ids)
            .filter(
                Q(pk__in=agency.values("content_object_id"))
                | Q(pk__in=own.values("content_object_id"))
            )
            .select_related("child")
        )

    return build


# Compiled once per reader and planned once per connection: every list of other things that
# names children asks it (issue 18).
AMONG = CompiledQuery("those of some cases a person may see", generic=True)


# Compiled once per agency, role and process, the children given on each run: every page
# with flags asks it (issue 18).
CASES_OF = CompiledQuery("the open cases of children an agency may see", generic=True)


def visible_cases_of(person: Person, child_ids) -> list[Case]:
    """The open cases of these children that the person's agency may see, in one query."""
    ids = sorted({child_id for child_id in child_ids if child_id})
    if not ids:
        return []
    return CASES_OF.objects(
        reader_key(person),
        lambda now, ids: Case.objects.filter(
            child_id__any=ids,
            status=Case.Status.OPEN,
            pk__in=agency_rows(person).values("content_object_id"),
        ),
        timezone.now(),
        ids=ids,
    )


def reader_key(person: Person) -> tuple:
    """What `agency_rows` is built from, the key of a compiled query that uses it: the
    permission ids are in the statement as literals."""
    group = person.agency.group_id if person.agency_id else None
    return (person.agency_id, group, person.role, tuple(sorted(permission_ids().items())))


def emergency_cases(person: Person) -> QuerySet:
    return Case.objects.filter(pk__in=emergency_case_ids(person)).select_related(
        "child", "lead_agency"
    )


def search_children(
    person: Person,
    *,
    name: str = "",
    date_of_birth: dt.date | None = None,
    nhs_number: str = "",
    for_contact: bool = False,
) -> QuerySet:
    """Children with at least one case the person's agency may see, matching every term.

    `for_contact` (recording a contact to the MASH) also finds children the agency
    recorded itself and, for a MASH, children whose contacts it received: a child known
    only through a contact has no case yet, and must not be recorded twice.
    """
    terms = _search_terms(name=name, date_of_birth=date_of_birth, nhs_number=nhs_number)
    if terms is None:
        return Child.objects.none()
    return _found(person, for_contact, **terms).prefetch_related(*_search_prefetch(person))


def _search_terms(*, name: str, date_of_birth: dt.date | None, nhs_number: str) -> dict | None:
    """The search's terms as its query compares them, those not given left out: the name's
    LIKE pattern, the date of birth, the NHS number. None when a name was typed that is only
    punctuation ("-", "'"): it names no one, and an empty term would match everyone."""
    terms: dict = {}
    if name.strip():
        wanted = searchable(name)
        if not wanted:
            return None
        # Escaped as Django's `contains` escapes it (a slot cannot go through the lookup).
        terms["pattern"] = f"%{connection.ops.prep_for_like_query(wanted)}%"
    if date_of_birth:
        terms["born"] = date_of_birth
    if nhs_number.strip():
        terms["nhs"] = normalise_nhs_number(nhs_number)
    return terms


def _found(person: Person, for_contact: bool, pattern: str | None = None, **terms) -> QuerySet:
    """The children the search finds. Compiled, the date of birth and NHS number are slots
    and the name's pattern is in the key: how many children a part of a name matches
    decides the plan (with the name a parameter, the plan expected 5,000 children for any
    name and sent the six it found to parallel workers: 20 ms)."""
    known = Q(cases__in=agency_rows(person).values("content_object_id"))
    if for_contact and person.agency_id is not None:
        known |= Q(created_by__agency_id=person.agency_id) | Q(contacts__mash_id=person.agency_id)
    children = Child.objects.filter(known).distinct()
    if pattern is not None:
        children = children.filter(search_text__like=pattern)
    if "born" in terms:
        children = children.filter(date_of_birth__equal_to=terms["born"])
    if "nhs" in terms:
        children = children.filter(nhs_number__equal_to=terms["nhs"])
    return children.select_related("responsible_authority").order_by(
        "last_name", "first_name", "id"
    )


def _search_prefetch(person: Person) -> tuple:
    visible = agency_rows(person).values("content_object_id")
    return (
        "aliases",
        Prefetch(
            "cases",
            queryset=Case.objects.filter(pk__in=visible).select_related("lead_agency"),
            to_attr="visible_cases",
        ),
    )


# Compiled once per reader, name and the other terms given, planned once per connection:
# a search's results are drawn again as they are paged and gone back to.
SEARCH = CompiledQuery("the children a search finds, a page at a time", written_in=True)


def search_pages(person: Person, *, for_contact: bool = False, **typed) -> CompiledRows | QuerySet:
    """`search_children` (the same terms) for a paginator: each page and the count compiled
    once per reader and terms, each page's aliases and visible cases fetched after it."""
    terms = _search_terms(**{"name": "", "date_of_birth": None, "nhs_number": "", **typed})
    if terms is None:
        return Child.objects.none()
    pattern = terms.pop("pattern", None)
    return CompiledRows(
        SEARCH,
        (reader_key(person), for_contact, pattern, tuple(sorted(terms))),
        lambda now, **slots: _found(person, for_contact, pattern, **slots),
        timezone.now(),
        prefetch=_search_prefetch(person),
        **terms,
    )


def chronology(
    case: Case,
    person: Person,
    *,
    agency_id: int | None = None,
    category: str = "",
    occurred_from: dt.date | None = None,
    occurred_to: dt.date | None = None,
    significant: bool = False,
) -> QuerySet:
    """The case's entries the person may see, in the order things happened, newest first.
    `significant` leaves out the administrative ones (Entry.ADMINISTRATIVE).

    Restricted entries are visible only to their recording agency, here and everywhere
    that reads entries (lists, export, API), because everything reads them through this.
    """
    entries = _readable(person.agency_id, case=case)
    if agency_id:
        entries = entries.filter(agency_id=agency_id)
    if category:
        entries = entries.filter(category=category)
    if occurred_from:
        entries = entries.filter(occurred_at__date__gte=occurred_from)
    if occurred_to:
        entries = entries.filter(occurred_at__date__lte=occurred_to)
    if significant:
        entries = entries.exclude(category__in=Entry.ADMINISTRATIVE)
    return entries


def _readable(reader_agency: int | None, **case) -> QuerySet:
    """A case's entries the reader's agency may read, newest event first (`chronology`)."""
    return (
        Entry.objects.filter(**case)
        .filter(Q(restricted=False) | Q(agency_id=reader_agency))
        .select_related("recorded_by", "agency", "superseded_by")
        .order_by("-occurred_at", "-id")
    )


# The case page's chronology unfiltered (how it opens), compiled once per agency and page
# and planned once per connection: building it cost more than running it (issue 18).
CHRONOLOGY = CompiledQuery("a case's chronology, as its page opens", generic=True)


def chronology_pages(case: Case, person: Person, filters: dict) -> QuerySet | CompiledRows:
    """What the case page pages through: `chronology(case, person, **filters)`, its count
    and each page compiled once when no filter is set."""
    if any(filters.values()):
        return chronology(case, person, **filters)
    agency = person.agency_id
    return CompiledRows(
        CHRONOLOGY,
        agency,
        lambda now, case_id: _readable(agency, case_id__equal_to=case_id),
        timezone.now(),
        case_id=case.pk,
    )


AGENCIES_ON = CompiledQuery("the agencies whose entries a reader sees on a case", generic=True)


def chronology_agencies(case: Case, person: Person) -> list[tuple[int, str]]:
    """The agencies whose entries on the case the person may read, as (id, name) by name:
    the chronology's agency filter."""
    agency = person.agency_id
    return AGENCIES_ON.rows(
        agency,
        lambda now, case_id: (
            Agency.objects.filter(
                pk__in=_readable(agency, case_id__equal_to=case_id).values("agency_id")
            )
            .order_by("name")
            .values_list("pk", "name")
        ),
        timezone.now(),
        case_id=case.pk,
    )


def on_chronology(case: Case, person: Person, category: str, occurred_at: str) -> Exists:
    """Whether the person sees the entry a service wrote for a row of a higher app (a
    placement, a missing episode) on this case's chronology: an entry of `category` at the
    time held in the row's field `occurred_at` (record_on_chronology takes the row's own
    time). A row filtered by this is seen exactly where its entry is (cases.journey)."""
    return Exists(
        chronology(case, person).filter(category=category, occurred_at=OuterRef(occurred_at))
    )


def recorded_since(entries: QuerySet, person: Person, since: dt.datetime) -> list[dict]:
    """The entries of a chronology (as `chronology` gives it) that others recorded after
    `since`, each with its `position` in that chronology (1 = newest), so a page can say
    where a late-recorded entry about an old event landed. One query: each new entry counts
    the entries before it (few are new; each count walks the case's index)."""
    before = (
        entries.filter(
            Q(occurred_at__gt=OuterRef("occurred_at"))
            | Q(occurred_at=OuterRef("occurred_at"), id__gt=OuterRef("id"))
        )
        .order_by()
        .values("case_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return list(
        entries.filter(recorded_at__gt=since)
        .exclude(recorded_by=person)
        .annotate(position=Coalesce(Subquery(before), 0) + 1)
        .values("pk", "category", "occurred_at", "recorded_at", "position")
        .order_by("-occurred_at", "-id")
    )


def cases_with_news(person: Person, now: dt.datetime | None = None) -> QuerySet:
    """The person's visits (cases.Visit) to cases they may still see on which others have
    recorded entries since, each with `new_entries` (how many) and `latest_recorded`,
    most recent news first: "N entries recorded since your last visit" on the home page.

    Counted as the chronology shows them to the person: a restricted entry of another
    agency is not news to them, and their own entries are not news. One query; each visit
    counts in the case's (case, recorded_at) index.
    """
    if person.agency_id is None:
        return Visit.objects.none()
    since = (
        Entry.objects.filter(case=OuterRef("case"), recorded_at__gt=OuterRef("seen_at"))
        .filter(Q(restricted=False) | Q(agency_id=person.agency_id))
        .exclude(recorded_by=person)
        .order_by()
        .values("case")
    )
    # Probed per visit (a person's visits are few), not `IN` every row the agency holds,
    # which PostgreSQL hashes whole (85,000 rows for one visit: bench/README.md).
    may_see = Exists(agency_rows(person).filter(content_object_id=OuterRef("case_id"))) | Exists(
        person_rows(person, now).filter(content_object_id=OuterRef("case_id"))
    )
    return (
        Visit.objects.filter(may_see, person=person)
        .annotate(
            new_entries=Coalesce(Subquery(since.annotate(n=Count("id")).values("n")), 0),
            latest_recorded=Subquery(since.annotate(at=Max("recorded_at")).values("at")),
        )
        .filter(new_entries__gt=0)
        .select_related("case__child")
        .order_by("-latest_recorded", "-id")
    )


def entry_for(person: Person, case: Case, entry_id) -> Entry:
    try:
        return chronology(case, person).get(pk=int(entry_id))
    except (Entry.DoesNotExist, TypeError, ValueError):
        raise Http404("No such entry") from None


def screenings(case: Case) -> QuerySet:
    return case.screenings.select_related("screened_by", "agency").order_by("-screened_at")


def latest_screening(case: Case) -> Screening | None:
    return screenings(case).first()

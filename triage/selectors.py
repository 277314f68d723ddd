"""MASH triage, reads: who may see a contact or a check, the queue and the counts beside it.

Who sees what:
- the receiving MASH's people (its children's services agency) see the whole contact,
  every check and every answer, restricted parts included; its MASH managers act on it;
- the referring agency's people see the contact they made, its state and its outcome,
  never the partners' answers;
- a partner sees only the checks asked of it (and the child's identity, to find its
  records), never the contact's other checks or answers.
Anyone else is answered 404, and the refusal is recorded (cases.selectors.record_refusal).
"""

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    Func,
    IntegerField,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from django.utils import timezone

from cases.models import Assessment, Case, Child, GroupHighRisk, Screening
from cases.selectors import agency_rows, high_risk_rows, reader_key, record_refusal
from missing.models import MissingEpisode, Placement
from missing.selectors import interviews_due, open_repeat_alerts
from notifications.services import waiting_for
from people.models import Agency, Person
from people.selectors import areas_covered_by, calendars_for
from safeguarding.compiled import CompiledQuery, CompiledRows, execute_prepared
from safeguarding.related import attach
from sharing.models import Share
from triage.models import Contact, ContactRating, PartnerCheck, Rag

MASH = "mash"
REFERRER = "referrer"


def runs_a_mash(person: Person) -> bool:
    """A MASH manager of a children's services agency: whose MASH receives contacts, so the
    triage screen, its lists, the dashboard and the API's queue and counts are theirs."""
    return (
        person.is_authenticated
        and person.role == Person.Role.MASH_MANAGER
        and person.agency_id is not None
        and person.agency.kind == Agency.Kind.SOCIAL_CARE
    )


def contact_access(person: Person, contact: Contact) -> str | None:
    """MASH (the whole contact), REFERRER (what it reported and the outcome), or None."""
    if person.agency_id is None:
        return None
    if person.agency_id == contact.mash_id:
        return MASH
    if person.agency_id == contact.referring_agency_id:
        return REFERRER
    return None


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found") from None


CONTACT_AGENCIES = ("mash", "referring_agency", "transfer_to")
CONTACT_PEOPLE = ("recorded_by", "assigned_to", "decided_by")


CONTACT = CompiledQuery("one contact, with its child, agencies and people", generic=True)


def _contact(now: dt.datetime, contact_id) -> QuerySet:
    return Contact.objects.select_related(
        "child", "area", "case", *CONTACT_AGENCIES, *CONTACT_PEOPLE
    ).filter(pk__equal_to=contact_id)


def contact_for(
    person: Person, contact_id, *, audit_refusal: bool = False, need: str = "view"
) -> tuple[Contact, str]:
    """The contact and how much of it the person may see; 404 (recorded) otherwise.

    `need="manage"` asks for a MASH manager of the receiving authority.
    """
    contact_id = _as_int(contact_id)
    # One ten-table join, planned once per connection: planned on every request it took
    # twenty times as long as running it (issue 18), which is why it was three statements.
    found = CONTACT.objects((), _contact, timezone.now(), contact_id=contact_id)
    contact = found[0] if found else None
    access = contact_access(person, contact) if contact else None
    if need == "manage" and not (access == MASH and person.role == Person.Role.MASH_MANAGER):
        access = None
    if access is None:
        if audit_refusal:
            record_refusal(person, "contact", contact_id, need)
        raise Http404("No such contact")
    return contact, access


def contacts_to_manage(person: Person, contact_ids: list[int]) -> list[Contact]:
    """The contacts, in the order asked, if the person is a MASH manager of the MASH that
    received every one (contact_for's `need="manage"`, in one query); else 404, the first
    refused id recorded."""
    found = {
        contact.pk: contact
        for contact in Contact.objects.select_related("assigned_to").filter(pk__in=contact_ids)
    }
    for contact_id in contact_ids:
        contact = found.get(contact_id)
        if not (
            contact
            and contact_access(person, contact) == MASH
            and person.role == Person.Role.MASH_MANAGER
        ):
            record_refusal(person, "contact", contact_id, "manage")
            raise Http404("No such contact")
    return [found[contact_id] for contact_id in contact_ids]


def check_for(
    person: Person, check_id, *, audit_refusal: bool = False, need: str = "view"
) -> PartnerCheck:
    """A check, for the agency asked (`need="answer"` too) or the MASH that asked it."""
    check_id = _as_int(check_id)
    check = (
        PartnerCheck.objects.select_related("contact__child", "contact__mash", "agency")
        .filter(pk=check_id)
        .first()
    )
    attach([check], "requested_by", "answered_by", "closed_by")  # not joined: related.py
    allowed = check is not None and person.agency_id is not None
    if allowed:
        asked = person.agency_id == check.agency_id
        asking = person.agency_id == check.contact.mash_id
        allowed = asked if need == "answer" else (asked or asking)
    if not allowed:
        if audit_refusal:
            record_refusal(person, "check", check_id, need)
        raise Http404("No such check")
    return check


def _checks_count(*conditions: Q, **filters) -> Coalesce:
    counted = (
        PartnerCheck.objects.filter(*conditions, contact=OuterRef("pk"), **filters)
        .order_by()
        .values("contact")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _with_checks(contacts: QuerySet, now: dt.datetime) -> QuerySet:
    # Counted per row by subquery, not by a join and GROUP BY: the queue can then be read
    # in due order from its index and stop after one page, with the people, agencies and
    # children joined only for that page (bench/README.md: a join made every page pay for
    # the whole country's people and agencies).
    return contacts.annotate(
        checks_asked=_checks_count(),
        checks_outstanding=_checks_count(PartnerCheck.outstanding_q()),
        checks_overdue=_checks_count(PartnerCheck.overdue_q(now)),
    )


# The triage screen's state filter: stored states, and two views of "open".
STATE_FILTERS = {
    "new": ("New: to be rated", Q(state=Contact.State.NEW)),
    "checks": ("Waiting for partner checks", Q(state=Contact.State.OPEN, checks_outstanding__gt=0)),
    "ready": ("Ready to decide", Q(state=Contact.State.OPEN, checks_outstanding=0)),
    "decided": ("Decided", Q(state=Contact.State.DECIDED)),
}
UNASSIGNED = "none"


def triage_queue(
    agency: Agency,
    *,
    rag: str = "",
    state: str = "",
    assignee: str = "",
    referrer: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet:
    """The MASH's contacts by time left (undecided unless `state="decided"`), each with
    its outstanding and overdue partner checks, in one query."""
    now = now or timezone.now()
    contacts = _with_checks(Contact.objects.filter(mash=agency), now).select_related(
        "child", "referring_agency", "assigned_to", "case"
    )
    if state == "decided":
        contacts = contacts.filter(STATE_FILTERS["decided"][1]).order_by("-decided_at", "-id")
    else:
        contacts = contacts.exclude(state=Contact.State.DECIDED)
        if state in STATE_FILTERS:
            contacts = contacts.filter(STATE_FILTERS[state][1])
        contacts = contacts.order_by("due_at", "id")
    if rag == "unrated":
        contacts = contacts.filter(rag="")
    elif rag in Rag.values:
        contacts = contacts.filter(rag=rag)
    if assignee == UNASSIGNED:
        contacts = contacts.filter(assigned_to__isnull=True)
    elif assignee:
        contacts = contacts.filter(assigned_to_id=_as_int(assignee))
    if referrer:
        contacts = contacts.filter(referring_agency_id=referrer)
    # Each row's `overdue` is Contact.overdue at the queue's `now` (the annotation stands
    # in for the method), so the flag and the time left shown beside it agree.
    return contacts.annotate(overdue=Contact.overdue_q(now))


def colleagues(agency: Agency) -> QuerySet:
    """Whom a MASH manager can assign a contact to: active people of the MASH's agency."""
    return Person.objects.filter(agency=agency, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


# The agencies that have made contacts to a MASH, found by skipping through the contacts'
# (mash, referring_agency) index one agency at a time: as many probes as the MASH has
# referrers (12 on the bench data), and their names by key, where asking each agency in the
# country whether it had made one grew with the country (0.24 ms on the county data, 0.61
# on the national; now 0.37 on both: issue 18).
REFERRERS = """
WITH RECURSIVE referrer(id) AS (
    SELECT min(referring_agency_id) FROM triage_contact WHERE mash_id = %s
    UNION ALL
    SELECT (SELECT min(c.referring_agency_id) FROM triage_contact c
            WHERE c.mash_id = %s AND c.referring_agency_id > referrer.id)
    FROM referrer WHERE referrer.id IS NOT NULL
)
SELECT referrer.id, (SELECT a.name FROM people_agency a WHERE a.id = referrer.id)
FROM referrer WHERE referrer.id IS NOT NULL
ORDER BY 2, 1
"""


# The triage screen's selects, compiled once per agency and process and read as (id, name)
# pairs: 130 people and their agencies made into model instances on every request only to
# be written out as options cost more than the rest of its filters (issue 18).
COLLEAGUE_NAMES = CompiledQuery("triage: colleagues' names", generic=True)


def colleague_names(agency: Agency) -> list[tuple[int, str]]:
    """`colleagues`, as (id, full name or else username), in the same order."""
    rows = COLLEAGUE_NAMES.rows(
        agency.pk,
        lambda now: colleagues(agency).values_list("pk", "first_name", "last_name", "username"),
        timezone.now(),
    )
    # Person.get_full_name's own rule, without making a Person of each row.
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows]


def referrer_names(agency: Agency) -> list[tuple[int, str]]:
    """The agencies that have made contacts to this MASH (the queue's referrer filter), as
    (id, name) by name."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, REFERRERS, (agency.pk, agency.pk))  # planned once a connection
        return cursor.fetchall()


def _checks(**contact) -> QuerySet:
    return (
        PartnerCheck.objects.filter(**contact)
        .select_related("agency", "requested_by", "answered_by", "closed_by")
        .order_by("agency__name")
    )


def _ratings(**contact) -> QuerySet:
    return (
        ContactRating.objects.filter(**contact)
        .select_related("rated_by")
        .order_by("rated_at", "pk")
    )


def contact_checks(contact: Contact) -> QuerySet:
    return _checks(contact=contact)


def contact_ratings(contact: Contact) -> QuerySet:
    return _ratings(contact=contact)


# What the contact page lists, compiled once and planned once per connection (issue 18).
CHECKS_OF = CompiledQuery("a contact's checks", generic=True)
RATINGS_OF = CompiledQuery("a contact's ratings", generic=True)


def _of(contact: Contact, rows: list) -> list:
    for row in rows:
        row.contact = contact  # as the related manager would have set it
    return rows


def contact_checks_listed(contact: Contact) -> list[PartnerCheck]:
    """contact_checks(contact), listed."""
    build = lambda now, contact_id: _checks(contact_id__equal_to=contact_id)  # noqa: E731
    return _of(contact, CHECKS_OF.objects((), build, timezone.now(), contact_id=contact.pk))


def contact_ratings_listed(contact: Contact) -> list[ContactRating]:
    """contact_ratings(contact), listed."""
    build = lambda now, contact_id: _ratings(contact_id__equal_to=contact_id)  # noqa: E731
    return _of(contact, RATINGS_OF.objects((), build, timezone.now(), contact_id=contact.pk))


def checks_asked_of(agency: Agency) -> QuerySet:
    """A partner's checks: outstanding first, soonest due first; then those answered or
    closed, the latest first."""
    return (
        PartnerCheck.objects.filter(agency=agency)
        .select_related("contact__child", "contact__mash", "answered_by")
        .order_by(Coalesce("answered_at", "closed_at").desc(nulls_first=True), "due_at", "id")
    )


def contacts_assigned_to(person: Person) -> QuerySet:
    """The undecided contacts the person's MASH manager assigned to them, by time left.
    Only contacts of the person's own MASH: an assignment made before they moved agency
    is no longer theirs to see."""
    if person.agency_id is None:
        return Contact.objects.none()
    return (
        Contact.objects.filter(assigned_to=person, mash_id=person.agency_id)
        .exclude(state=Contact.State.DECIDED)
        .select_related("child")
        .order_by("due_at", "id")
    )


def outstanding_checks(contact: Contact) -> QuerySet:
    """The checks a decision now would be made without, soonest due first: what the decide
    page warns about."""
    return (
        contact.checks.filter(PartnerCheck.outstanding_q())
        .select_related("agency")
        .order_by("due_at", "id")
    )


def contact_check(person: Person, contact: Contact, check_id) -> PartnerCheck:
    """One of the contact's checks, or 404 (recorded): for the MASH's pages about it."""
    check_id = _as_int(check_id)
    check = (
        contact.checks.select_related("agency", "requested_by", "contact__mash")
        .filter(pk=check_id)
        .first()
    )
    if check is None:
        record_refusal(person, "check", check_id, "manage")
        raise Http404("No such check")
    return check


# --- the child beside a contact: age, contacts in a year, open cases -------------------------

CONTACTS_LOOKBACK = dt.timedelta(days=365)


def age_in_years(born: dt.date | None, on: dt.date) -> int | None:
    """Whole years between a date of birth and a day (None if the birth date is unknown)."""
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _open_cases_seen(person: Person, **child) -> QuerySet:
    # Only cases the person's agency may see: counting the others would tell the MASH
    # that an agency holds a case it has not shared (DESIGN.md, access model).
    return Case.objects.filter(
        **child,
        status=Case.Status.OPEN,
        pk__in=agency_rows(person).values("content_object_id"),
    )


def _count(rows: QuerySet) -> Subquery:
    # COUNT as a plain function, not an aggregate: no GROUP BY, so always one row. COUNT(*),
    # not of the key: a count that needs no column of its own can be read from an index
    # alone (the interviews due, from interview_outstanding: 2.7 ms to 0.9, issue 18).
    count = Func(template="COUNT(*)", output_field=IntegerField())
    counted = rows.order_by().annotate(n=count)
    return Subquery(counted.values("n"))


def with_child_context(contacts: QuerySet, person: Person, now: dt.datetime) -> QuerySet:
    """Each contact with how many contacts its MASH received about the child in the last
    12 months (`child_contacts`, this one included) and how many open cases of the child
    the person's agency may see (`child_open_cases`): two subqueries per row of a page,
    no query per row. For the receiving MASH's people only (contact_access MASH)."""
    recent = Contact.objects.filter(
        child=OuterRef("child"),
        mash=OuterRef("mash"),
        received_at__gte=now - CONTACTS_LOOKBACK,
    )
    return contacts.annotate(
        child_contacts=_count(recent),
        child_open_cases=_count(_open_cases_seen(person, child=OuterRef("child"))),
    )


# The triage screen's queue and its count, compiled once per reader, filters and page and
# process: building its subqueries cost several times what running them does (issue 18).
QUEUE = CompiledQuery("the triage screen's queue", written_in=True)


def queue_rows(person: Person, filters: dict, now: dt.datetime) -> CompiledRows:
    """The person's MASH queue for `filters` (triage_queue's) with each row's child context,
    for a paginator: its count and each page compiled once."""
    agency = person.agency

    def build(now: dt.datetime) -> QuerySet:
        return with_child_context(triage_queue(agency, **filters, now=now), person, now)

    return CompiledRows(QUEUE, (reader_key(person), tuple(sorted(filters.items()))), build, now)


@dataclass(frozen=True)
class ChildContext:
    age: int | None
    contacts: int
    open_cases: list


# The contact page's child context, compiled once (per reader) and planned once per
# connection (issue 18).
CHILD_CONTACTS = CompiledQuery("a child's contacts to a MASH this year", generic=True)
CHILD_CASES = CompiledQuery("a child's open cases an agency may see", generic=True)


def _child_contacts(now: dt.datetime, child, mash) -> QuerySet:
    return Contact.objects.filter(
        child_id__equal_to=child, mash_id__equal_to=mash, received_at__gte=now - CONTACTS_LOOKBACK
    )


def child_context(person: Person, contact: Contact, now: dt.datetime) -> ChildContext:
    """What the contact page shows the MASH about the child beside the contact (two
    queries): age, contacts about them in the last 12 months, the open cases it may see."""
    contacts = CHILD_CONTACTS.count(
        (), _child_contacts, now, child=contact.child_id, mash=contact.mash_id
    )
    cases = CHILD_CASES.objects(
        reader_key(person),
        lambda at, child: (
            _open_cases_seen(person, child_id__equal_to=child)
            .select_related("lead_agency")
            .order_by("-opened_at", "-id")[:OPEN_CASES_SHOWN]
        ),
        now,
        child=contact.child_id,
    )
    today = timezone.localdate(now)
    return ChildContext(age_in_years(contact.child.date_of_birth, today), contacts, cases)


OPEN_CASES_SHOWN = 10


def _child_known_to(person: Person):
    """Whether the person's agency knows the contact's child by itself: it recorded the
    child, or it holds a case of the child. A contact linked by NHS number to a child only
    another agency knows must not show that agency's record (its name, date of birth) to
    the referrer."""
    visible = Case.objects.filter(
        child=OuterRef("child"), pk__in=agency_rows(person).values("content_object_id")
    )
    recorded = Child.objects.filter(pk=OuterRef("child"), created_by__agency=person.agency_id)
    return Exists(recorded) | Exists(visible)


def contacts_made_by(person: Person) -> QuerySet:
    """The contacts the person's agency has made, newest first (what a referrer follows
    up). Each names the child as the referrer gave them (`child_as_given`); `child_known`
    says whether the record's name may stand in for a contact recorded without that."""
    return (
        Contact.objects.filter(referring_agency_id=person.agency_id)
        .select_related("child", "mash")
        .annotate(child_known=_child_known_to(person))
        .order_by("-received_at", "-id")
    )


def child_known(person: Person, contact: Contact) -> bool:
    """Whether the child's record may be shown to this person with the contact."""
    if contact_access(person, contact) == MASH:
        return True
    return Contact.objects.filter(pk=contact.pk).filter(_child_known_to(person)).exists()


@dataclass(frozen=True)
class ChildAsKnown:
    name: str
    date_of_birth: dt.date | None


def child_as_known(person: Person, contact: Contact) -> ChildAsKnown:
    """The child as this person may be shown them with the contact: the record for the MASH;
    for the referring agency, the child as the referrer gave them when recording it (typed,
    or picked as they were shown it), never the record an NHS number linked, so a contact
    linked to a record only another agency knows reads exactly like one about a child
    recorded with it. A contact recorded before that was kept (and not backfilled: triage
    migration 0003) shows the record only if the agency knows the child now, else no name."""
    if contact_access(person, contact) == MASH:
        return ChildAsKnown(contact.child.full_name, contact.child.date_of_birth)
    if contact.child_given_name:
        return ChildAsKnown(contact.child_given_name, contact.child_given_born)
    if child_known(person, contact):
        return ChildAsKnown(contact.child.full_name, contact.child.date_of_birth)
    return ChildAsKnown("", None)


def episodes_answered_for(person: Person) -> QuerySet:
    """Missing episodes, returned or not, whom the person's authority answers for (the child
    placed in its area, looked after by it, or on a case it leads), on cases its agency may
    see: it may answer for a child whose case another agency has not shared with it, and
    must not see that one."""
    agency = person.agency
    # The area test is an EXISTS (no join to the agency's areas, so no duplicates to
    # remove) and rows are not joined to every case in the country first (bench/README.md).
    placed_here = Exists(
        Placement.objects.filter(
            child=OuterRef("case__child"),
            ended_at__isnull=True,
            area__in=areas_covered_by(agency),
        )
    )
    ours = Q(case__child__responsible_authority=agency) | Q(case__lead_agency=agency)
    return MissingEpisode.objects.filter(placed_here | ours).filter(
        case__in=agency_rows(person).values("content_object_id")
    )


def missing_in_area(person: Person) -> QuerySet:
    """Children still missing whom the person's authority answers for, longest missing
    first; starts from the few episodes still open (a partial index)."""
    return (
        episodes_answered_for(person)
        .filter(returned_at__isnull=True)
        .select_related("case__child", "reporting_agency", "last_seen_area")
        # A strategy discussion a repeat-missing alert asks for and nobody has recorded yet.
        .annotate(strategy_due=Subquery(open_repeat_alerts().values("due_at")[:1]))
        .order_by("last_seen_at", "id")
    )


HIGH_RISK_DAYS = 7
# The triage screen says "more than 100" beyond this; the list pages through them all.
HIGH_RISK_COUNT_CAP = 100


def _since(now: dt.datetime | None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=HIGH_RISK_DAYS)


class HighRiskRecords:
    """An agency's recent high-risk screenings or assessments, newest first, as a list
    Django's Paginator can page: a page of the agency's own rows (GroupHighRisk) read in
    index order and stopped at the page's end, then those records by key, in that order.
    Ordering the records themselves after picking them by the rows made PostgreSQL hash-join
    the whole week's screenings: 10 to 25 ms for a first page the old query read in 1."""

    def __init__(self, rows: QuerySet, records: QuerySet) -> None:
        # `at` and `record_id` are the record's time and id: the order is "-time", "-id".
        self.rows = rows.order_by("-at", "-record_id")
        self.records = records

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Model]:
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("HighRiskRecords gives pages: slice it with a start and a stop")
        ids = list(self.rows.values_list("record_id", flat=True)[window])
        found = self.records.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self) -> Iterator[Model]:
        return iter(self[0:None])


def recent_high_risk_screenings(person: Person, now: dt.datetime | None = None) -> HighRiskRecords:
    """High-risk CSE screenings in the last 7 days on cases the person's agency can see,
    found through the agency's own rows (cases.models.GroupHighRisk)."""
    return HighRiskRecords(
        high_risk_rows(person, GroupHighRisk.Kind.SCREENING, _since(now)),
        Screening.objects.select_related("case__child", "agency"),
    )


def recent_high_risk_assessments(person: Person, now: dt.datetime | None = None) -> HighRiskRecords:
    """Exploitation risk assessments (issue 21) in the last 7 days that set a case's level
    to high (a lower level waiting for agreement does not), on cases the agency can see,
    found through the agency's own rows (cases.models.GroupHighRisk)."""
    return HighRiskRecords(
        high_risk_rows(person, GroupHighRisk.Kind.ASSESSMENT, _since(now)),
        Assessment.objects.select_related("case__child", "agency"),
    )


def _capped_count(person: Person, kind: str, now: dt.datetime) -> Subquery:
    # Counted up to a cap, so the count costs what one page costs, not the whole week.
    # Newest first, as group_high_risk_recent holds them: planned without the week's start
    # (written_in), an unordered LIMIT read the county's table from the start (2 ms).
    capped = high_risk_rows(person, kind, _since(now)).order_by("-at")[: HIGH_RISK_COUNT_CAP + 1]
    return _count(GroupHighRisk.objects.filter(pk__in=capped.values("pk")))


QUEUE_COUNTS = ("total", "unrated", "red", "amber", "green", "overdue", "unassigned")
CHECK_COUNTS = ("outstanding", "overdue")


def _figures(rows: QuerySet, group_by: str, **counts) -> Subquery:
    # Several FILTERed counts of one set of rows as one JSON object: one scan, one column.
    # Grouped by a column every row shares, so no rows means no object (NULL), not zeros.
    figures = rows.order_by().values(group_by).annotate(figures=JSONObject(**counts))
    return Subquery(figures.values("figures"), output_field=JSONField())


SUMMARY = CompiledQuery("triage summary", written_in=True)
SUMMARY_COLUMNS = ("queue", "checks", "missing", "unacknowledged", "interviews_due",
                   "high_risk_screenings", "high_risk_assessments")  # fmt: skip


def summary_query(person: Person, now: dt.datetime) -> QuerySet:
    """The triage screen's counts as one row of scalar subqueries, each starting from what
    the agency owns or sees (its contacts, its notifications, the interviews it owes, its
    permission rows), never the whole country."""
    agency = person.agency
    undecided = Contact.objects.filter(mash=agency).exclude(state=Contact.State.DECIDED)
    checks = PartnerCheck.objects.filter(
        PartnerCheck.outstanding_q(), contact__mash=agency
    ).exclude(contact__state=Contact.State.DECIDED)
    return (
        Agency.objects.filter(pk=agency.pk)
        .annotate(
            queue=_figures(
                undecided,
                "mash",
                total=Count("id"),
                unrated=Count("id", filter=Q(rag="")),
                red=Count("id", filter=Q(rag=Rag.RED)),
                amber=Count("id", filter=Q(rag=Rag.AMBER)),
                green=Count("id", filter=Q(rag=Rag.GREEN)),
                overdue=Count("id", filter=Contact.overdue_q(now)),
                unassigned=Count("id", filter=Q(assigned_to__isnull=True)),
            ),
            checks=_figures(
                checks,
                "contact__mash",
                outstanding=Count("id"),
                overdue=Count("id", filter=PartnerCheck.overdue_q(now)),
            ),
            missing=_count(missing_in_area(person)),
            unacknowledged=_count(waiting_for(agency)),
            interviews_due=_count(interviews_due(person, now)),
            high_risk_screenings=_capped_count(person, GroupHighRisk.Kind.SCREENING, now),
            high_risk_assessments=_capped_count(person, GroupHighRisk.Kind.ASSESSMENT, now),
        )
        .values(*SUMMARY_COLUMNS)
    )


def triage_summary(person: Person, now: dt.datetime | None = None) -> dict:
    """The counts behind the triage screen, in one query whatever the numbers, compiled
    once per agency and process (safeguarding.compiled: building it cost three times what
    running it does)."""
    now = now or timezone.now()
    # Built from the agency, its group and role (agency_rows) and the clock: the reader's key.
    rows = SUMMARY.rows(reader_key(person), lambda at: summary_query(person, at), now)
    row = dict(zip(SUMMARY_COLUMNS, rows[0], strict=True))
    for column in ("queue", "checks"):  # JSON objects, or NULL when there are no rows
        if isinstance(row[column], str):
            row[column] = json.loads(row[column])
    return {
        **row,
        "queue": row["queue"] or dict.fromkeys(QUEUE_COUNTS, 0),
        "checks": row["checks"] or dict.fromkeys(CHECK_COUNTS, 0),
    }


def with_due_notes(contacts: Iterable[Contact], checks: Iterable[PartnerCheck] = ()) -> None:
    """Mark each green contact and check (`due_note`) with the bank holidays and closure days
    that moved its deadline, in the calendar of the agency that must act: the MASH decides
    a contact, the partner asked answers a check. Red and amber count elapsed hours, so
    nothing moves them. Two queries for the lot, none if no deadline is green."""
    contacts, checks = list(contacts), list(checks)
    green = [c for c in contacts if c.rag == Rag.GREEN]
    green_checks = [c for c in checks if c.contact.rag == Rag.GREEN and c.due_at]
    for row in [*contacts, *checks]:
        row.due_note = ""
    if not green and not green_checks:
        return
    calendars = calendars_for({c.mash_id for c in green} | {c.agency_id for c in green_checks})
    for contact in green:
        contact.due_note = calendars[contact.mash_id].moved_by(contact.received_at, contact.due_at)
    for check in green_checks:
        check.due_note = calendars[check.agency_id].moved_by(check.requested_at, check.due_at)


# --- after a decision: sharing the case with the partners who answered ------------------------

# What a partner who answered is offered after a decision that opens the case: a strategy
# discussion is joint work (police and health take part and record on the chronology); an
# assessment or early help is led by children's services, the partners kept informed.
SHARE_LEVEL_AFTER = {
    Contact.Decision.STRATEGY_DISCUSSION: Share.Level.CONTRIBUTE,
    Contact.Decision.ASSESSMENT: Share.Level.VIEW,
    Contact.Decision.EARLY_HELP: Share.Level.VIEW,
}


def partners_to_share_with(contact: Contact) -> list[PartnerCheck]:
    """The answered checks of partners that hold no live share of the case the decision
    opened or linked (nor lead it): whom the MASH is offered to share the case with. One
    query; none if the decision opened no case."""
    if contact.case_id is None or contact.decision not in SHARE_LEVEL_AFTER:
        return []
    shared = Share.objects.filter(case_id=contact.case_id, revoked_at__isnull=True)
    return list(
        contact.checks.filter(answered_at__isnull=False)
        .exclude(agency_id__in=shared.values("agency_id"))
        .exclude(agency_id=contact.case.lead_agency_id)
        .select_related("agency")
        .order_by("agency__name", "id")
    )


# --- the partner's MASH screen: the checks asked of a police force or health body ------------


def runs_partner_checks(person: Person) -> bool:
    """A MASH manager of a partner agency (a police force, a health body): the checks the
    MASHes ask of the agency are theirs to see answered in time (the checks-due screen).
    A children's services MASH manager runs the triage screen instead."""
    return (
        person.is_authenticated
        and person.role == Person.Role.MASH_MANAGER
        and person.agency_id is not None
        and person.agency.kind != Agency.Kind.SOCIAL_CARE
    )


CHECK_DUE_SOON = dt.timedelta(hours=24)
ANSWERED_RECENTLY = dt.timedelta(days=7)


def checks_due(agency: Agency) -> QuerySet:
    """The checks asked of the agency still outstanding, soonest due first (overdue ones
    first of all): read from the outstanding-checks index, one page at a time."""
    return (
        PartnerCheck.objects.filter(PartnerCheck.outstanding_q(), agency=agency)
        .select_related("contact__child", "contact__mash")
        .order_by("due_at", "id")
    )


def checks_due_counts(agency: Agency, now: dt.datetime) -> dict:
    """The counts above the checks-due screen, in one query."""
    outstanding = PartnerCheck.outstanding_q()
    return PartnerCheck.objects.filter(agency=agency).aggregate(
        outstanding=Count("id", filter=outstanding),
        overdue=Count("id", filter=PartnerCheck.overdue_q(now)),
        due_soon=Count(
            "id", filter=outstanding & Q(due_at__gte=now, due_at__lt=now + CHECK_DUE_SOON)
        ),
        answered=Count("id", filter=Q(answered_at__gte=now - ANSWERED_RECENTLY)),
    )

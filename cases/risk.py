"""The "CSE risk" flag of a case (cases.flags): its level and what set it.

The level is the practitioner's, from the latest exploitation risk assessment that stands
(issue 21); a case assessed only by a scored screening keeps that level, said to come "from
a scored screening" with its date, until an assessment replaces it, so no high-risk flag
disappears on its own. A lower level awaiting a manager's agreement is said beside it.

Registered with `cases.registry.add_case_flags` in CasesConfig.ready(). Two queries for any
number of cases: each case's latest assessment and latest screening.
"""

import calendar
import datetime as dt

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from cases.flags import Flag, list_flag
from cases.models import Assessment, Case, Entry, RiskLevel, Screening
from people.models import Person
from safeguarding import uk_time
from safeguarding.compiled import CompiledQuery

TONE = {RiskLevel.HIGH: "red", RiskLevel.MEDIUM: "orange", RiskLevel.LOW: "green"}


# Compiled once per process (and reader's agency), the cases given on each run: building
# them cost several times what running them does, on every page with flags (issue 18).
SCREENINGS = CompiledQuery("flags: latest screenings", generic=True)
ASSESSMENTS = CompiledQuery("flags: latest assessments", generic=True)
REVIEWS = CompiledQuery("flags: latest assessments' review dates", generic=True)


def _screenings(now, ids):
    return (
        Screening.objects.filter(case_id__any=ids)
        .select_related("agency", "screened_by")
        .order_by("case_id", "-screened_at", "-id")
        .distinct("case_id")
    )


def latest_screenings(case_ids) -> dict[int, Screening]:
    """Each case's newest screening, in one query (DISTINCT ON the case)."""
    rows = SCREENINGS.objects((), _screenings, timezone.now(), ids=list(case_ids))
    return {screening.case_id: screening for screening in rows}


# Events that may change a child's risk: one recorded after the latest assessment proposes
# an early review (issue 21). A missing report writes a "missing" entry; a disclosure is an
# entry of its own.
SIGNIFICANT = (Entry.Category.DISCLOSURE, Entry.Category.MISSING)


def latest_assessments(case_ids, person: Person | None = None) -> dict[int, Assessment]:
    """Each case's newest assessment, standing or waiting for agreement, in one query; for
    `person`, with the newest significant entry they may read recorded since it
    (`event_at`, `event_category`: None if none)."""
    reader = person is not None
    agency = person.agency_id if reader else None
    rows = ASSESSMENTS.objects(
        (reader, agency),
        lambda now, ids: _assessments(reader, agency, ids),
        timezone.now(),
        ids=list(case_ids),
    )
    return {assessment.case_id: assessment for assessment in rows}


def _assessments(reader: bool, agency, ids):
    # Whether there is a reader, and their agency, shape the statement: the compiled key.
    rows = (
        Assessment.objects.filter(case_id__any=ids)
        .select_related("agency", "assessed_by")
        .order_by("case_id", "-assessed_at", "-id")
        .distinct("case_id")
    )
    if reader:
        events = (
            Entry.objects.filter(
                case_id=OuterRef("case_id"), category__in=SIGNIFICANT,
                recorded_at__gt=OuterRef("assessed_at"),
            )
            .filter(Q(restricted=False) | Q(agency_id=agency))
            .order_by("-recorded_at", "-id")
        )  # fmt: skip
        rows = rows.annotate(
            event_at=Subquery(events.values("recorded_at")[:1]),
            event_category=Subquery(events.values("category")[:1]),
        )
    return rows


def _reviews(now, ids):
    return (
        Assessment.objects.filter(case_id__any=ids)
        .order_by("case_id", "-assessed_at", "-id")
        .distinct("case_id")
        .values_list("case_id", "review_by")
    )


def _brief(cases: list[Case], today: dt.date) -> dict[int, list[Flag]]:
    """What lists show of `risk_flags`: a high level, and an assessment's review overdue.
    A screening's review is never shown in lists, so screenings are not read."""
    high = list_flag("risk", _label(RiskLevel.HIGH), TONE[RiskLevel.HIGH])
    flags: dict[int, list[Flag]] = {
        case.pk: [high] if case.risk_level == RiskLevel.HIGH else [] for case in cases
    }
    open_ids = [case.pk for case in cases if case.status == Case.Status.OPEN]
    if open_ids:
        overdue = list_flag("risk", "Review overdue", "orange")
        for case_id, review in REVIEWS.rows((), _reviews, timezone.now(), ids=open_ids):
            if review < today:
                flags[case_id].append(overdue)
    return flags


def _label(level: RiskLevel) -> str:
    """The level's tag: "High CSE risk", or "Not screened"."""
    return "Not screened" if level == RiskLevel.NOT_SCREENED else f"{level.label} CSE risk"


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day (30 November after 31 August)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_by(screening: Screening) -> dt.date:
    """The day by which a screening is to be reviewed (settings.SCREENING_REVIEW_MONTHS)."""
    screened = uk_time.local(screening.screened_at).date()
    return months_after(screened, settings.SCREENING_REVIEW_MONTHS)


def _review(due: dt.date, what: str, *, in_lists: bool = False) -> Flag:
    # An old screening's review is said beside the level only, not in lists, where it would
    # crowd out what is urgent for the child now; an assessment's is also a tag in lists
    # (the triage queue, the cases list): its review date is the practitioner's own plan.
    return Flag(
        "risk", "Review overdue", f"The {what} was due to be reviewed by {uk_time.said(due)}.",
        "orange", in_lists=in_lists,
    )  # fmt: skip


def _assessed(case: Case, assessment: Assessment, today: dt.date) -> list[Flag]:
    level = RiskLevel(case.risk_level)
    day = uk_time.said(uk_time.local(assessment.assessed_at).date())
    by = f"{assessment.assessed_by.display_name}, {assessment.agency.name}"
    if assessment.stands:
        detail = f"Assessed {day} by {by}."
    else:
        detail = (
            f"Assessed {day} by {by} as {assessment.get_level_display().lower()}: lower, so "
            f"the case stays {level.label.lower()} until a team manager or MASH manager agrees."
        )
    is_open = case.status == Case.Status.OPEN
    if is_open and assessment.review_by >= today:
        detail += f" Review by {uk_time.said(assessment.review_by)}."
    flags = [
        Flag(
            "risk", _label(level), detail, TONE.get(level, "grey"), in_lists=level == RiskLevel.HIGH
        )
    ]
    if not assessment.stands:
        flags.append(Flag("risk", "Lower level to agree", detail, "purple", in_lists=False))
    if is_open and assessment.review_by < today:
        flags.append(_review(assessment.review_by, "exploitation risk assessment", in_lists=True))
    elif is_open and getattr(assessment, "event_at", None):
        what = Entry.Category(assessment.event_category).label.lower()
        flags.append(
            Flag(
                "risk", "Early review proposed",
                f"A {what} entry was recorded on {uk_time.said(assessment.event_at)}, after the "
                f"latest assessment ({day}): review the exploitation risk.",
                "orange", in_lists=False,
            )
        )  # fmt: skip
    return flags


def risk_flags(
    person: Person, cases: list[Case], *, now: dt.datetime | None = None, brief: bool = False
) -> dict[int, list[Flag]]:
    """The level each case holds now, with what set it, when and by whom.

    Assessments and screenings are part of the case (every agency that sees the case sees
    them), so the person narrows nothing here. Only a high risk is a warning in lists,
    where the cases list already has a risk column and the others have none.
    """
    today = timezone.localdate(now or timezone.now())
    if brief:
        return _brief(cases, today)
    ids = [case.pk for case in cases]
    assessed = latest_assessments(ids, person)
    latest = latest_screenings(ids)
    flags: dict[int, list[Flag]] = {}
    for case in cases:
        if case.pk in assessed:
            flags[case.pk] = _assessed(case, assessed[case.pk], today)
            continue
        level = RiskLevel(case.risk_level)
        screening = latest.get(case.pk)
        if screening is None:
            detail = "No exploitation risk assessment is recorded on this case."
        else:
            who = screening.screened_by.display_name
            day = uk_time.said(uk_time.local(screening.screened_at).date())
            due = review_by(screening)
            detail = f"From a scored screening on {day} by {who}, {screening.agency.name}."
            if case.status == Case.Status.OPEN and due >= today:
                detail += f" Review by {uk_time.said(due)}."
        flags[case.pk] = [
            Flag(
                "risk",
                _label(level),
                detail,
                TONE.get(level, "grey"),
                in_lists=level == RiskLevel.HIGH,
            )
        ]
        if screening is not None and case.status != Case.Status.CLOSED and due < today:
            flags[case.pk].append(_review(due, "CSE screening"))
    return flags

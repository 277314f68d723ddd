"""The "CSE risk" flag of a case (cases.flags): its level and the screening behind it.

Registered with `cases.registry.add_case_flags` in CasesConfig.ready(). One query for any
number of cases: each case's latest screening.
"""

import calendar
import datetime as dt

from django.conf import settings
from django.utils import timezone

from cases.flags import Flag
from cases.models import Case, RiskLevel, Screening
from people.models import Person
from safeguarding import uk_time

TONE = {RiskLevel.HIGH: "red", RiskLevel.MEDIUM: "orange", RiskLevel.LOW: "green"}


def latest_screenings(case_ids) -> dict[int, Screening]:
    """Each case's newest screening, in one query (DISTINCT ON the case)."""
    rows = (
        Screening.objects.filter(case_id__in=list(case_ids))
        .select_related("agency", "screened_by")
        .order_by("case_id", "-screened_at", "-id")
        .distinct("case_id")
    )
    return {screening.case_id: screening for screening in rows}


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day (30 November after 31 August)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_by(screening: Screening) -> dt.date:
    """The day by which a screening is to be reviewed (settings.SCREENING_REVIEW_MONTHS)."""
    screened = uk_time.local(screening.screened_at).date()
    return months_after(screened, settings.SCREENING_REVIEW_MONTHS)


def risk_flags(
    person: Person, cases: list[Case], *, now: dt.datetime | None = None
) -> dict[int, list[Flag]]:
    """The level each case holds now, with when and by whom it was last screened.

    Screenings are part of the case (every agency that sees the case sees them), so the
    person narrows nothing here. Only a high risk is a warning in lists, where the cases
    list already has a risk column and the others have none.
    """
    latest = latest_screenings(case.pk for case in cases)
    today = timezone.localdate(now or timezone.now())
    flags: dict[int, list[Flag]] = {}
    for case in cases:
        level = RiskLevel(case.risk_level)
        screening = latest.get(case.pk)
        if screening is None:
            detail = "No CSE screening is recorded on this case."
        else:
            who = screening.screened_by.display_name
            day = uk_time.said(uk_time.local(screening.screened_at).date())
            due = review_by(screening)
            detail = f"Latest screening {day} by {who}, {screening.agency.name}."
            if case.status == Case.Status.OPEN and due >= today:
                detail += f" Review by {uk_time.said(due)}."
        label = "Not screened" if level == RiskLevel.NOT_SCREENED else f"{level.label} CSE risk"
        flags[case.pk] = [
            Flag("risk", label, detail, TONE.get(level, "grey"), in_lists=level == RiskLevel.HIGH)
        ]
        if screening is not None and case.status != Case.Status.CLOSED and due < today:
            # Said in words beside the level; not a tag in lists, where it would crowd out
            # what is urgent for the child now (missing, notices not taken in).
            flags[case.pk].append(
                Flag(
                    "risk",
                    "Review overdue",
                    f"The CSE screening was due to be reviewed by {uk_time.said(due)}.",
                    "orange",
                    in_lists=False,
                )
            )
    return flags

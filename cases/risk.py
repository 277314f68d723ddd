"""The "CSE risk" flag of a case (cases.flags): its level and the screening behind it.

Registered with `cases.registry.add_case_flags` in CasesConfig.ready(). One query for any
number of cases: each case's latest screening.
"""

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


def risk_flags(person: Person, cases: list[Case]) -> dict[int, list[Flag]]:
    """The level each case holds now, with when and by whom it was last screened.

    Screenings are part of the case (every agency that sees the case sees them), so the
    person narrows nothing here. Only a high risk is a warning in lists, where the cases
    list already has a risk column and the others have none.
    """
    latest = latest_screenings(case.pk for case in cases)
    flags: dict[int, list[Flag]] = {}
    for case in cases:
        level = RiskLevel(case.risk_level)
        screening = latest.get(case.pk)
        if screening is None:
            detail = "No CSE screening is recorded on this case."
        else:
            who = screening.screened_by.get_full_name() or screening.screened_by.username
            day = uk_time.said(uk_time.local(screening.screened_at).date())
            detail = f"Latest screening {day} by {who}, {screening.agency.name}."
        label = "Not screened" if level == RiskLevel.NOT_SCREENED else f"{level.label} CSE risk"
        flags[case.pk] = [
            Flag("risk", label, detail, TONE.get(level, "grey"), in_lists=level == RiskLevel.HIGH)
        ]
    return flags

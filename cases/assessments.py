"""Exploitation risk by professional judgement (issue 21): assessments, the parts other
agencies contribute, and a second person's agreement to a lower level.

The scored screening added up weighted indicators into a level. Here the indicators are
recorded as what they are (signs that harm is happening, vulnerabilities, protective
factors) and the practitioner of the lead agency chooses the level, with a rationale and a
review date. No function in this module, or anywhere, derives a level from indicators:
`record_assessment` saves the level it is given (tests/cases/test_assessments.py checks
that over generated indicator sets).

A level lower than the case's current one is recorded at once, as history, but the case
keeps its level until a team manager or the MASH manager of the lead agency, not the
assessor, agrees (`agree_level`): a child's risk must not go "from high to low too
quickly" on one person's say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.actions import Action
from cases import registry
from cases.models import (
    ASSESSED_LEVELS,
    LEVEL_RANK,
    Assessment,
    AssessmentContribution,
    Case,
    Entry,
    Harm,
    Protective,
    RiskLevel,
    Vulnerability,
)
from cases.roles import Act, require
from cases.services import CaseClosed, case_changed, lock_open, record_on_chronology
from people.models import Person
from safeguarding import uk_time


class NotLeadAgency(PermissionDenied):
    """The level is the lead agency's judgement: another agency adds its part instead."""

    shown_to_person = True

    def __init__(self) -> None:
        super().__init__(
            "Only the agency leading the case records its exploitation risk level. Add your "
            "agency’s part to the assessment instead: the lead agency weighs it."
        )


class AgreementRefused(ValidationError):
    """Why this person cannot agree this lower level now (shown as it is)."""


def latest_review_day(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.ASSESSMENT_REVIEW_MAX_DAYS)


def _labels(values: list[str], choices) -> str:
    names = dict(choices)
    return "; ".join(names[v] for v in values) or "none recorded"


def _clean_list(name: str, values, choices) -> list[str]:
    allowed = {value for value, _ in choices}
    values = list(values or [])
    if not all(isinstance(v, str) and v in allowed for v in values):
        raise ValidationError({name: "Choose from the list"})
    return sorted(set(values), key=[value for value, _ in choices].index)


def review_date_error(review_by: dt.date, today: dt.date) -> str:
    """Why a review date cannot be used ("" if it can): after today, and not too far."""
    if review_by <= today:
        return "The review date must be in the future"
    if review_by > latest_review_day(today):
        return (
            f"The review date must be within {settings.ASSESSMENT_REVIEW_MAX_DAYS} days "
            f"(by {uk_time.said(latest_review_day(today))})"
        )
    return ""


def _clean(
    *, level: str, analysis: str, rationale: str, review_by: dt.date, today: dt.date
) -> dict[str, str]:
    errors = {}
    if level not in {lvl.value for lvl in ASSESSED_LEVELS}:
        errors["level"] = "Choose the level of risk: low, medium or high"
    if not (analysis or "").strip():
        errors["analysis"] = "Enter your analysis"
    if not (rationale or "").strip():
        errors["rationale"] = "Enter why you chose this level"
    if review_by is None:
        errors["review_by"] = "Enter the date to review the assessment by"
    elif error := review_date_error(review_by, today):
        errors["review_by"] = error
    return errors


@transaction.atomic
def record_assessment(
    person: Person,
    case: Case,
    *,
    harm: list[str],
    vulnerabilities: list[str],
    protective: list[str],
    child_view: str,
    analysis: str,
    level: str,
    rationale: str,
    review_by: dt.date,
) -> Assessment:
    """Record the lead agency's assessment with the level the practitioner chose.

    The level is saved as given. If it is lower than the case's, the case keeps its level
    until a second person agrees (`agree_level`); otherwise it is the case's level now.
    Contributions the lead agency can read and no assessment has weighed yet are marked
    as weighed in this one.
    """
    require(person, Act.ASSESS)
    if case.lead_agency_id != person.agency_id:
        raise NotLeadAgency()
    today = timezone.localdate()
    errors = _clean(
        level=level, analysis=analysis, rationale=rationale, review_by=review_by, today=today
    )
    cleaned = {
        "harm": _clean_list("harm", harm, Harm.choices),
        "vulnerabilities": _clean_list("vulnerabilities", vulnerabilities, Vulnerability.choices),
        "protective": _clean_list("protective", protective, Protective.choices),
    }
    if errors:
        raise ValidationError(errors)
    lock_open(case)  # the level compared with is the one the case holds now
    previous = Case.objects.values_list("risk_level", flat=True).get(pk=case.pk)
    needs_agreement = LEVEL_RANK[RiskLevel(level)] < LEVEL_RANK[RiskLevel(previous)]
    assessment = Assessment.objects.create(
        case=case,
        agency=person.agency,
        assessed_by=person,
        **cleaned,
        child_view=child_view.strip(),
        analysis=analysis.strip(),
        level=level,
        rationale=rationale.strip(),
        review_by=review_by,
        previous_level=previous,
        needs_agreement=needs_agreement,
    )
    if not needs_agreement:
        Case.objects.filter(pk=case.pk).update(risk_level=level)
        case.risk_level = level
    weighed = (
        contributions_seen_by(person, case)
        .filter(weighed_in__isnull=True)
        .update(weighed_in=assessment)
    )
    record_on_chronology(case, person, Entry.Category.ASSESSMENT, _summary(assessment))
    if (
        previous in (RiskLevel.LOW, RiskLevel.MEDIUM)
        and LEVEL_RANK[RiskLevel(level)] > (LEVEL_RANK[RiskLevel(previous)])
    ):
        registry.concern_raised(
            "level_raised", [case.pk], assessment.pk,
            f"Case {case.reference}: exploitation risk raised from {previous} to {level}",
        )  # fmt: skip
    case_changed(
        Action.ASSESSMENT_RECORDED, person, case.pk,
        assessment=assessment.pk, level=level, previous=previous,
        needs_agreement=needs_agreement, contributions_weighed=weighed,
    )  # fmt: skip
    return assessment


def _summary(assessment: Assessment) -> str:
    level = assessment.get_level_display()
    text = (
        f"Exploitation risk assessment: {level.lower()} risk, chosen by the practitioner. "
        f"Why: {assessment.rationale} Review by {uk_time.said(assessment.review_by)}."
    )
    if assessment.needs_agreement:
        before = RiskLevel(assessment.previous_level).label.lower()
        text += (
            f" This is lower than the case’s {before} risk: the case stays {before} until a "
            "team manager or MASH manager of the lead agency agrees."
        )
    return text


@transaction.atomic
def agree_level(person: Person, assessment: Assessment) -> Assessment:
    """A second person of the lead agency agrees the lower level: it becomes the case's.

    Again is harmless (the first agreement stands). Refused to the assessor, to another
    agency, for a level that did not go down, and once a later assessment has replaced it.
    """
    require(person, Act.AGREE_LEVEL)
    case = assessment.case
    if case.lead_agency_id != person.agency_id:
        raise NotLeadAgency()
    try:
        lock_open(case)
    except CaseClosed as closed:
        raise AgreementRefused(str(closed)) from closed
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.agreed_at is not None:
        return assessment
    if not assessment.needs_agreement:
        raise AgreementRefused("This level did not go down, so it needs no agreement.")
    if assessment.assessed_by_id == person.pk:
        raise AgreementRefused(
            "A second person must agree a lower level: ask a team manager or MASH manager "
            "who did not record the assessment."
        )
    later = Assessment.objects.filter(case=case, assessed_at__gt=assessment.assessed_at)
    if later.exists():
        raise AgreementRefused("A later assessment has replaced this one: agree that instead.")
    assessment.agreed_by = person
    assessment.agreed_at = timezone.now()
    assessment.save(update_fields=["agreed_by", "agreed_at"])
    Case.objects.filter(pk=case.pk).update(risk_level=assessment.level)
    case.risk_level = assessment.level
    record_on_chronology(
        case, person, Entry.Category.ASSESSMENT,
        f"Lower exploitation risk level agreed: {assessment.get_level_display().lower()} risk, "
        f"assessed by {assessment.assessed_by.display_name} and agreed by "
        f"{person.display_name} ({person.get_role_display().lower()}).",
    )  # fmt: skip
    case_changed(
        Action.ASSESSMENT_LEVEL_AGREED, person, case.pk,
        assessment=assessment.pk, level=assessment.level, assessed_by=assessment.assessed_by_id,
    )  # fmt: skip
    return assessment


@transaction.atomic
def add_contribution(
    person: Person, case: Case, *, harm: list[str], analysis: str, restricted: bool
) -> AssessmentContribution:
    """An agency working with the child adds what it has seen and its analysis, attributed
    to it, for the lead agency to weigh; restricted, only its own agency reads it."""
    require(person, Act.CONTRIBUTE_ASSESSMENT)
    if not (analysis or "").strip():
        raise ValidationError({"analysis": "Enter your agency’s analysis"})
    harm = _clean_list("harm", harm, Harm.choices)
    lock_open(case)
    contribution = AssessmentContribution.objects.create(
        case=case,
        agency=person.agency,
        contributed_by=person,
        harm=harm,
        analysis=analysis.strip(),
        restricted=restricted,
    )
    Entry.objects.create(
        case=case,
        category=Entry.Category.ASSESSMENT_CONTRIBUTION,
        occurred_at=contribution.contributed_at,
        recorded_at=contribution.contributed_at,
        recorded_by=person,
        agency=person.agency,
        text=(
            f"Contribution to the exploitation risk assessment from {person.agency.name}. "
            f"Signs seen: {_labels(harm, Harm.choices)}. Analysis: {contribution.analysis}"
        ),
        restricted=restricted,
    )
    case_changed(
        Action.ASSESSMENT_CONTRIBUTED, person, case.pk,
        contribution=contribution.pk, restricted=restricted,
    )  # fmt: skip
    return contribution


# --- reading ---------------------------------------------------------------------------------


def assessments(case: Case) -> QuerySet:
    """The case's assessments, newest first. They are the case's, like its screenings:
    every agency that may see the case reads them."""
    return (
        Assessment.objects.filter(case=case)
        .select_related("assessed_by", "agency", "agreed_by")
        .order_by("-assessed_at", "-id")
    )


def contributions_seen_by(person: Person, case: Case) -> QuerySet:
    """The contributions the person's agency may read: all but other agencies' restricted ones."""
    return (
        AssessmentContribution.objects.filter(case=case)
        .filter(Q(restricted=False) | Q(agency_id=person.agency_id))
        .select_related("agency", "contributed_by", "weighed_in")
        .order_by("-contributed_at", "-id")
    )


@dataclass(frozen=True)
class Standing:
    """What the case page says of the case's level: where it came from and what is pending."""

    level: str
    latest: Assessment | None  # the newest assessment, pending or not
    pending: Assessment | None  # the newest, if it lowers the level and waits for agreement
    screened_at: dt.datetime | None  # the level came from a scored screening, on that day

    @property
    def from_screening(self) -> bool:
        return self.screened_at is not None


def standing(case: Case) -> Standing:
    """The case's level and its source, in one to three queries: the newest assessment,
    and only when no assessment stands, the scored screening the level came from."""
    latest = assessments(case).first()
    pending = latest if latest is not None and not latest.stands else None
    screened_at = None
    if latest is None or pending is not None:
        stood = Assessment.objects.filter(case=case).filter(
            Q(needs_agreement=False) | Q(agreed_at__isnull=False)
        )
        if case.risk_level != RiskLevel.NOT_SCREENED and not stood.exists():
            screened_at = (
                case.screenings.order_by("-screened_at", "-id")
                .values_list("screened_at", flat=True)
                .first()
            )
    return Standing(case.risk_level, latest, pending, screened_at)

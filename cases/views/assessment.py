"""Exploitation risk assessments (issue 21): the history every agency that sees the case
reads, the lead agency's assessment, another agency's part, and a manager's agreement to a
lower level. Scored screenings are read-only history: a new one answers 410."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cases import assessments as service
from cases import selectors
from cases.forms import AssessmentForm, ContributionForm
from cases.models import Assessment, Harm, Protective, Screening, Vulnerability
from cases.pages import (
    contributing,
    done,
    errors_on,
    form_page,
    page,
    posted,
    section_context,
    viewed,
)
from cases.roles import Act, may
from cases.services import CaseClosed

LISTS = {"harm": Harm.choices, "vulnerabilities": Vulnerability.choices,
         "protective": Protective.choices}  # fmt: skip


@login_required
@require_http_methods(["GET"])
def assessments(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's assessments, newest first, with the contributions the reader's agency may
    read; what the reader may do next."""
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    history = page(request, service.assessments(case))
    contributions = list(service.contributions_seen_by(person, case)[:50])
    viewed(request, case, "assessments", page=history.number)
    held = selectors.held(person, case).needs
    return render(request, "cases/assessments.html", {
        **section_context(person, case, "assessments"),
        "page_obj": history, "contributions": contributions,
        "standing": service.standing(case), "lists": LISTS,
        "may_assess": may(person, Act.ASSESS) and case.lead_agency_id == person.agency_id
        and "manage" in held,
        "may_contribute": may(person, Act.CONTRIBUTE_ASSESSMENT) and "contribute" in held,
        "may_agree": may(person, Act.AGREE_LEVEL) and case.lead_agency_id == person.agency_id
        and "manage" in held,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = contributing(request, case_id, Act.ASSESS)
    if case.lead_agency_id != person.agency_id:
        raise service.NotLeadAgency()
    form = AssessmentForm(posted(request), initial=AssessmentForm.initial_for())
    if request.method == "POST" and form.is_valid() and form.language_ok():
        try:
            assessment = service.record_assessment(person, case, **form.cleaned_data)
        except ValidationError as error:
            errors_on(form, error)
        except CaseClosed as closed:
            form.add_error(None, str(closed))
        else:
            said = assessment.get_level_display().lower()
            if assessment.needs_agreement:
                message = (f"Assessment recorded: {said} risk. The case keeps its level until a "
                           "team manager or MASH manager agrees the lower one.")  # fmt: skip
            else:
                message = f"Assessment recorded: the case’s exploitation risk is {said}."
            return done(request, case, message, to="assessments")
    weigh = [c for c in service.contributions_seen_by(person, case) if c.weighed_in_id is None]
    return form_page(
        request, case, "assessment_new", "cases/assessment_form.html", form,
        {"weigh": weigh, "lists": LISTS},
    )  # fmt: skip


@login_required
@require_POST
def assessment_agree(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    person = request.user
    case = contributing(request, case_id, Act.AGREE_LEVEL)
    assessment = get_object_or_404(Assessment, pk=assessment_id, case=case)
    try:
        service.agree_level(person, assessment)
    except service.AgreementRefused as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("assessments", case_id=case.pk)
    return done(
        request, case,
        f"Lower level agreed: the case’s exploitation risk is now "
        f"{assessment.get_level_display().lower()}.",
        to="assessments",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def assessment_contribute(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = contributing(request, case_id, Act.CONTRIBUTE_ASSESSMENT)
    form = ContributionForm(posted(request))
    if request.method == "POST" and form.is_valid() and form.language_ok():
        try:
            service.add_contribution(person, case, **form.cleaned_data)
        except ValidationError as error:
            errors_on(form, error)
        except CaseClosed as closed:
            form.add_error(None, str(closed))
        else:
            return done(request, case, "Your agency’s part is added for the lead agency to "
                        "weigh.", to="assessments")  # fmt: skip
    return form_page(
        request, case, "assessment_contribute", "cases/contribution_form.html", form,
        {"lists": LISTS},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def screenings(request: HttpRequest, case_id: int) -> HttpResponse:
    """Scored screenings, as history. No new one is made (issue 21): a POST answers 410 Gone
    and points to the exploitation risk assessment."""
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    history = page(request, selectors.screenings(case))
    context = {
        "case": case, "child": case.child, "page_obj": history,
        "indicator_choices": Screening.Indicator.choices,
        "gone": request.method == "POST",
    }  # fmt: skip
    if request.method == "GET":
        viewed(request, case, "screenings", page=history.number)
    return render(request, "cases/screenings.html", context, status=410 if context["gone"] else 200)

"""The case API under /api/v1/: the same access and audit rules as the pages.

Every case is fetched through `cases.selectors.case_for` (404 for anything not visible,
whether it exists or not), every change goes through a service (which writes the audit
event and the chronology), and every read of case data is audited here, before the answer
is built. Lists are cursor-paged, 25 a page, in a fixed number of queries.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actions import Action
from cases import assessments as assessing
from cases import http, selectors
from cases import serializers as s
from cases.models import Assessment, Case, Phrase
from cases.roles import Act, require
from cases.services import (
    AmendmentRefused,
    CaseAlreadyClosed,
    CaseClosed,
    OpenCaseExists,
    add_entry,
    amend_entry,
    close_case,
    create_child_and_case,
    open_case,
    possible_duplicates,
)
from safeguarding import problems
from safeguarding.paging import CursorPage


def _with_access(person, case: Case) -> Case:
    case.access = ["view"] + [
        need for need in ("contribute", "manage") if selectors.can(person, case, need)
    ]
    return case


def case_tag(person, case: Case) -> str:
    """The ETag `GET /api/v1/cases/<id>/` serves this person now (for If-Match)."""
    return http.etag_of(s.CaseDetailSerializer(_with_access(person, case)).data)


def _children(person, **terms):
    """Children the person may see, with what their answer shows, in a fixed few queries."""
    return selectors.search_children(person, **terms).select_related("responsible_authority")


# --- children -------------------------------------------------------------------------------


@http.collection(
    tags=["children"],
    row=s.ChildSerializer,
    new=s.NewChildSerializer,
    filters=s.ChildSearchSerializer,
    listing=(
        "children_search",
        "Find children you may see",
        "Children with at least one case you may see, matching every term given: part of a "
        "name or alias (accents and case ignored), date of birth, NHS number. Newest records "
        "first.",
    ),
    creating=(
        "children_create",
        "Record a child and open a case",
        "The case is led by your agency, which manages it. Possible duplicates answer 409 "
        "first: send again with `confirm_not_duplicate: true` if none of them is this child. "
        "An NHS number already recorded is always 409.",
    ),
    created=http.answers(
        {
            201: s.CreatedChildSerializer,
            409: OpenApiResponse(
                s.DuplicatesSerializer,
                description="The child may already be recorded (or certainly is: the same NHS "
                "number). Nothing was saved.",
            ),
        },
        400,
    ),
)
def children(request: Request) -> Response:
    person = request.user
    if request.method == "GET":
        terms = http.query(request, s.ChildSearchSerializer)
        found = _children(
            person,
            name=terms.get("search", ""),
            date_of_birth=terms.get("date_of_birth"),
            nhs_number=terms.get("nhs_number", ""),
        )
        paginator, rows = http.paged(request, found, "-id")
        http.audit(
            request,
            Action.SEARCH,
            "child",
            "",
            terms=sorted(name for name, value in terms.items() if value),
            children=[child.pk for child in rows],
        )
        return paginator.get_paginated_response(s.ChildSerializer(rows, many=True).data)

    require(person, Act.OPEN_CASE)
    data = http.body(request, s.NewChildSerializer)
    identity = {k: data[k] for k in ["first_name", "last_name", "date_of_birth", "nhs_number"]}
    matches = possible_duplicates(person, **identity)
    if any(m.same_nhs_number for m in matches) or (matches and not data["confirm_not_duplicate"]):
        return http.duplicates(request, matches)
    try:
        case = create_child_and_case(
            person,
            child_fields={k: data[k] for k in http.CHILD_FIELDS},
            aliases=data["aliases"],
            concern=data["concern"],
        )
    except IntegrityError:
        if not data["nhs_number"]:
            raise
        # Someone recorded the same NHS number between our check and our insert.
        return http.duplicates(request, possible_duplicates(person, **identity))
    created = {"child": _children(person).get(pk=case.child_id), "case": case}
    return Response(
        s.CreatedChildSerializer(created).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-child", case.child_id),
    )


@extend_schema(
    operation_id="child_retrieve",
    tags=["children"],
    parameters=[http.CHILD_ID],
    responses=http.answers({200: s.ChildSerializer}, 404),
)
@api_view(["GET"])
@http.casework
def child(request: Request, child_id: int) -> Response:
    """A child with at least one case you may see, and those cases."""
    found = _children(request.user).filter(pk=child_id).first()
    if found is None:
        selectors.record_refusal(request.user, "child", child_id, "view")
        raise Http404("No such child")
    http.audit(
        request,
        Action.CASE_VIEWED,
        "child",
        found.pk,
        cases=[case.pk for case in found.visible_cases],
    )
    return http.tagged(request, s.ChildSerializer(found).data)


# --- cases ----------------------------------------------------------------------------------


@http.collection(
    tags=["cases"],
    row=s.CaseSerializer,
    new=s.NewCaseSerializer,
    listing=("cases_list", "Cases shared with your agency", "Newest first."),
    filters=s.CaseFilterSerializer,
    creating=(
        "cases_create",
        "Open a case for a child you may see",
        "The case is led by your agency, which manages it.",
    ),
    created=http.answers({201: s.CaseDetailSerializer}, 400, 404) | {409: http.OPEN_CASE_EXISTS},
)
def cases(request: Request) -> Response:
    person = request.user
    if request.method == "GET":
        filters = http.query(request, s.CaseFilterSerializer)
        found = selectors.visible_cases(person)
        if filters.get("reference"):
            found = found.filter(reference="".join(filters["reference"].split()).upper())
        paginator, rows = http.paged(request, found, "-opened_at", "-id")
        http.audit(request, Action.CASE_LISTED, "case", "", cases=[case.pk for case in rows])
        return paginator.get_paginated_response(s.CaseSerializer(rows, many=True).data)

    require(person, Act.OPEN_CASE)
    data = http.body(request, s.NewCaseSerializer)
    found = selectors.search_children(person).filter(pk=data["child"]).first()
    if found is None:
        raise Http404("No such child")
    try:
        case = open_case(person, found, concern=data["concern"])
    except OpenCaseExists as refused:
        return http.open_case_exists(request, refused.case)
    data = s.CaseDetailSerializer(_with_access(person, case)).data
    return Response(
        data, status=status.HTTP_201_CREATED, headers=http.location(request, "api-case", case.pk)
    )


@extend_schema(
    operation_id="case_retrieve",
    tags=["cases"],
    parameters=[http.CASE_ID],
    responses=http.answers({200: s.CaseDetailSerializer}, 404),
)
@api_view(["GET"])
@http.casework
def case(request: Request, case_id: int) -> Response:
    """One case, and what you may do with it."""
    person = request.user
    found = _with_access(person, selectors.case_for(person, case_id, audit_refusal=True))
    http.read(request, found, view="case")
    return http.tagged(request, s.CaseDetailSerializer(found).data)


@extend_schema(
    operation_id="case_close",
    tags=["cases"],
    parameters=[http.CASE_ID, http.IDEMPOTENCY_KEY, http.IF_MATCH],
    request=s.CloseCaseSerializer,
    responses=http.answers({200: s.CaseDetailSerializer}, 400, 404, 409)
    | http.KEY_REUSED
    | {412: http.problem_answer("`If-Match` names a version of the case you were not served.")},
)
@api_view(["POST"])
@http.casework
@http.idempotent
def close(request: Request, case_id: int) -> Response:
    """Close a case your agency manages, with a reason (409 if it is already closed)."""
    person = request.user
    found = selectors.case_to(person, case_id, Act.CLOSE)
    data = http.body(request, s.CloseCaseSerializer)
    if refused := http.stale(request, case_tag(person, found)):
        return refused
    try:
        close_case(person, found, data["reason"])
    except CaseAlreadyClosed:
        return http.problem("This case is already closed.")
    return Response(s.CaseDetailSerializer(_with_access(person, found)).data)


# --- the chronology -------------------------------------------------------------------------


@http.collection(
    tags=["cases"],
    path=[http.CASE_ID],
    row=s.EntrySerializer,
    new=s.NewEntrySerializer,
    filters=s.EntryFilterSerializer,
    listing=(
        "case_entries_list",
        "The case's chronology as you may see it",
        "Latest first. Restricted entries of other agencies are never listed. An amended "
        "entry stays, with `superseded_by` naming its correction.",
    ),
    creating=(
        "case_entries_create",
        "Record a chronology entry, or amend one",
        "To amend one of your agency's entries (its newest version), give its id in "
        "`supersedes` and an `amendment_reason`: the correction is a new entry, seen by "
        "whoever could see the original.",
    ),
)
def entries(request: Request, case_id: int) -> Response:
    person = request.user
    if request.method == "GET":
        found = selectors.case_for(person, case_id, audit_refusal=True)
        terms = http.query(request, s.EntryFilterSerializer)
        chronology = selectors.chronology(
            found,
            person,
            agency_id=terms.get("agency"),
            category=terms.get("category", ""),
            occurred_from=terms.get("occurred_from"),
            occurred_to=terms.get("occurred_to"),
            significant=terms.get("show") == "significant",
        )
        return http.read_page(
            request,
            found,
            chronology,
            s.EntrySerializer,
            ("-occurred_at", "-id"),
            view="chronology",
            listed="entries",
        )

    found = selectors.case_to(person, case_id, Act.ADD_ENTRY)
    data = http.body(request, s.NewEntrySerializer, born=found.child.date_of_birth)
    what = {k: data[k] for k in ["category", "occurred_at", "text"]}
    if data["supersedes"]:
        original = selectors.entry_for(person, found, data["supersedes"])
        try:
            entry = amend_entry(person, original, reason=data["amendment_reason"], **what)
        except AmendmentRefused as refused:
            raise ValidationError({"supersedes": [str(refused)]}) from None
    else:
        entry = add_entry(person, found, restricted=data["restricted"], **what)
    return Response(
        s.EntrySerializer(entry).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-entry", found.pk, entry.pk),
    )


ENTRY_ID = http.id_parameter("entry_id", "An entry of the case's chronology.")


@http.item(
    tags=["cases"],
    row=s.EntrySerializer,
    operation=(
        "case_entry_retrieve",
        "One entry of the chronology",
        "As the chronology shows it to you: a restricted entry of another agency is not found.",
    ),
    path=[http.CASE_ID, ENTRY_ID],
)
def entry(request: Request, case_id: int, entry_id: int) -> Response:
    return http.case_item(
        request, case_id, entry_id,
        lambda case: selectors.chronology(case, request.user),
        s.EntrySerializer, view="chronology", listed="entries",
    )  # fmt: skip


# --- screenings -----------------------------------------------------------------------------


@http.collection(
    tags=["cases"],
    path=[http.CASE_ID],
    row=s.ScreeningSerializer,
    new=s.NewScreeningSerializer,
    listing=("case_screenings_list", "The case's CSE screenings", "Latest first."),
    creating=(
        "case_screenings_create",
        "Scored screenings are no longer recorded",
        "Always 410 Gone (issue 21): the level of exploitation risk is the practitioner's "
        "judgement, recorded with `POST /api/v1/cases/{case_id}/assessments/`, named in the "
        "problem's `successor` and the `Link` header. Nothing is saved. Reading the case's "
        "old screenings still works.",
    ),
    created=http.answers({}, 400, 404, 410),
)
def screenings(request: Request, case_id: int) -> Response:
    if request.method == "GET":
        order = ("-screened_at", "-id")
        return http.case_page(
            request, case_id, selectors.screenings, s.ScreeningSerializer, order, view="screenings"
        )
    found = selectors.case_for(request.user, case_id, audit_refusal=True)
    successor = request.build_absolute_uri(reverse("api-case-assessments", args=[found.pk]))
    return problems.problem(
        status.HTTP_410_GONE,
        "Scored CSE screenings are no longer recorded, and nothing was saved. Record an "
        "exploitation risk assessment instead: the practitioner chooses the level and says why.",
        successor=successor,
        headers={"Link": f'<{successor}>; rel="successor-version"'},
    )


SCREENING_ID = http.id_parameter("screening_id", "A CSE screening of the case.")


@http.item(
    tags=["cases"],
    row=s.ScreeningSerializer,
    operation=("case_screening_retrieve", "One CSE screening", "As the list shows it."),
    path=[http.CASE_ID, SCREENING_ID],
)
def screening(request: Request, case_id: int, screening_id: int) -> Response:
    return http.case_item(
        request, case_id, screening_id, selectors.screenings, s.ScreeningSerializer,
        view="screenings",
    )  # fmt: skip


# --- exploitation risk assessments (issue 21) -------------------------------------------------

ASSESSMENT_ID = http.id_parameter("assessment_id", "An exploitation risk assessment of the case.")
CONTRIBUTION_ID = http.id_parameter("contribution_id", "An agency's part of the assessment.")


@http.collection(
    tags=["cases"],
    path=[http.CASE_ID],
    row=s.AssessmentSerializer,
    new=s.NewAssessmentSerializer,
    listing=("case_assessments_list", "The case's exploitation risk assessments", "Newest first."),
    creating=(
        "case_assessments_create",
        "Record an exploitation risk assessment",
        "The lead agency's practitioner (403 for another agency: add its part instead). The "
        "level is saved as sent; the signs, vulnerabilities and protective factors never set "
        "it. A level lower than the case's waits for a team manager or MASH manager to agree "
        "(`stands` false) and the case keeps its level until then.",
    ),
    created=http.answers({201: s.AssessmentSerializer}, 400, 404, 409),
)
def assessments(request: Request, case_id: int) -> Response:
    if request.method == "GET":
        return http.case_page(
            request, case_id, assessing.assessments, s.AssessmentSerializer,
            ("-assessed_at", "-id"), view="assessments",
        )  # fmt: skip
    person = request.user
    found = selectors.case_to(person, case_id, Act.ASSESS)
    if found.lead_agency_id != person.agency_id:
        raise assessing.NotLeadAgency()
    data = http.body(request, s.NewAssessmentSerializer)
    try:
        assessment = assessing.record_assessment(person, found, **data)
    except DjangoValidationError as error:
        raise http.refused(error) from error
    except CaseClosed as closed:
        return http.case_closed(closed)
    return Response(
        s.AssessmentSerializer(assessment).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-assessment", found.pk, assessment.pk),
    )


@http.item(
    tags=["cases"],
    row=s.AssessmentSerializer,
    operation=("case_assessment_retrieve", "One exploitation risk assessment", "As listed."),
    path=[http.CASE_ID, ASSESSMENT_ID],
)
def assessment(request: Request, case_id: int, assessment_id: int) -> Response:
    return http.case_item(
        request, case_id, assessment_id, assessing.assessments, s.AssessmentSerializer,
        view="assessments",
    )  # fmt: skip


@extend_schema(
    operation_id="case_assessment_agree",
    summary="Agree a lower exploitation risk level",
    description="A team manager or MASH manager of the lead agency who did not record the "
    "assessment. The level becomes the case's. Again is harmless.",
    tags=["cases"],
    parameters=[http.CASE_ID, ASSESSMENT_ID, http.IDEMPOTENCY_KEY],
    request=None,
    responses=http.answers({200: s.AssessmentSerializer}, 400, 404) | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def assessment_agree(request: Request, case_id: int, assessment_id: int) -> Response:
    person = request.user
    found = selectors.case_to(person, case_id, Act.AGREE_LEVEL)
    chosen = Assessment.objects.filter(case=found, pk=assessment_id).first()
    if chosen is None:
        raise Http404("No such assessment")
    try:
        agreed = assessing.agree_level(person, chosen)
    except assessing.AgreementRefused as refused:
        raise ValidationError({"non_field_errors": refused.messages}) from refused
    return Response(s.AssessmentSerializer(assessing.assessments(found).get(pk=agreed.pk)).data)


@http.collection(
    tags=["cases"],
    path=[http.CASE_ID],
    row=s.ContributionSerializer,
    new=s.NewContributionSerializer,
    listing=(
        "case_assessment_contributions_list",
        "Agencies' parts of the risk assessment",
        "Newest first; another agency's restricted part is not listed.",
    ),
    creating=(
        "case_assessment_contributions_create",
        "Add your agency's part to the risk assessment",
        "The signs your agency has seen and its analysis, for the lead agency to weigh.",
    ),
    created=http.answers({201: s.ContributionSerializer}, 400, 404, 409),
)
def contributions(request: Request, case_id: int) -> Response:
    person = request.user
    if request.method == "GET":
        return http.case_page(
            request, case_id, lambda case: assessing.contributions_seen_by(person, case),
            s.ContributionSerializer, ("-contributed_at", "-id"), view="assessments",
            listed="contributions",
        )  # fmt: skip
    found = selectors.case_to(person, case_id, Act.CONTRIBUTE_ASSESSMENT)
    data = http.body(request, s.NewContributionSerializer)
    try:
        contribution = assessing.add_contribution(person, found, **data)
    except DjangoValidationError as error:
        raise http.refused(error) from error
    except CaseClosed as closed:
        return http.case_closed(closed)
    return Response(
        s.ContributionSerializer(contribution).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(
            request, "api-case-assessment-contribution", found.pk, contribution.pk
        ),
    )


@http.item(
    tags=["cases"],
    row=s.ContributionSerializer,
    operation=("case_assessment_contribution_retrieve", "One agency's part", "As listed."),
    path=[http.CASE_ID, CONTRIBUTION_ID],
)
def contribution(request: Request, case_id: int, contribution_id: int) -> Response:
    return http.case_item(
        request, case_id, contribution_id,
        lambda case: assessing.contributions_seen_by(request.user, case),
        s.ContributionSerializer, view="assessments", listed="contributions",
    )  # fmt: skip


# --- the language prompts' phrases (issue 21) --------------------------------------------------


@extend_schema(
    operation_id="language_phrases_list",
    summary="Words that can blame a child, and what to say instead",
    description="The list the Hub's forms prompt with (never blocking), by phrase, 100 a "
    "page: for an integrator's own forms. `words` matches whole words, any case; a word "
    "ending in * matches any word it begins. The same for everyone signed in.",
    tags=["lookups"],
    parameters=[http.CURSOR],
    responses=http.answers(http.page(s.PhraseSerializer), 400),
)
@api_view(["GET"])
def language_phrases(request: Request) -> Response:
    unknown = {name: ["Unknown parameter."] for name in request.query_params if name != "cursor"}
    if unknown:
        raise ValidationError(unknown)
    paginator = CursorPage("words", "id", page_size=100)
    rows = paginator.paginate_queryset(Phrase.objects.filter(active=True), request)
    return paginator.get_paginated_response(s.PhraseSerializer(rows, many=True).data)

"""The access-report API under /api/v1/audit/: the same rules as the pages.

Who may read what is decided once, in reports/selectors.py (see its docstring): an
information-governance officer reads the events about their agency's managed cases and
those cases' children, and everything their agency's people did; anyone else reads only
the events on the cases their agency manages. Emergency-access reviews are for
information governance alone (403 for anyone else; 404 for an access to a case their
agency does not manage; 409 once reviewed). Every read is itself audited.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actions import Action
from cases import http
from people.models import Person
from reports import serializers
from reports.selectors import (
    IG_ONLY,
    is_information_governance,
    report_events,
    reviewable_accesses,
)
from sharing import serializers as shared
from sharing.services import AlreadyReviewed, review_emergency_access

ACCESS_ID = http.id_parameter("access_id", "An emergency access id.")
NOT_IG = http.problem_answer(
    "Not an information governance officer; or a session request without its "
    "CSRF token, or a person in no agency.",
)
ALREADY_REVIEWED = http.problem_answer("Already reviewed: nothing was changed.")
TAGS = ["access reports"]


def _information_governance(request: Request) -> Person:
    person = request.user
    if not is_information_governance(person):
        http.audit(request, Action.PERMISSION_REFUSED, "", "", **IG_ONLY)
        raise PermissionDenied("Only information governance officers can use this.")
    return person


@extend_schema(
    operation_id="audit_events_list",
    summary="Who did what, to which case or child",
    description="Audit events you may read, newest first, matching every filter given. An "
    "information governance officer reads the events about the cases their agency manages "
    "and those cases' children, and everything done by their agency's people; anyone else "
    "the events about the cases their agency manages. `under` says which share or emergency "
    "access a read was made under. Reading this is itself recorded.",
    tags=TAGS,
    parameters=[serializers.EventFilterSerializer, http.CURSOR],
    responses=http.answers(http.page(serializers.EventSerializer), 400, 404),
)
@api_view(["GET"])
@http.casework
def events(request: Request) -> Response:
    terms = http.strict_query(request, serializers.EventFilterSerializer)
    found = report_events(
        request.user,
        case_ids=[terms["case"]] if "case" in terms else None,
        child_id=terms.get("child"),
        actor=terms.get("actor"),
        action=terms.get("action"),
        occurred_from=terms.get("occurred_from"),
        occurred_to=terms.get("occurred_to"),
    )
    paginator, rows = http.paged(request, found, "-occurred_at", "-id")
    target = ("case", terms["case"]) if "case" in terms else ("", "")
    if not target[0] and "child" in terms:
        target = ("child", terms["child"])
    described = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in terms.items()}
    http.audit(
        request, Action.ACCESS_REPORT_VIEWED, *target,
        report="events", filters=described, rows=len(rows), events=[e.pk for e in rows],
    )  # fmt: skip
    return paginator.get_paginated_response(serializers.EventSerializer(rows, many=True).data)


@extend_schema(
    operation_id="audit_emergency_accesses_list",
    summary="Emergency accesses to your agency's cases, for review",
    description="Information governance only. Newest first; `reviewed=false` for those "
    "awaiting review.",
    tags=TAGS,
    parameters=[shared.EmergencyAccessFilterSerializer, http.CURSOR],
    responses=http.answers(http.page(shared.EmergencyAccessReviewSerializer), 400, 404)
    | {403: NOT_IG},
)
@api_view(["GET"])
@http.casework
def emergency_accesses(request: Request) -> Response:
    person = _information_governance(request)
    terms = http.strict_query(request, shared.EmergencyAccessFilterSerializer)
    found = reviewable_accesses(person)
    if "reviewed" in terms:
        found = found.filter(reviewed_at__isnull=terms["reviewed"] == "false")
    paginator, rows = http.paged(request, found, "-granted_at", "-id")
    http.audit(
        request, Action.ACCESS_REPORT_VIEWED, "", "",
        report="emergency_access", filters=terms, rows=len(rows),
        accesses=[access.pk for access in rows],
    )  # fmt: skip
    data = shared.EmergencyAccessReviewSerializer(rows, many=True).data
    return paginator.get_paginated_response(data)


@extend_schema(
    operation_id="audit_emergency_access_review",
    summary="Mark an emergency access reviewed",
    description="Information governance at the agency that manages the case only. The "
    "review is recorded on the case's chronology (without the note) and in the audit log. "
    "An access already reviewed answers 409 and is left as it was.",
    tags=TAGS,
    parameters=[ACCESS_ID, http.IDEMPOTENCY_KEY],
    request=shared.ReviewSerializer,
    responses=http.answers(
        {200: shared.EmergencyAccessReviewSerializer, 409: ALREADY_REVIEWED}, 400, 404
    )
    | {403: NOT_IG}
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def review(request: Request, access_id: int) -> Response:
    person = _information_governance(request)
    access = reviewable_accesses(person).filter(pk=access_id).first()
    if access is None:
        raise Http404("No such emergency access")
    incoming = shared.ReviewSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    if access.reviewed_at is not None:
        return http.problem("This emergency access has already been reviewed.")
    try:
        review_emergency_access(person, access, incoming.validated_data["note"])
    except AlreadyReviewed as reviewed:  # by someone else, a moment ago
        return http.problem(str(reviewed))
    access = reviewable_accesses(person).get(pk=access.pk)
    return Response(shared.EmergencyAccessReviewSerializer(access).data)

"""The shares and emergency-access API under /api/v1/: the same rules as `cases.api`.

Every case is fetched through `cases.selectors.case_for` (404 for anything not visible,
whether it exists or not), every change goes through a `sharing.services` function (which
writes the audit event and the chronology), and every read is audited before the answer
is built.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from cases import http, selectors
from cases.models import Case
from cases.roles import Act, require
from sharing import selectors as shared
from sharing import serializers as s
from sharing import services as sharing
from sharing.models import EmergencyAccess, Share

SHARE_IF_MATCH = http.if_match("the share", "GET /api/v1/cases/{case_id}/shares/{share_id}/")
EMERGENCY_ACCESS_ID = http.id_parameter("access_id", "An emergency access granted to you.")
ALREADY_VISIBLE = http.problem_answer("You can already see the case: nothing was granted.")

# --- shares and emergency access ------------------------------------------------------------


@http.collection(
    tags=["shares"],
    path=[http.CASE_ID],
    row=s.ShareSerializer,
    new=s.NewShareSerializer,
    listing=(
        "case_shares_list",
        "Who the case is shared with",
        "Every share, active or revoked, for an agency that manages the case; otherwise only "
        "the shares to your own agency (so that you can acknowledge them).",
    ),
    creating=(
        "case_shares_create",
        "Share the case with another agency",
        "On a lawful basis, for a purpose. Needs manage.",
    ),
)
def shares(request: Request, case_id: int) -> Response:
    person = request.user
    if request.method == "GET":
        found = selectors.case_for(person, case_id, audit_refusal=True)
        http.query(request)
        given = _shares_seen(person, found)
        order = ("-shared_at", "-id")
        return http.read_page(request, found, given, s.ShareSerializer, order, view="shares")

    found = selectors.case_to(person, case_id, Act.SHARE)
    data = http.body(request, s.NewShareSerializer, person=person)
    try:
        share = sharing.share_case(
            found,
            person,
            data["agency"],
            data["level"],
            data["lawful_basis"],
            data["purpose"],
        )
    except sharing.PassingOnRefused as refused:
        return http.problem(str(refused), status.HTTP_403_FORBIDDEN)
    return Response(
        s.ShareSerializer(share).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-share", found.pk, share.pk),
    )


def _shares_seen(person, case: Case):
    """The case's shares as its list shows them to this person: every one to an agency that
    manages the case, only those to their own agency to anyone else."""
    given = shared.agencies_with_access(case)
    if not selectors.can(person, case, "manage"):
        given = given.filter(agency_id=person.agency_id)
    return given


@http.item(
    tags=["shares"],
    row=s.ShareSerializer,
    operation=(
        "case_share_retrieve",
        "One share of the case",
        "As the list shows it to you. Its `ETag` is what `If-Match` on revoking names.",
    ),
    path=[http.CASE_ID, http.SHARE_ID],
)
def share(request: Request, case_id: int, share_id: int) -> Response:
    return http.case_item(
        request, case_id, share_id, lambda case: _shares_seen(request.user, case),
        s.ShareSerializer, view="shares",
    )  # fmt: skip


@extend_schema(
    operation_id="share_acknowledge",
    tags=["shares"],
    parameters=[http.SHARE_ID],
    request=None,
    responses=http.answers({200: s.ShareSerializer}, 404),
)
@api_view(["POST"])
@http.casework
def acknowledge(request: Request, share_id: int) -> Response:
    """Say your agency has taken in a case shared with it; the chronology records who.
    Only a share to your agency, still in force (else 404); again is harmless."""
    person = request.user
    require(person, Act.ACKNOWLEDGE_SHARE, target_type="share", target_id=share_id)
    share = sharing.shares_received(person.agency).filter(pk=share_id).first()
    if share is None:
        selectors.record_refusal(person, "share", share_id, "acknowledge")
        raise Http404("No such share")
    share = sharing.acknowledge_share(share, person)
    return Response(s.ShareSerializer(share).data)


@extend_schema(
    operation_id="share_renew",
    summary="Keep a placement notice's access that is to lapse",
    description="For the agency the share is to, while it is set to lapse (`lapses_at`: the "
    "child left the area): kept for PLACEMENT_SHARE_LAPSE_DAYS more, with the reason on the "
    "chronology. 404 for any other share; 409 if it is not set to lapse.",
    tags=["shares"],
    parameters=[http.SHARE_ID, http.IDEMPOTENCY_KEY],
    request=s.RenewSerializer,
    responses=http.answers({200: s.ShareSerializer}, 400, 404, 409) | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def renew(request: Request, share_id: int) -> Response:
    person = request.user
    require(person, Act.ACKNOWLEDGE_SHARE, target_type="share", target_id=share_id)
    share = sharing.shares_received(person.agency).filter(pk=share_id).first()
    if share is None:
        selectors.record_refusal(person, "share", share_id, "renew")
        raise Http404("No such share")
    data = http.body(request, s.RenewSerializer)
    try:
        share = sharing.renew_share(share, person, data["reason"])
    except sharing.NotLapsing as refused:
        return http.problem(str(refused))
    return Response(s.ShareSerializer(share).data)


@extend_schema(
    operation_id="share_revoke",
    tags=["shares"],
    parameters=[http.SHARE_ID, SHARE_IF_MATCH],
    request=None,
    responses=http.answers({200: s.ShareSerializer}, 404, 409)
    | {412: http.problem_answer("`If-Match` names a version of the share you were not served.")},
)
@api_view(["POST"])
@http.casework
def revoke(request: Request, share_id: int) -> Response:
    """End a share of a case your agency manages, at once (again is harmless). The lead
    agency's own share cannot be revoked (409): the case would have no manager."""
    person = request.user
    require(person, Act.SHARE, target_type="share", target_id=share_id)
    share = Share.objects.filter(pk=share_id).first()
    if share is None:
        selectors.record_refusal(person, "share", share_id, "manage")
        raise Http404("No such share")
    try:
        selectors.case_for(person, share.case_id, need="manage", audit_refusal=True)
    except Http404:
        raise Http404("No such share") from None
    if refused := http.stale(request, http.etag_of(s.ShareSerializer(share).data), "share"):
        return refused
    try:
        share = sharing.revoke_share(share, person)
    except sharing.ShareRefused as refused:
        return http.problem(str(refused))
    return Response(s.ShareSerializer(share).data)


@extend_schema(
    operation_id="case_emergency_access",
    tags=["cases"],
    parameters=[http.CASE_ID, http.IDEMPOTENCY_KEY],
    request=s.EmergencyReasonSerializer,
    responses=http.answers({201: s.EmergencyAccessSerializer, 409: ALREADY_VISIBLE}, 400, 404)
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def emergency_access(request: Request, case_id: int) -> Response:
    """Break glass: read a case not shared with your agency, for a few hours, giving a
    reason. Granted to you alone, flagged in the audit log and shown on the case's
    chronology to its managing agency. 409 if you can already see the case.
    """
    person = request.user
    require(person, Act.EMERGENCY_ACCESS, target_id=case_id)
    # The reason first: a refused request must not tell whether the case exists.
    data = http.body(request, s.EmergencyReasonSerializer)
    # By id, without visibility: that is what breaking the glass means.
    found = Case.objects.filter(pk=case_id).first()
    if found is None:
        raise Http404("No such case")
    if selectors.can(person, found, "view"):
        return http.problem("You can already see this case, so no emergency access was granted.")
    access = sharing.grant_emergency_access(found, person, data["reason"])
    return Response(
        s.EmergencyAccessSerializer(access).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-emergency-access-item", found.pk, access.pk),
    )


@http.item(
    tags=["cases"],
    row=s.EmergencyAccessSerializer,
    operation=(
        "case_emergency_access_retrieve",
        "Your emergency access to a case",
        "Only your own, and only while you may see the case (404 after).",
    ),
    path=[http.CASE_ID, EMERGENCY_ACCESS_ID],
)
def emergency_access_item(request: Request, case_id: int, access_id: int) -> Response:
    return http.case_item(
        request, case_id, access_id,
        lambda case: EmergencyAccess.objects.filter(case=case, person=request.user),
        s.EmergencyAccessSerializer, view="emergency_access",
    )  # fmt: skip

"""The meetings API under /api/v1/ (issue 22, item 5): the same rules as the pages, so a
police or council system can pull its agency's actions and close them.

A meeting is read by the agencies organising it or asked (404 to anyone else), naming
only the children the reader may see; an action by the agency that owns it. Every read is
audited before the answer is built; every change goes through `meetings.services`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actions import Action as Audit
from cases import http
from cases.roles import Act, require
from cases.selectors import record_refusal, visible_cases
from meetings import serializers as s
from meetings import services
from meetings.models import Action
from meetings.selectors import (
    action_for_owner,
    actions_seen,
    children_seen,
    items_seen,
    meeting_for,
    meetings_for,
)
from people.models import Agency, Area, Person

MEETING_ID = http.id_parameter("meeting_id", "A meeting your agency organises or was asked to.")
ACTION_ID = http.id_parameter("action_id", "An action your agency owns.")


def _meeting(request: Request, meeting_id: int):
    found = meeting_for(request.user, meeting_id)
    if found is None:
        record_refusal(request.user, "meeting", meeting_id, "view")
        raise Http404("Not found")
    return found


@http.collection(
    tags=["meetings"],
    row=s.MeetingSerializer,
    new=s.NewMeetingSerializer,
    listing=("meetings_list", "Meetings your agency organises or was asked to", "Newest first."),
    created=http.answers({201: s.MeetingDetailSerializer}, 400, 404),
    creating=(
        "meetings_create",
        "Schedule a meeting and chair it",
        "About children whose cases you may see (404 names no other); the agencies given are "
        "asked, and yours is asked as the chair's.",
    ),
)
def meetings(request: Request) -> Response:
    person = request.user
    if request.method == "GET":
        http.query(request)
        paginator, shown = http.paged(request, meetings_for(person), "-held_at", "-id")
        http.audit(request, Audit.MEETINGS_LISTED, "agency", person.agency_id,
                   meetings=[m.pk for m in shown])  # fmt: skip
        return paginator.get_paginated_response(s.MeetingSerializer(shown, many=True).data)
    require(person, Act.HOLD_MEETING)
    data = http.body(request, s.NewMeetingSerializer)
    cases = list(visible_cases(person).filter(pk__in=data["cases"]))
    unseen = set(data["cases"]) - {case.pk for case in cases}
    if unseen:
        record_refusal(person, "case", min(unseen), "view")
        raise Http404("Not found")
    area = None
    if data.get("area"):
        area = Area.objects.filter(ons_code=data["area"], agencies=person.agency_id).first()
        if area is None:
            raise ValidationError({"area": ["Not an area your agency covers."]})
    agencies = list(Agency.objects.filter(pk__in=data["agencies"]))
    if len(agencies) != len(set(data["agencies"])):
        raise ValidationError({"agencies": ["Unknown agency."]})
    try:
        made = services.schedule_meeting(person, kind=data["kind"], held_at=data["held_at"],
                                         cases=cases, agencies=agencies, area=area)  # fmt: skip
    except DjangoValidationError as error:
        raise http.refused(error) from error
    _as_seen(person, made)
    return Response(s.MeetingDetailSerializer(made).data, status=status.HTTP_201_CREATED,
                    headers=http.location(request, "api-meeting", made.pk))  # fmt: skip


@http.item(
    tags=["meetings"],
    row=s.MeetingDetailSerializer,
    operation=(
        "meeting_retrieve",
        "One meeting, as you may see it",
        "Children you may see, the attendance, minutes you may read, and the actions "
        "about those children.",
    ),
    path=[MEETING_ID],
)
def meeting(request: Request, meeting_id: int) -> Response:
    person = request.user
    http.query(request)
    found = _meeting(request, meeting_id)
    _as_seen(person, found)
    ids = [case.pk for case in found.children]
    shown = {"items": [i.pk for i in found.items_seen],
             "actions": [a.pk for a in found.actions_seen]}  # fmt: skip
    http.audit(request, Audit.MEETING_VIEWED, "meeting", found.pk, cases=ids, **shown)
    return http.tagged(request, s.MeetingDetailSerializer(found).data)


def _as_seen(person, found) -> None:
    """What the person may see of the meeting, set on it for MeetingDetailSerializer."""
    found.children = children_seen(person, found)
    ids = [case.pk for case in found.children]
    found.items_seen = list(items_seen(person, found, ids))
    found.actions_seen = list(actions_seen(found, ids))
    found.attendance_rows = list(found.attendance.select_related("agency"))


@extend_schema(
    operation_id="meeting_actions_create",
    summary="Give an agency an action from the meeting",
    description="About a discussed child you may see, for an agency (told at once in its "
    "inbox); overdue from the day after its first working day on or after `due_on`.",
    tags=["meetings"],
    parameters=[MEETING_ID, http.IDEMPOTENCY_KEY],
    request=s.NewActionSerializer,
    responses=http.answers({201: s.ActionSerializer}, 400, 404) | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def meeting_actions(request: Request, meeting_id: int) -> Response:
    person = request.user
    require(person, Act.HOLD_MEETING, target_type="meeting", target_id=meeting_id)
    found = _meeting(request, meeting_id)
    data = http.body(request, s.NewActionSerializer)
    owner = Agency.objects.filter(pk=data["owner"]).first()
    if owner is None:
        raise ValidationError({"owner": ["Unknown agency."]})
    chosen = None
    if data.get("owner_person"):
        chosen = Person.objects.filter(pk=data["owner_person"], agency=owner).first()
        if chosen is None:
            raise ValidationError({"owner_person": ["Not someone who works for that agency."]})
    try:
        made = services.add_action(
            person, found, case_id=data["case"], text=data["text"], owner=owner,
            owner_person=chosen, due_on=data["due_on"],
        )  # fmt: skip
    except DjangoValidationError as error:
        raise http.refused(error) from error
    return Response(s.ActionSerializer(made).data, status=status.HTTP_201_CREATED,
                    headers=http.location(request, "api-action", made.pk))  # fmt: skip


@extend_schema(
    operation_id="actions_list",
    summary="Your agency's actions from meetings",
    description="Soonest due first; `status` narrows them (open, done, dropped).",
    tags=["meetings"],
    parameters=[s.ActionFilterSerializer, http.CURSOR],
    responses=http.answers(http.page(s.ActionSerializer), 400),
)
@api_view(["GET"])
@http.casework
def actions(request: Request) -> Response:
    person = request.user
    wanted = http.strict_query(request, s.ActionFilterSerializer)
    rows = Action.objects.filter(owner_id=person.agency_id).select_related(
        "owner", "owner_person", "case", "closed_by"
    )
    if wanted.get("status"):
        rows = rows.filter(status=wanted["status"])
    paginator, shown = http.paged(request, rows, "due_on", "id")
    http.audit(request, Audit.ACTIONS_LISTED, "agency", person.agency_id,
               actions=[a.pk for a in shown])  # fmt: skip
    return paginator.get_paginated_response(s.ActionSerializer(shown, many=True).data)


@http.item(
    tags=["meetings"],
    row=s.ActionSerializer,
    operation=("action_retrieve", "One of your agency's actions", "As listed."),
    path=[ACTION_ID],
)
def action(request: Request, action_id: int) -> Response:
    person = request.user
    http.query(request)
    found = action_for_owner(person, action_id)
    if found is None:
        record_refusal(person, "action", action_id, "view")
        raise Http404("Not found")
    http.audit(request, Audit.MEETING_VIEWED, "action", found.pk, meeting=found.meeting_id)
    return http.tagged(request, s.ActionSerializer(found).data)


@extend_schema(
    operation_id="action_close",
    summary="Close your agency's action: done, or dropped",
    description="Done with what was done, or dropped with why. Closed already: 409.",
    tags=["meetings"],
    parameters=[ACTION_ID, http.IDEMPOTENCY_KEY],
    request=s.CloseActionSerializer,
    responses=http.answers({200: s.ActionSerializer}, 400, 404, 409) | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def action_close(request: Request, action_id: int) -> Response:
    person = request.user
    require(person, Act.CLOSE_ACTION, target_type="action", target_id=action_id)
    found = action_for_owner(person, action_id)
    if found is None:
        record_refusal(person, "action", action_id, "close")
        raise Http404("Not found")
    data = http.body(request, s.CloseActionSerializer)
    try:
        closed = services.close_action(person, found, **data)
    except services.ActionClosed as already:
        return http.problem(str(already), kind="action-closed")
    except DjangoValidationError as error:
        raise http.refused(error) from error
    return Response(s.ActionSerializer(action_for_owner(person, closed.pk)).data)

"""The notifications API: an agency's inbox, and acknowledging what it has been told.

A person sees only their own agency's notifications; anything else answers 404, and a
try at another agency's is audited as a refusal. Reading the inbox is audited (what was
shown), acknowledging is recorded by `notifications.services.acknowledge_notification` on
the notification, the case chronology and the audit log.

Self-contained: `sharing` depends on no other app of ours but `audit` (DESIGN.md), so the
few API conventions of `cases.api` it shares (401/403/404/429 answers, cursor pages, 25 a
page, strict query parameters) are restated here rather than imported.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from audit.actions import Action
from audit.services import record
from cases.selectors import record_refusal
from notifications.models import Notification
from notifications.services import acknowledge_notification, inbox
from people.models import Agency
from safeguarding import problems
from safeguarding.paging import BAD_CURSOR

PAGE_SIZE = 25
BIGINT = 2**63 - 1


class InAnAgency(BasePermission):
    """Notifications go to agencies; a platform superuser without one has none."""

    message = "Only people who work for an agency have notifications."

    def has_permission(self, request, view) -> bool:
        return request.user.agency_id is not None


for_an_agency = permission_classes([IsAuthenticated, InAnAgency])


# --- what the API answers -------------------------------------------------------------------


# A named enum (`NotificationKindEnum`, SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES, beside
# the agencies' `AgencyKindEnum`): wrapped in allOf to dodge the name clash, generated
# clients made it an object class and failed on every notification (issue 23).
@extend_schema_field(
    {
        "type": "string",
        "enum": Notification.Kind.values,
        "description": "What happened: "
        + "; ".join(f"`{kind.value}` {kind.label.lower()}" for kind in Notification.Kind)
        + ".",
    }
)
class NotificationKind(serializers.ChoiceField):
    pass


class SenderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name"]


class NotificationSerializer(serializers.ModelSerializer):
    kind = NotificationKind(choices=Notification.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display", help_text="The kind, in words.")
    summary = serializers.CharField(
        help_text="What happened, safe to forward: the case reference, never the child's name."
    )
    subject_id = serializers.IntegerField(
        help_text="What it is about, by kind: the placement, missing episode or return home "
        "interview id on the case."
    )
    case_reference = serializers.CharField(
        source="reference",
        help_text="The case reference; for MASH work before a case is opened, the contact's.",
    )
    caused_by_agency = SenderSerializer(help_text="The agency whose action this reports.")
    acknowledge_by = serializers.DateTimeField(
        help_text="When it is escalated to your agency's MASH managers if not acknowledged."
    )
    overdue = serializers.SerializerMethodField(
        help_text="Not acknowledged, and past `acknowledge_by`."
    )
    acknowledged_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "summary", "case", "case_reference",
                  "subject_id", "caused_by_agency", "created_at", "acknowledge_by", "overdue",
                  "acknowledged_at", "acknowledged_by", "escalated_at"]  # fmt: skip

    def get_overdue(self, notification: Notification) -> bool:
        return notification.overdue()


class NotificationPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, if any.")
    previous = serializers.URLField(allow_null=True)
    results = NotificationSerializer(many=True)


_problem = problems.answer


ERRORS = {
    401: _problem("No live credentials."),
    403: _problem("A session request without its CSRF token, or a person in no agency."),
    429: _problem("Too many requests this minute."),
}
FIELD_ERRORS = problems.VALIDATION


# --- what the API accepts -------------------------------------------------------------------


class NotificationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[("unacknowledged", "Unacknowledged"), ("acknowledged", "Acknowledged"),
                 ("all", "All")],
        required=False,
        default="all",
        help_text="Which to list: all (the default: unacknowledged first), unacknowledged or "
        "acknowledged.",
    )  # fmt: skip


def _query(request: Request) -> dict:
    """The validated query parameters; each given at most once."""
    params = request.query_params
    names = [*NotificationFilterSerializer().fields, "cursor"]
    repeated = {name: ["Give this once."] for name in names if len(params.getlist(name)) > 1}
    if repeated:
        raise ValidationError(repeated)
    incoming = NotificationFilterSerializer(data=params.dict())
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


# --- keyset pages over the inbox ------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One run of the inbox: notifications in one state, in one order (then newest id)."""

    name: str
    where: Q
    field: str
    descending: bool

    def order(self, backwards: bool = False) -> list[str]:
        down = self.descending != backwards
        return [f"-{self.field}" if down else self.field, "id" if backwards else "-id"]

    def beyond(self, at: dt.datetime, pk: int, backwards: bool = False) -> Q:
        """Rows after (or, backwards, before) the row at (`at`, `pk`) in this order."""
        down = self.descending != backwards
        return Q(**{f"{self.field}__{'lt' if down else 'gt'}": at}) | Q(
            **{self.field: at, f"id__{'gt' if backwards else 'lt'}": pk}
        )

    def at(self, notification: Notification) -> str:
        return getattr(notification, self.field).isoformat()


# Unacknowledged by deadline, soonest first; then acknowledged, latest first (the inbox).
UNACKNOWLEDGED = Segment("u", Q(acknowledged_at__isnull=True), "acknowledge_by", False)
ACKNOWLEDGED = Segment("a", Q(acknowledged_at__isnull=False), "acknowledged_at", True)
SEGMENTS = {
    "unacknowledged": [UNACKNOWLEDGED],
    "acknowledged": [ACKNOWLEDGED],
    "all": [UNACKNOWLEDGED, ACKNOWLEDGED],
}


class InboxPage:
    """Cursor pages over the inbox in at most one query per segment, whatever its size.

    DRF's CursorPagination cannot do this order: its position is one non-null field, and
    unacknowledged first means two orders one after the other. The cursor carries a
    position (segment, time, id), never anything about the case.
    """

    invalid = BAD_CURSOR

    def __init__(self, request: Request, base: QuerySet, segments: list[Segment]) -> None:
        self.request, self.base, self.segments = request, base, segments
        self.url = request.build_absolute_uri()

    def _decode(self, cursor: str) -> tuple[int, dt.datetime, int, bool]:
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
            name, at, pk, backwards = raw["s"], raw["t"], raw["i"], raw["b"]
            index = [segment.name for segment in self.segments].index(name)
            at = dt.datetime.fromisoformat(at)
            if (
                at.tzinfo is None
                or isinstance(pk, bool)
                or not isinstance(pk, int)
                or not 0 < pk <= BIGINT
                or not isinstance(backwards, bool)
            ):
                raise ValueError
        except (ValueError, TypeError, KeyError, binascii.Error, OverflowError, RecursionError):
            raise ValidationError({"cursor": [self.invalid]}) from None
        return index, at, pk, backwards

    def _link(self, segment: Segment, row: Notification, backwards: bool) -> str:
        position = {"s": segment.name, "t": segment.at(row), "i": row.pk, "b": backwards}
        cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
        return replace_query_param(self.url, "cursor", cursor)

    def _segment_of(self, row: Notification) -> Segment:
        for segment in self.segments:
            if (row.acknowledged_at is None) == (segment is UNACKNOWLEDGED):
                return segment
        raise AssertionError("a row outside the listed segments")  # pragma: no cover

    def rows(self) -> list[Notification]:
        cursor = self.request.query_params.get("cursor")
        if cursor:
            index, at, pk, backwards = self._decode(cursor)
        else:
            index, at, pk, backwards = 0, None, None, False
        walk = self.segments[index::-1] if backwards else self.segments[index:]
        found: list[Notification] = []
        for segment in walk:
            rows = self.base.filter(segment.where)
            if at is not None and segment is self.segments[index]:
                rows = rows.filter(segment.beyond(at, pk, backwards))
            found += rows.order_by(*segment.order(backwards))[: PAGE_SIZE + 1 - len(found)]
            if len(found) > PAGE_SIZE:
                break
        more, found = len(found) > PAGE_SIZE, found[:PAGE_SIZE]
        if backwards:
            found.reverse()
        self.next = self.previous = None
        if found:
            # Going forwards, there is more after if we found it, and something before if
            # a cursor brought us here; going backwards, the other way round.
            has_next = True if backwards else more
            has_previous = more if backwards else bool(cursor)
            first, last = found[0], found[-1]
            if has_next:
                self.next = self._link(self._segment_of(last), last, backwards=False)
            if has_previous:
                self.previous = self._link(self._segment_of(first), first, backwards=True)
        elif cursor:  # past either end: a way back to the start
            self.previous = remove_query_param(self.url, "cursor")
        return found

    def response(self, data: list) -> Response:
        return Response({"next": self.next, "previous": self.previous, "results": data})


# --- the endpoints --------------------------------------------------------------------------


@extend_schema(
    operation_id="notifications_list",
    summary="Your agency's notifications",
    description="What your agency has been told: placements in your area, missing children, "
    "returns, overdue return home interviews. Unacknowledged first, soonest deadline first; "
    "then acknowledged, latest first. 25 a page.",
    tags=["notifications"],
    parameters=[
        NotificationFilterSerializer,
        OpenApiParameter(
            "cursor", str, description="Where the page starts: from `next` or `previous`."
        ),
    ],
    responses={
        200: NotificationPageSerializer,
        400: FIELD_ERRORS,
        **ERRORS,
    },
)
@api_view(["GET"])
@for_an_agency
def notifications(request: Request) -> Response:
    person = request.user
    state = _query(request)["state"]
    paginator = InboxPage(request, inbox(person.agency), SEGMENTS[state])
    rows = paginator.rows()
    record(
        Action.NOTIFICATIONS_LISTED,
        request=request._request,
        actor=person,
        target_type="agency",
        target_id=person.agency_id,
        detail={"state": state, "notifications": [row.pk for row in rows]},
    )
    return paginator.response(NotificationSerializer(rows, many=True).data)


@extend_schema(
    operation_id="notification_acknowledge",
    summary="Say your agency has taken a notification in",
    description="Records who acknowledged it and when, on the notification and on the case "
    "chronology, where the agency that caused it sees it. Again is harmless (200, nothing "
    "changes). Only your agency's notifications: any other answers 404.",
    tags=["notifications"],
    parameters=[
        OpenApiParameter(
            "notification_id",
            {"type": "integer", "minimum": 1, "maximum": BIGINT},
            OpenApiParameter.PATH,
            description="A notification to your agency.",
        )
    ],
    request=None,
    responses={
        200: NotificationSerializer,
        404: _problem("Not found, or not your agency's (the two are not told apart)."),
        **ERRORS,
    },
)
@api_view(["POST"])
@for_an_agency
def acknowledge(request: Request, notification_id: int) -> Response:
    person = request.user
    mine = inbox(person.agency)
    found = mine.filter(pk=notification_id).first()
    if found is None:
        record_refusal(person, "notification", notification_id, "acknowledge")
        raise Http404("No such notification")
    if found.acknowledged_at is None:
        acknowledge_notification(found, person)
        found = mine.get(pk=found.pk)
    return Response(NotificationSerializer(found).data)

"""The API for a person's own account: who am I, and my tokens."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from people.models import Agency, ApiToken, Area, Person
from people.tokens import LIFETIME_CHOICES, create_token, revoke_token, tokens_of
from safeguarding import problems
from safeguarding.paging import CursorPage, page_of


class PersonSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(
        source="agency.name", allow_null=True, default=None, help_text="The agency's name."
    )
    agency_id = serializers.IntegerField(allow_null=True, read_only=True)
    agency_code = serializers.CharField(
        source="agency.code", allow_null=True, default=None, help_text="See `Agency.code`."
    )
    role = serializers.CharField(source="get_role_display")

    class Meta:
        model = Person
        fields = ["id", "username", "first_name", "last_name", "agency", "agency_id",
                  "agency_code", "role"]  # fmt: skip


# --- lookups: the areas and agencies a partner system names in what it sends ---------------


class AreaLookupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "ons_code", "name"]


class AgencyLookupSerializer(serializers.ModelSerializer):
    """An agency as a partner system needs it to address or recognise it: no duty address,
    webhook or counts."""

    code = serializers.CharField(
        allow_null=True, help_text="ODS code (NHS), force code (police) or ONS code (council)."
    )
    areas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "code", "areas"]


def _lookup(request: Request, rows, serializer_class) -> Response:
    unknown = {name: ["Unknown parameter."] for name in request.query_params if name != "cursor"}
    if unknown:
        raise serializers.ValidationError(unknown)
    paginator = CursorPage("name", "id", page_size=100)  # by name, 100 a page
    page = paginator.paginate_queryset(rows, request)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class TokenSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at",
                  "last_used_at", "state"]  # fmt: skip


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would turn a JSON number into a name."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NewTokenSerializer(serializers.Serializer):
    """A new token's name and lifetime, and nothing else: a misspelt field is refused, not
    dropped (the schema says `additionalProperties: false`, people/schema.py)."""

    name = StrictCharField(max_length=100)
    days = serializers.ChoiceField(choices=[days for days, _ in LIFETIME_CHOICES])

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = {key: ["Unknown field."] for key in data if key not in self.fields}
            if unknown:
                raise serializers.ValidationError(unknown)
        return super().to_internal_value(data)


class CreatedTokenSerializer(TokenSerializer):
    secret = serializers.CharField(help_text="Shown once. Store it now.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "secret"]


# The documented error answers, RFC 9457 problems (safeguarding.problems), as cases.http
# documents the casework API; people sits below cases, so says its own.
_problem = problems.answer
FIELD_ERRORS = problems.VALIDATION
ANY_OPERATION = {
    401: _problem("No live credentials."),
    429: _problem("Too many requests this minute."),
}
TOKEN_ID = OpenApiParameter(
    "token_id",
    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    OpenApiParameter.PATH,
    description="One of your tokens.",
)


@extend_schema(responses={200: PersonSerializer, **ANY_OPERATION})
@api_view(["GET"])
def me(request: Request) -> Response:
    """The person the request is made as."""
    return Response(PersonSerializer(request.user).data)


CURSOR = OpenApiParameter(
    "cursor", str, description="Where the page starts: from `next` or `previous`."
)


@extend_schema(
    operation_id="areas_list",
    tags=["lookups"],
    parameters=[CURSOR],
    responses={
        200: page_of(AreaLookupSerializer),
        400: FIELD_ERRORS,
        **ANY_OPERATION,
    },
)
@api_view(["GET"])
def areas(request: Request) -> Response:
    """Local authority areas with their ONS codes (a placement's `area` is one of these
    ids), by name, 100 a page. The same for everyone signed in."""
    return _lookup(request, Area.objects.all(), AreaLookupSerializer)


@extend_schema(
    operation_id="agencies_list",
    tags=["lookups"],
    parameters=[CURSOR],
    responses={
        200: page_of(AgencyLookupSerializer),
        400: FIELD_ERRORS,
        **ANY_OPERATION,
    },
)
@api_view(["GET"])
def agencies(request: Request) -> Response:
    """The agencies of the partnership, with their codes and areas, by name, 100 a page:
    whom a share or a notification names. The same for everyone signed in."""
    return _lookup(request, Agency.objects.prefetch_related("areas"), AgencyLookupSerializer)


@extend_schema(methods=["GET"], responses={200: TokenSerializer(many=True), **ANY_OPERATION})
@extend_schema(
    methods=["POST"],
    request=NewTokenSerializer,
    responses={
        201: CreatedTokenSerializer,
        400: FIELD_ERRORS,
        403: _problem(
            "Made with a token (tokens are made only from a signed-in session), or a session "
            "request without its CSRF token."
        ),
        **ANY_OPERATION,
    },
)
@api_view(["GET", "POST"])
def tokens(request: Request) -> Response:
    """List your tokens, or make one (only from a signed-in session, never with a token)."""
    if request.method == "GET":
        return Response(TokenSerializer(tokens_of(request.user), many=True).data)
    if request.auth is not None:
        # A token that can mint tokens would outlive its own expiry.
        raise PermissionDenied("Make tokens from a signed-in session, not with a token.")
    incoming = NewTokenSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    token, secret = create_token(
        request.user,
        incoming.validated_data["name"],
        incoming.validated_data["days"],
    )
    data = TokenSerializer(token).data | {"secret": secret}
    address = request.build_absolute_uri(reverse("api-token", args=[token.pk]))
    return Response(data, status=status.HTTP_201_CREATED, headers={"Location": address})


@extend_schema(
    operation_id="tokens_retrieve",
    parameters=[TOKEN_ID],
    responses={200: TokenSerializer, 404: _problem("Not one of your tokens."), **ANY_OPERATION},
)
@api_view(["GET"])
def token(request: Request, token_id: int) -> Response:
    """One of your tokens, as the list shows it (never its secret). Another person's: 404."""
    found = tokens_of(request.user).filter(pk=token_id).first()
    if found is None:
        raise Http404("Not one of your tokens.")
    return Response(TokenSerializer(found).data)


@extend_schema(
    request=None,
    parameters=[TOKEN_ID],
    responses={
        200: TokenSerializer,
        404: _problem("Not one of your tokens."),
        **ANY_OPERATION,
    },
)
@api_view(["POST"])
def revoke(request: Request, token_id: int) -> Response:
    """Revoke one of your tokens. Another person's token answers 404."""
    token = revoke_token(request.user, token_id)
    return Response(TokenSerializer(token).data)

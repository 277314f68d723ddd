"""The conventions every API view of ours follows, in one public module.

Casework permission, cursor paging, the documented error answers, strict query and body
parsing, problem answers, and the audit of API reads and warnings. `cases` owns them
because the case API came first; the APIs of higher layers (missing, triage, reports)
import them from here.
"""

import hashlib
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from audit.actions import Action
from audit.services import record
from cases import selectors
from cases import serializers as s
from cases.models import Case
from idempotency.api import IDEMPOTENCY_KEY, idempotent
from safeguarding import problems
from safeguarding.paging import CursorPage, page_of

CHILD_FIELDS = ["first_name", "last_name", "date_of_birth", "gender", "nhs_number",
                "police_reference", "local_authority_reference", "address", "postcode",
                "looked_after", "responsible_authority"]  # fmt: skip


class InAnAgency(BasePermission):
    """Casework is done for an agency; a platform superuser without one does none."""

    message = "Only people who work for an agency can use cases."

    def has_permission(self, request, view) -> bool:
        return request.user.agency_id is not None


casework = permission_classes([IsAuthenticated, InAnAgency])


# --- documenting the answers ----------------------------------------------------------------


def id_parameter(name: str, description: str) -> OpenApiParameter:
    """A positive id in the path, documented with the bounds the database holds."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": s.BIGINT},
        OpenApiParameter.PATH,
        description=description,
    )


def problem_answer(description: str) -> OpenApiResponse:
    """A documented problem answer (RFC 9457) that says more than the general one."""
    return problems.answer(description)


CASE_ID = id_parameter("case_id", "A case id.")


def if_match(what: str, read_at: str) -> OpenApiParameter:
    """The optional `If-Match` of a change that could be lost between two people."""
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description=f"Optional: the `ETag` of {what} as you read it (`{read_at}`). If it has "
        "changed since, the answer is 412 and nothing is done.",
    )


IF_MATCH = if_match("the case", "GET /api/v1/cases/{case_id}/")
CHILD_ID = id_parameter("child_id", "A child id.")
SHARE_ID = id_parameter("share_id", "A share id.")
CURSOR = OpenApiParameter(
    "cursor", OpenApiTypes.STR, description="Where the page starts: from `next` or `previous`."
)
ERRORS = {
    400: problems.VALIDATION,
    401: problem_answer("No live credentials."),
    403: problem_answer(
        "A session request without its CSRF token, a person in no agency, or a role (or "
        "agency kind) that may never do this (SECURITY.md, Roles)."
    ),
    404: problem_answer("Not found, or not yours to see (the two are not told apart)."),
    409: problem_answer("Not possible as the case stands."),
    410: problem_answer("No longer done here: `successor` names what replaced it."),
    429: problem_answer("Too many requests this minute."),
}


# A POST-only endpoint that records something: `@idempotent` under `casework`, with
# `IDEMPOTENCY_KEY` in its parameters and `KEY_REUSED` in its answers.
KEY_REUSED = {
    422: problem_answer("This Idempotency-Key was used before for another body or address.")
}


def refused(error: DjangoValidationError) -> ValidationError:
    """A service's refusal (Django's ValidationError) as the API's 400, field by field
    where it names fields."""
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


def case_closed(closed: Exception) -> Response:
    """409 `case-closed` for a change a closed case takes no more (cases.services.CaseClosed).
    Only someone who may record on the case gets this far: the reference is theirs to see."""
    return problems.problem(status.HTTP_409_CONFLICT, str(closed), kind="case-closed")


def answers(success: dict, *errors: int) -> dict:
    return success | {code: ERRORS[code] for code in sorted({*errors, 401, 403, 429})}


def page(serializer_class) -> dict:
    return {200: page_of(serializer_class)}


def collection(
    *,
    tags: list[str],
    row: type[BaseSerializer],
    new: type[BaseSerializer],
    listing: tuple[str, str, str],
    creating: tuple[str, str, str],
    path: Sequence[OpenApiParameter] = (),
    filters: type[BaseSerializer] | None = None,
    listed: dict | None = None,
    created: dict | None = None,
) -> Callable[[Callable], Callable]:
    """A casework list-and-create endpoint (`api_view` GET and POST, `casework` permission),
    its two schemas declared together so that every collection documents its path, paging
    and errors alike.

    GET lists `row`s a page at a time (narrowed by the query serializer `filters`); POST
    creates one from `new`, once per `Idempotency-Key` (idempotency.api). `listing` and
    `creating` are each an operation id, a summary and a description. The answers are a
    page of rows and the row created, each with 400 and 404 (and 422 for a reused key),
    unless `listed` or `created` says otherwise.
    """

    def schema(method: str, operation: tuple[str, str, str], **more) -> Callable:
        operation_id, summary, description = operation
        return extend_schema(
            methods=[method],
            operation_id=operation_id,
            summary=summary,
            description=description,
            tags=tags,
            **more,
        )

    lists = schema(
        "GET",
        listing,
        parameters=[*path, *([filters] if filters else []), CURSOR],
        responses=listed or answers(page(row), 400, 404),
    )
    creates = schema(
        "POST",
        creating,
        parameters=[*path, IDEMPOTENCY_KEY],
        request=new,
        responses=(created or answers({201: row}, 400, 404)) | KEY_REUSED,
    )
    return lambda view: lists(creates(api_view(["GET", "POST"])(casework(idempotent(view)))))


# --- reading requests, answering, auditing -------------------------------------------


def query(request: Request, serializer_class=None) -> dict:
    """The validated query parameters; each given at most once."""
    params = request.query_params
    names = [*(serializer_class().fields if serializer_class else []), "cursor"]
    repeated = {name: ["Give this once."] for name in names if len(params.getlist(name)) > 1}
    if repeated:
        raise ValidationError(repeated)
    if serializer_class is None:
        return {}
    # A plain dict, so an empty value is checked like any other, not taken as absent.
    incoming = serializer_class(data=params.dict())
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def strict_query(request: Request, serializer_class) -> dict:
    """The query parameters, each known and given at most once, validated: for lists whose
    filters a typo must not silently drop (an access report, the triage queue)."""
    params = request.query_params
    known = {*serializer_class().fields, "cursor"}
    problems = {name: ["Unknown parameter."] for name in params if name not in known}
    problems |= {name: ["Give this once."] for name in known if len(params.getlist(name)) > 1}
    if problems:
        raise ValidationError(problems)
    incoming = serializer_class(data={k: v for k, v in params.items() if k != "cursor"})
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def body(request: Request, serializer_class, **context) -> dict:
    incoming = serializer_class(data=request.data, context=context)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def audit(request: Request, action: str, target_type: str, target_id, **detail) -> None:
    record(
        action,
        request=request._request,
        actor=request.user,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )


def read(request: Request, case: Case, **detail) -> None:
    """Record a read of a case, with the share or emergency access it was read under."""
    basis = selectors.access_basis(request.user, case)
    audit(request, Action.CASE_VIEWED, "case", case.pk, **basis, **detail)


def paged(request: Request, queryset, *ordering: str) -> tuple[CursorPage, list]:
    paginator = CursorPage(*ordering)
    return paginator, paginator.paginate_queryset(queryset, request)


def read_page(
    request: Request,
    case: Case,
    rows: QuerySet,
    serializer_class: type[BaseSerializer],
    ordering: tuple[str, ...],
    *,
    view: str,
    listed: str = "",
) -> Response:
    """A page of a case's `rows`, its read recorded before the answer is built: as `view`,
    with the ids shown under `listed` (by default, the view's name)."""
    paginator, shown = paged(request, rows, *ordering)
    read(request, case, view=view, **{listed or view: [row.pk for row in shown]})
    return paginator.get_paginated_response(serializer_class(shown, many=True).data)


def case_page(
    request: Request,
    case_id: int,
    rows_of: Callable[[Case], QuerySet],
    serializer_class: type[BaseSerializer],
    ordering: tuple[str, ...],
    *,
    view: str,
    listed: str = "",
) -> Response:
    """GET of one of a case's lists that takes no filters: the case only if the person may
    view it (404 and the refusal recorded otherwise), no parameter but the cursor, then
    `read_page` of `rows_of(case)`."""
    found = selectors.case_for(request.user, case_id, audit_refusal=True)
    query(request)
    return read_page(
        request, found, rows_of(found), serializer_class, ordering, view=view, listed=listed
    )


def etag_of(data) -> str:
    """A strong ETag: the SHA-256 of the JSON body exactly as served."""
    return f'"{hashlib.sha256(JSONRenderer().render(data)).hexdigest()}"'


def stale(request: Request, current: str, what: str = "case") -> Response | None:
    """412 when `If-Match` is sent and names no version the person would be served now
    (issue 23): someone else changed the `what` since they read it. Optional: without the
    header the change goes ahead as before. Called after the visibility check, so a thing
    the person may not see is 404 whatever they send."""
    sent = request.headers.get("If-Match")
    if sent is None:
        return None
    tags = [tag.strip() for tag in sent.split(",")]
    if "*" in tags or current in tags:
        return None
    return problems.problem(
        status.HTTP_412_PRECONDITION_FAILED,
        f"The {what} has changed since you read it. Read it again and decide again.",
        kind="changed-since-read",
    )


def tagged(request: Request, data) -> Response:
    """A read's answer with a strong `ETag`: the hash of exactly the body this person was
    served, so it changes only with what they may see (issue 23). An `If-None-Match` that
    names it answers 304 with no body. The caller has already recorded the read: a 304 is
    a read too, and the audit log says so."""
    etag = etag_of(data)
    asked = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in asked or "*" in asked:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(data, headers={"ETag": etag})


def location(request: Request, route: str, *ids: int) -> dict[str, str]:
    """The `Location` of a created thing, absolute, for its 201 (issue 23): every created
    thing has an address of its own (`case_item` serves those within a case)."""
    return {"Location": request.build_absolute_uri(reverse(route, args=ids))}


def item(
    *,
    tags: list[str],
    row: type[BaseSerializer],
    operation: tuple[str, str, str],
    path: Sequence[OpenApiParameter],
) -> Callable[[Callable], Callable]:
    """A casework GET of one thing (`api_view`, `casework` permission), documented alike:
    the thing with its `ETag`, or 404."""
    operation_id, summary, description = operation
    documented = extend_schema(
        methods=["GET"],
        operation_id=operation_id,
        summary=summary,
        description=description,
        tags=tags,
        parameters=list(path),
        responses=answers({200: row}, 404),
    )
    return lambda view: documented(api_view(["GET"])(casework(view)))


def case_item(
    request: Request,
    case_id: int,
    item_id: int,
    rows_of: Callable[[Case], QuerySet],
    serializer_class: type[BaseSerializer],
    *,
    view: str,
    listed: str = "",
) -> Response:
    """One of a case's rows, at the address its 201 gave (`Location`): 404 unless the person
    may view the case (the refusal recorded) and the row is one the case's list shows them.
    The read is recorded as the list's would be (`read_page`), naming this one row, before
    the answer (a 304 is a read too), which carries a strong `ETag`."""
    found = selectors.case_for(request.user, case_id, audit_refusal=True)
    query(request)
    row = rows_of(found).filter(pk=item_id).first()
    if row is None:
        raise Http404("Not found")
    read(request, found, view=view, **{listed or view: [row.pk]})
    return tagged(request, serializer_class(row).data)


def problem(detail: str, code: int = status.HTTP_409_CONFLICT, **more) -> Response:
    """A problem answer (RFC 9457, `safeguarding.problems`): 409 unless said otherwise."""
    return problems.problem(code, detail, **more)


OPEN_CASE_EXISTS = OpenApiResponse(
    s.OpenCaseProblemSerializer,
    description="`open-case-exists`: your agency leads an open case for this child already "
    "(one at a time); `case` names it if you may see it.",
)


def open_case_exists(request: Request, case: Case) -> Response:
    """409: the agency's open case for the child, named (id and reference) only to someone
    who may see it; to anyone else, that there is one and nothing more."""
    if selectors.visible_cases(request.user).filter(pk=case.pk).exists():
        return problems.problem(
            status.HTTP_409_CONFLICT,
            f"Your agency already has case {case.reference} open for this child. Add to it "
            "rather than opening another.",
            kind="open-case-exists",
            case={"id": case.pk, "reference": case.reference},
        )
    return problems.problem(
        status.HTTP_409_CONFLICT,
        "Your agency already has an open case for this child. Ask the colleague who leads it "
        "to share it with you.",
        kind="open-case-exists",
    )


def duplicates(request: Request, matches) -> Response:
    """409 naming the matches the person may see, and only counting the others."""
    seen = [m for m in matches if m.child is not None]
    cases_of = {
        child.pk: [case.pk for case in child.visible_cases]
        for child in selectors.search_children(request.user).filter(
            pk__in=[m.child.pk for m in seen]
        )
    }
    hidden = len(matches) - len(seen)
    same_nhs = any(m.same_nhs_number for m in matches)
    audit(
        request,
        Action.DUPLICATE_WARNED,
        "child",
        "",
        children=[m.child.pk for m in seen],
        hidden=hidden,
        nhs_number=same_nhs,
    )
    if same_nhs:
        detail = (
            "A child with this NHS number is already recorded, so no second record was made. "
            "If they are not listed here, ask the agencies you work with to share their case."
        )
    else:
        detail = (
            "This child may already be recorded. If none of the matches is this child, send "
            "the request again with confirm_not_duplicate set to true."
        )
    body = {
        **problems.body(status.HTTP_409_CONFLICT, detail, kind="duplicate-child"),
        "duplicates": [
            {"child": m.child.pk, "reason": m.reason, "cases": cases_of.get(m.child.pk, [])}
            for m in seen
        ],
        "hidden_matches": hidden,
    }
    return Response(
        s.DuplicatesSerializer(body).data,
        status=status.HTTP_409_CONFLICT,
        content_type=problems.CONTENT_TYPE,
    )

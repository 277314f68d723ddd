"""One error shape for the whole API: RFC 9457 problem details (issue 23).

Every error under `/api/` is `application/problem+json` with `type`, `title`, `status` and
`detail`; a request that is not valid adds `errors`, each field's messages. DRF's
exceptions reach it through `exception_handler` (settings.REST_FRAMEWORK); what Django
answers before or around a view (an unknown route, a 500, a hostile body, the development
server's debug pages) through `safeguarding.middleware.ProblemMiddleware`.

`type` is `about:blank` where the status says it all (RFC 9457, 4.2.1), with the status's
own phrase as `title`; a problem a client may want to act on has a type of its own, a URN
that names the kind of problem and never a record (see `TYPES`). No problem echoes what was
submitted: messages that would quote a value back are replaced (`without_echo`).
"""

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse, JsonResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:safeguarding-hub:problem:"

# The problems with a type of their own: what a client may branch on, with a fixed title.
TYPES = {
    "validation-error": "The request is not valid",
    "duplicate-child": "This child may already be recorded",
    "open-case-exists": "Your agency already has an open case for this child",
    "child-already-missing": "The child is already missing",
    "case-closed": "The case is closed",
    "open-partner-checks": "Partner checks are still open",
    "idempotency-key-reused": "This Idempotency-Key was used for another request",
    "changed-since-read": "It has changed since you read it",
    "too-many-links": "You have linked the most things allowed in an hour",
    "action-closed": "The action was closed already",
}

# What a status says when nothing more specific was given (and all a 500 ever says).
DETAILS = {
    400: "The request could not be read.",
    401: "No live credentials: send `Authorization: Bearer <token>`.",
    403: "You may not do this.",
    404: "Not found, or not yours to see (the two are not told apart).",
    405: "This address does not take this method.",
    406: "This address answers only JSON.",
    413: "The request body is too large.",
    415: "Send the body as JSON (`Content-Type: application/json`).",
    429: "Too many requests this minute.",
    500: "Server error. Nothing was saved.",
    503: "The service is unavailable for a moment. Nothing was saved.",
}
VALIDATION_DETAIL = "The request is not valid: `errors` gives each field's messages."
# Messages of DRF's own that would quote the submitted value back.
ECHOING_CODES = {
    "invalid_choice": "Not one of the values this field takes (see the schema).",
    "does_not_exist": "Not found, or not yours to see.",
    "invalid_pk_value": "Not found, or not yours to see.",
}
NOT_VALID = "This value is not valid."
SHORTEST_ECHO = 4  # shorter submitted values are too common to be a quote of them


def type_uri(kind: str | None) -> str:
    return TYPE_PREFIX + kind if kind else "about:blank"


def body(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: dict | None = None,
    **extra: Any,
) -> dict:
    """A problem's members. `kind` is one of `TYPES`, or none for `about:blank`."""
    if kind is not None and kind not in TYPES:
        raise ValueError(f"Unknown problem type {kind!r}: add it to TYPES.")
    problem = {
        "type": type_uri(kind),
        "title": TYPES[kind] if kind else HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or DETAILS.get(status) or HTTPStatus(status).description,
    }
    if errors is not None:
        problem["errors"] = errors
    return problem | extra


def problem(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra: Any,
) -> Response:
    """A problem answer from an API view."""
    return Response(
        body(status, detail, kind=kind, errors=errors, **extra),
        status=status,
        headers=headers,
        content_type=CONTENT_TYPE,
    )


def response(status: int, detail: str | None = None, **kwargs: Any) -> HttpResponse:
    """A problem answer from plain Django (handlers, middleware), outside DRF."""
    return JsonResponse(body(status, detail, **kwargs), status=status, content_type=CONTENT_TYPE)


# --- DRF's exceptions --------------------------------------------------------------------


def _submitted(data: Any, nested: bool = False) -> Iterable[str]:
    """Every text value in a request's body or query, at any depth. The top level's keys
    are not values: they are the fields' names, which messages name; keys a client made
    up inside a field's value are, as a message may quote them back."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            if nested:
                yield str(key)
            yield from _submitted(value, nested=True)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _submitted(value, nested=True)
    elif hasattr(data, "lists"):  # a QueryDict
        for _key, values in data.lists():
            yield from values
    elif data is not None and not isinstance(data, bool):
        yield str(data)


def without_echo(errors: Any, submitted: set[str]) -> Any:
    """The messages, with any that quote a submitted value (or would: `ECHOING_CODES`)
    replaced by words that do not. A field's name is kept: it is the schema's, not the
    client's, wherever a serializer reports it."""
    if isinstance(errors, dict):
        return {key: without_echo(value, submitted) for key, value in errors.items()}
    if isinstance(errors, list):
        return [without_echo(value, submitted) for value in errors]
    message = str(errors)
    code = getattr(errors, "code", None)
    if code in ECHOING_CODES:
        return ECHOING_CODES[code]
    lowered = message.lower()
    if any(value.lower() in lowered for value in submitted):
        return NOT_VALID
    return message


def _field_errors(data: Any) -> dict:
    if isinstance(data, dict):
        return data
    return {"non_field_errors": data if isinstance(data, list) else [data]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler (status, `WWW-Authenticate`, `Retry-After`), its body made a problem.
    Anything DRF does not handle propagates to Django's 500, which the middleware shapes."""
    answer = drf_exception_handler(exc, context)
    if answer is None:
        return None
    if isinstance(exc, ValidationError):
        request = context.get("request")
        submitted: set[str] = set()
        if request is not None:
            try:
                data = request.data
            except Exception:  # the body was what failed: nothing to quote
                data = None
            for value in (*_submitted(data), *_submitted(request.query_params)):
                if len(value.strip()) >= SHORTEST_ECHO:
                    submitted.add(value.strip())
        errors = without_echo(_field_errors(answer.data), submitted)
        answer.data = body(answer.status_code, VALIDATION_DETAIL, kind="validation-error",
                           errors=errors)  # fmt: skip
    else:
        detail = answer.data.get("detail") if isinstance(answer.data, dict) else None
        # An exception of a lower layer (which cannot import this module) names its type.
        kind = getattr(exc, "problem_type", None)
        answer.data = body(answer.status_code, str(detail) if detail else None, kind=kind)
    answer.content_type = CONTENT_TYPE
    return answer


def reshaped(answer: HttpResponse) -> HttpResponse:
    """An error answer that is not yet a problem (HTML from Django's debug pages, or JSON
    with a `detail`), as a problem with the same status and headers."""
    if answer.get("Content-Type", "").startswith(CONTENT_TYPE):
        return answer
    detail = None
    if answer.get("Content-Type", "").startswith("application/json") and not answer.streaming:
        try:
            found = json.loads(answer.content)
        except ValueError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("detail"), str):
            detail = found["detail"]
    if answer.status_code >= 500:
        detail = None  # never a server's words about what went wrong
    shaped = response(answer.status_code, detail)
    for header, value in answer.items():
        if header.lower() not in ("content-type", "content-length"):
            shaped[header] = value
    shaped.cookies = answer.cookies
    return shaped


# --- the schema ----------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: every error the API answers."""

    type = serializers.CharField(
        help_text="`about:blank` when the status says it all; otherwise "
        f"`{TYPE_PREFIX}<name>`, one of: " + ", ".join(f"`{name}`" for name in TYPES) + "."
    )
    title = serializers.CharField(help_text="The same for every problem of this type.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong this time, for a person.")


class ValidationProblemSerializer(ProblemSerializer):
    errors = serializers.DictField(
        required=False,
        child=serializers.JSONField(),
        help_text="Each field's messages (a list of strings; an object for a nested field, "
        "a list of objects for a list of them); `non_field_errors` for the request as a "
        "whole. Never quotes what was sent. Absent when the body could not be read at all.",
    )


def answer(description: str) -> OpenApiResponse:
    """A documented problem answer."""
    return OpenApiResponse(ProblemSerializer, description=description)


VALIDATION = OpenApiResponse(
    ValidationProblemSerializer,
    description="Not valid: each field's messages in `errors` (`validation-error`); or, with "
    "no `errors`, a body that is not JSON, holds a NUL or is nested too deep.",
)

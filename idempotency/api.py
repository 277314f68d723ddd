"""The `Idempotency-Key` header of the API's POSTs that create something."""

import functools
import hashlib
import json
from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from idempotency.models import Claim
from idempotency.services import run_once

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional: a value of your choosing, new for each thing you mean to create (a UUID). "
        "A repeat with the same key within 24 hours records nothing and gets the first "
        "answer again (status and body, with `Idempotent-Replayed: true`); a repeat sent "
        "while the first is still running waits for it. The same key with another body or "
        "address gets 422. Keys are yours alone: another person's same key is another key. "
        "Only successful answers are kept: after an error the key may be used again."
    ),
)


class KeyRefused(APIException):
    """A key that cannot be one: a problem answer (400), made by the API's exception
    handler (safeguarding.problems), which this layer cannot import."""

    status_code = 400
    default_detail = f"{HEADER} must be 1 to {MAX_LENGTH} printable characters."


class KeyReused(APIException):
    """The key of an earlier request with another body or address (422)."""

    status_code = 422
    default_detail = (
        f"This {HEADER} was used for another request (another body or address). "
        "Use a new key for a new request."
    )
    problem_type = "idempotency-key-reused"


def fingerprint(request: Request) -> str:
    """What the key was used for: method, path and body, as a hash."""
    data = request.data
    if hasattr(data, "lists"):  # a form body: every value of every field
        data = {name: values for name, values in data.lists()}
    body = json.dumps(data, sort_keys=True, cls=JSONEncoder)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """A view (under `api_view`) whose POST honours `Idempotency-Key`; other methods and
    POSTs without the header run as they are."""

    @functools.wraps(view)
    def wrapped(request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return view(request, *args, **kwargs)
        if not 1 <= len(key) <= MAX_LENGTH or not key.isprintable():
            raise KeyRefused
        # Reading the body before the claim: a body that is not JSON is refused as usual.
        print_ = fingerprint(request)

        def keep(response: Response) -> dict | None:
            if not 200 <= response.status_code < 300:
                return None
            body = json.loads(json.dumps(response.data, cls=JSONEncoder))
            # The created thing's address too, so that a replayed 201 says where it is.
            location = response.get("Location", "")
            return {"status": response.status_code, "body": body, "location": location}

        def replay(earlier: Claim) -> Response:
            if earlier.fingerprint != print_:
                raise KeyReused
            headers = {"Idempotent-Replayed": "true"}
            if earlier.location:
                headers["Location"] = earlier.location
            return Response(earlier.body, status=earlier.status, headers=headers)

        return run_once(
            request.user.pk,
            Claim.Kind.API,
            key,
            lambda: view(request, *args, **kwargs),
            keep,
            replay,
            fingerprint=print_,
        )

    return wrapped

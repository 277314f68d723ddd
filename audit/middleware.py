"""Give every request an id, carried into its audit events and back in the response, and
set the request's audit context (audit/context.py) once, for every event it records."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import audit_context
from audit.services import USER_AGENT_LENGTH, client_address

# A proxy may pass its own id on; anything else is replaced, so logs cannot be forged.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex
        with audit_context(
            request.request_id,
            client_address(request),
            request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response

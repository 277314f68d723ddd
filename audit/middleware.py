"""Give every request an id, carried into its audit events and back in the response."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# A proxy may pass its own id on; anything else is replaced, so logs cannot be forged.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response

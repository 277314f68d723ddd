"""The signed-in home page, the health check and the error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safeguarding import middleware
from safeguarding.health import broker_state, database_state, heartbeat_age_seconds
from safeguarding.throttling import rate_limits_state
from triage.selectors import runs_a_mash, runs_partner_checks

# What the next issues add, so people see where the service is going (nothing just now).
UPCOMING: list[tuple[str, str]] = []


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "upcoming": UPCOMING,
            "triage_manager": runs_a_mash(request.user),
            "partner_checks_manager": runs_partner_checks(request.user),
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker both answer, 503 when either does not.

    Says nothing about any case or person: a load balancer may call it unauthenticated.
    """
    state = {"database": database_state(), "broker": broker_state()}
    healthy = all(value == "up" for value in state.values())
    state["status"] = "ok" if healthy else "unavailable"
    if state["broker"] == "up":
        state["worker_heartbeat_age_seconds"] = heartbeat_age_seconds()
    # Rate limits fail open when the cache is down (safeguarding.throttling): said here,
    # not a reason to take this process out of service.
    state["rate_limits"] = rate_limits_state()
    return JsonResponse(state, status=200 if healthy else 503)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        # An API client gets JSON, whether the view or the URL resolver found nothing.
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad host and the like:
    the API's problem shape under /api/ (not Django's HTML page), the error page elsewhere."""
    if isinstance(exception, RequestDataTooBig):
        detail = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    elif isinstance(exception, TooManyFieldsSent):
        detail = f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields."
    else:
        detail = "Bad request."
    return middleware.bad_request(request, detail)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error. Nothing was saved."}, status=500)
    # Rendered without the request's context processors: the database may be why we are
    # here, and looking up the signed-in person would fail again.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A refusal written for people (cases.roles.RoleRefused) says why; others say nothing.
    reason = str(exception) if getattr(exception, "shown_to_person", False) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)

"""Response headers that Django's SecurityMiddleware does not set itself, the refusal of
requests holding bytes the database cannot store, and sign-in redirects whose `next`
carries only a path."""

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template import loader
from django.utils.cache import add_never_cache_headers

from audit.context import audit_context
from audit.services import USER_AGENT_LENGTH, client_address
from safeguarding import problems


class ProblemMiddleware:
    """Every error under `/api/` as a problem (RFC 9457, `safeguarding.problems`), however
    it was made: the URL resolver's 404, Django's debug pages under DEBUG, a 500 from any
    middleware inside this one. DRF's own errors are problems already and pass as they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith("/api/"):
            return response
        return problems.reshaped(response)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # Pages about children must not be kept by the browser or any proxy once the
        # person signs out (a shared computer, the back button).
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


# --- hostile bytes ---------------------------------------------------------------------

# PostgreSQL text holds neither NUL nor a lone UTF-16 surrogate (psycopg cannot even encode
# one), so a value with either would fail at the database with a 500.
_REFUSED = re.compile("[\x00\ud800-\udfff]")
# Far deeper than any body the API takes; Python's own parser fails near 1,000 (RecursionError).
MAX_JSON_DEPTH = 32
REFUSED_DETAIL = (
    "The request holds text the service cannot store (a NUL byte, or a broken character)."
)
TOO_DEEP_DETAIL = f"The JSON body is nested more than {MAX_JSON_DEPTH} deep."

# Sent with a refused request, after its headers, query and form are cleaned of what was
# refused, so that a receiver may record or count it (people counts a failed sign-in).
request_refused = Signal()


def refused_text(value: str) -> bool:
    """Whether PostgreSQL would refuse this text."""
    return _REFUSED.search(value) is not None


def _without_refused(value: str) -> str:
    return _REFUSED.sub("", value)


def _refused_in_json(data: Any) -> str:
    """Why a parsed JSON body is refused ("" if it is not): too deep, or text PostgreSQL
    refuses in a name or value. Walked without recursion, so any depth is safe to look at."""
    pending = [(data, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return TOO_DEEP_DETAIL
        if isinstance(item, dict):
            if any(refused_text(key) for key in item):
                return REFUSED_DETAIL
            pending.extend((value, depth + 1) for value in item.values())
        elif isinstance(item, list):
            pending.extend((value, depth + 1) for value in item)
        elif isinstance(item, str) and refused_text(item):
            return REFUSED_DETAIL
    return ""


def _is_json(request: HttpRequest) -> bool:
    media_type = request.content_type or ""
    return media_type == "application/json" or media_type.endswith("+json")


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def why_refused(request: HttpRequest) -> str:
    """Why the request is refused before anything reads it ("" if it is not)."""
    headers = [value for key, value in request.META.items() if key.startswith("HTTP_")]
    names_and_values = [
        *headers,
        request.path_info,
        request.META.get("QUERY_STRING", ""),
        *request.COOKIES.keys(),  # unquoted: a cookie's "\\000" is a NUL by then
        *request.COOKIES.values(),
        *request.GET.keys(),
        *(value for values in request.GET.lists() for value in values[1]),
    ]
    if request.method == "POST" and _is_form(request):
        names_and_values += [*request.POST.keys(), *request.FILES.keys()]
        names_and_values += [value for _, values in request.POST.lists() for value in values]
        names_and_values += [upload.name or "" for upload in request.FILES.values()]
    if any(refused_text(str(value)) for value in names_and_values):
        return REFUSED_DETAIL
    if _is_json(request) and request.body:
        try:
            parsed = json.loads(request.body)
        except RecursionError:
            return TOO_DEEP_DETAIL
        except ValueError:
            return ""  # not JSON at all: the view's parser says so, in its own words
        return _refused_in_json(parsed)
    return ""


def _cleaned(query: QueryDict) -> QueryDict:
    clean = QueryDict(mutable=True)
    for key, values in query.lists():
        clean.setlist(_without_refused(key), [_without_refused(value) for value in values])
    return clean


def clean_refused_request(request: HttpRequest) -> None:
    """Take what PostgreSQL refuses out of the headers, query and form of a request that is
    being refused anyway, so that what is recorded about it can be stored."""
    for key, value in list(request.META.items()):
        if key.startswith("HTTP_") and isinstance(value, str):
            request.META[key] = _without_refused(value)
    request.__dict__.pop("headers", None)  # a cached_property, read from META before
    request.GET = _cleaned(request.GET)
    if request.method == "POST" and _is_form(request):
        request.POST = _cleaned(request.POST)


def bad_request(request: HttpRequest, detail: str) -> HttpResponse:
    """400: the API's problem shape under /api/, the error page elsewhere. The page is
    rendered without the request: its context would look the person up by a cookie."""
    if request.path_info.startswith("/api/"):
        return problems.response(400, detail)
    return HttpResponse(loader.get_template("errors/400.html").render({}), status=400)


class HostileBytesMiddleware:
    """Refuse (400) a request whose headers, path, query, form or JSON body hold text
    PostgreSQL refuses, or JSON nested too deep, before any of it can reach the database.

    Placed just inside the security-header middlewares (so the answer has their headers and
    keeps its request id). Receivers
    of `request_refused` run under an audit context built from the cleaned headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        detail = why_refused(request)
        if not detail:
            return self.get_response(request)
        clean_refused_request(request)
        with audit_context(
            getattr(request, "request_id", ""),
            client_address(request),
            request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
        ):
            request_refused.send(sender=HostileBytesMiddleware, request=request)
        return bad_request(request, detail)


# The sign-in steps (password, code, recovery code, setting up a second factor): the only
# redirects whose `next` is cut. Other pages' `next` (back to a filtered list) is kept.
SIGN_IN_PREFIXES = ("/sign-in/", "/two-factor/")


def next_without_query(location: str) -> str:
    """`location` with any `next=` parameter cut to its path: `/children/?search=…` or an
    old bookmark with a name in it comes back as `/children/`."""
    parts = urlsplit(location)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "next" and "?" in value for key, value in params):
        return location
    trimmed = [(k, urlsplit(v).path if k == "next" else v) for k, v in params]
    return urlunsplit(parts._replace(query=urlencode(trimmed)))


class NextPathOnlyMiddleware:
    """A redirect to sign in (or to the second factor) says where to go back to as a path
    only. The query could hold a child's name or NHS number, and the sign-in address is
    written to every access log; coming back to a page without its query is a small loss.

    Outside the middleware that sends people to sign in (login_required, the session
    lifetime and the second factor), so every such redirect passes through it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        location = response.get("Location", "")
        if (
            response.status_code in (301, 302, 303, 307, 308)
            and "next=" in location
            and urlsplit(location).path.startswith(SIGN_IN_PREFIXES)
        ):
            response["Location"] = next_without_query(location)
        return response


# --- Server-Timing: where a request's time went, for those who may know ---------------


class ServerTimingMiddleware:
    """`Server-Timing: db;dur=…;desc="N queries", total;dur=…` on every answer when
    SERVER_TIMING is on (development: it follows DEBUG), and for platform superusers
    otherwise, so a developer sees in the browser's network panel where time goes.

    Off for everyone else in production: how long a request took can hint at what exists
    (a case that is there costs more to refuse than one that is not). Outermost but for
    the request id, so the total covers every other middleware; the database time is the
    sum of each statement's execution through Django's execute wrapper.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timer = _StatementTimer()
        began = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        total = (time.perf_counter() - began) * 1000
        if settings.SERVER_TIMING or _is_superuser(request):
            response["Server-Timing"] = (
                f'db;dur={timer.ms:.1f};desc="{timer.count} queries", total;dur={total:.1f}'
            )
        return response


class _StatementTimer:
    def __init__(self) -> None:
        self.ms = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - began) * 1000
            self.count += 1


def _is_superuser(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_superuser)


# --- RateLimit headers: how many requests are left, on every answer that counted -------


class RateLimitHeadersMiddleware:
    """`RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers) on every
    API answer that counted against the per-person limit, so an integrator can slow down
    before a 429 rather than after: `RateLimit-Policy: "person";q=120;w=60` (120 a minute)
    and `RateLimit: "person";r=45;t=30` (45 left, the window frees a slot in 30 s).
    Nothing when the limit could not count (the cache down: it fails open, throttling.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        limit = getattr(request, "rate_limit", None)
        if limit:
            policy = limit["policy"]
            response["RateLimit-Policy"] = f'"{policy}";q={limit["limit"]};w={limit["window"]}'
            response["RateLimit"] = f'"{policy}";r={limit["remaining"]};t={limit["reset"]}'
        return response

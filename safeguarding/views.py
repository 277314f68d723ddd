"""The signed-in home page (the person's worklist), the health check and the error pages."""

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.actions import Action
from audit.services import record
from cases import roles
from cases.selectors import cases_with_news, reader_key
from links.selectors import may_see_area
from meetings.selectors import actions_owned
from missing.selectors import interviews_due
from notifications.selectors import waiting, with_can_open
from people.models import Agency, Person
from safeguarding import middleware, problems
from safeguarding.compiled import CompiledQuery
from safeguarding.health import broker_state, database_state, heartbeat_age_seconds
from safeguarding.throttling import rate_limits_state
from triage.selectors import (
    checks_due,
    contacts_assigned_to,
    runs_a_mash,
    runs_partner_checks,
    with_due_notes,
)

# What the next issues add, so people see where the service is going (nothing just now).
UPCOMING: list[tuple[str, str]] = []
# How many of each kind of work the home page lists; the rest are a link away.
FIRST = 5


@dataclass
class Waiting:
    """One kind of work waiting for the person: how many, the first few, the full list."""

    kind: str
    title: str
    # What it is, inside a sentence ("Nothing waiting: MASH checks, ...").
    name: str
    count: int = 0
    rows: list = field(default_factory=list)
    full_list: str = ""

    @property
    def more(self) -> int:
        """How many are not listed on the home page."""
        return self.count - len(self.rows)


# Each list's statement, compiled once per agency (or person) and process, and run with
# the clock of each request (safeguarding.compiled): building the six lists' queries cost
# more than running them, on the page everyone lands on (issue 18).
LISTS = {
    kind: CompiledQuery(f"home: {kind}", written_in=True)
    for kind in ("notifications", "checks", "contacts", "interviews", "news", "actions")
}


def sources(person: Person) -> dict[str, tuple[Hashable, Callable]]:
    """Each list's key (all its query is built from but the clock) and its query at a
    clock, read by the app that owns it, for the person's agency and role as that app's
    own pages decide."""
    agency = person.agency
    return {
        "notifications": ((agency.pk,), lambda now: waiting(person)),
        "checks": ((agency.pk,), lambda now: checks_due(agency)),
        "contacts": ((agency.pk, person.pk), lambda now: contacts_assigned_to(person)),
        "interviews": (reader_key(person), lambda now: interviews_due(person, now)),
        "news": ((person.pk, reader_key(person)), lambda now: cases_with_news(person, now)),
        "actions": ((agency.pk,), lambda now: actions_owned(person)),
    }


def _first(kind: str, source: tuple[Hashable, Callable], now: dt.datetime) -> tuple[list, int]:
    """The first FIRST rows and how many there are: counted only when there may be more,
    so a short list costs one query and a long one two, whatever its length."""
    key, build = source
    shown = LISTS[kind].objects(key, lambda at: build(at)[:FIRST], now)
    if len(shown) < FIRST:
        return shown, len(shown)
    return shown, LISTS[kind].count(key, build, now)


def worklist(person: Person, now: dt.datetime) -> list[Waiting]:
    """What is waiting for the person, each kind read by the app that owns it, for their
    agency and role as that app's own pages decide: their agency's notifications and
    partner checks, contacts assigned to them, interviews their authority owes and cases
    with entries since their last visit (only on cases their agency may see)."""
    if person.agency_id is None:
        return []
    mash = runs_a_mash(person)
    lists = sources(person)
    found = [
        Waiting(
            "notifications",
            "Notifications to acknowledge",
            "notifications",
            full_list=reverse("inbox"),
        ),
        Waiting("checks", "MASH checks to answer", "MASH checks", full_list=reverse("checks")),
    ]
    for waiting_kind in found:
        waiting_kind.rows, waiting_kind.count = _first(
            waiting_kind.kind, lists[waiting_kind.kind], now
        )
    with_can_open(person, found[0].rows)
    with_due_notes([], found[1].rows)
    if person.agency.kind == Agency.Kind.SOCIAL_CARE:
        assigned = Waiting(
            "contacts",
            "MASH contacts assigned to you",
            "contacts assigned to you",
            full_list=f"{reverse('triage')}?assignee={person.pk}" if mash else "",
        )
        assigned.rows, assigned.count = _first("contacts", lists["contacts"], now)
        with_due_notes(assigned.rows)
        found.append(assigned)
    if roles.may(person, roles.Act.VIEW):
        interviews = Waiting(
            "interviews",
            "Return home interviews due",
            "return home interviews",
            full_list=reverse("triage-interviews") if mash else "",
        )
        interviews.rows, interviews.count = _first("interviews", lists["interviews"], now)
        news = Waiting(
            "news", "Cases with new entries since your last visit", "new entries on your cases"
        )
        news.rows, news.count = _first("news", lists["news"], now)
        found += [interviews, news]
    if roles.may(person, roles.Act.CLOSE_ACTION):  # those who can close them
        actions = Waiting(
            "actions", "Actions for your agency from meetings", "actions",
            full_list=reverse("actions"),
        )  # fmt: skip
        actions.rows, actions.count = _first("actions", lists["actions"], now)
        found.append(actions)
    return found


def _worklist_read(request: HttpRequest, found: list[Waiting]) -> None:
    """The home page shows children's names and case references: a read of case data,
    recorded as the lists it comes from record theirs."""
    shown = {w.kind: w.rows for w in found}
    if not any(shown.values()):
        return
    cases = [i.episode.case_id for i in shown.get("interviews", [])]
    cases += [v.case_id for v in shown.get("news", [])]
    record(
        Action.CASE_LISTED,
        request=request,
        target_type="case",
        detail={
            "list": "home",
            "cases": sorted(set(cases)),
            "contacts": [c.pk for c in shown.get("contacts", [])],
            "checks": [c.pk for c in shown.get("checks", [])],
            "notifications": [n.pk for n in shown.get("notifications", [])],
            "actions": [a.pk for a in shown.get("actions", [])],
        },
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What is waiting for the person first, then the ways into the rest of the service."""
    now = timezone.now()
    found = worklist(request.user, now)
    _worklist_read(request, found)
    # The header's count is the worklist's notifications figure: counted once, not twice.
    notifications = next((w for w in found if w.kind == "notifications"), None)
    counted = {"inbox_count": notifications.count} if notifications else {}
    return render(
        request,
        "home.html",
        counted
        | {
            "upcoming": UPCOMING,
            "triage_manager": runs_a_mash(request.user),
            "waiting": [w for w in found if w.count],
            "nothing_waiting": [w for w in found if not w.count],
            "now": now,
            "partner_checks_manager": runs_partner_checks(request.user),
            "area_links": may_see_area(request.user),
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
        return problems.response(404)
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
        return problems.response(500)
    # Rendered without the request's context processors: the database may be why we are
    # here, and looking up the signed-in person would fail again.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A refusal written for people (cases.roles.RoleRefused) says why; others say nothing.
    reason = str(exception) if getattr(exception, "shown_to_person", False) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)

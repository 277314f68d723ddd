"""The MASH managers' morning: the triage screen, its three side lists and the dashboard.

Who may see them: MASH managers (role `mash_manager`) of a children's services agency,
whose MASH receives contacts (triage.services.mash_for). Everyone else is answered 403
with the GOV.UK page and the refusal recorded, as for the access reports: the pages are
about a role, not one record, so saying they exist leaks nothing. A MASH manager of
another kind of agency (police.mash) is refused too: no contact ever reaches a police
MASH queue here, and its "missing in the area" and "interviews due" would be about the
wrong authority.

Each page records `triage_viewed` (which page, the filters, the contact or case ids
listed) before it is rendered.

The triage screen works without JavaScript: the filters are a GET form and each row's
assignment a small POST form that redirects back to the same filtered page, where a banner
says who now holds the contact and offers to undo it (see "assigning confirms"). With htmx,
both update the queue in place (a partial is rendered for `HX-Request`: for an assignment,
the partial of the page it came from, with no redirect) and the filter form pushes its
URL, so the page stays bookmarkable.
"""

import datetime as dt
from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from audit.actions import Action
from audit.services import record
from missing.selectors import interviews_due
from people.models import Agency, Person
from people.views import safe_next
from safeguarding.paging import paginate
from triage import dashboard as mash_dashboard
from triage import selectors
from triage.flags import with_child_flags
from triage.models import Rag
from triage.selectors import (
    STATE_FILTERS,
    UNASSIGNED,
    colleagues,
    contact_for,
    recent_high_risk_screenings,
    referring_agencies,
    triage_queue,
    triage_summary,
)
from triage.services import assign_contact

PER_PAGE = 25
LIST_PER_PAGE = 25
MANAGERS_ONLY = {"need": "mash_manager"}
RAG_FILTERS = [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("unrated", "Not rated")]


# --- who may ---------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> Person:
    person = request.user
    if not selectors.runs_a_mash(person):
        record(Action.PERMISSION_REFUSED, request=request, detail=MANAGERS_ONLY)
        raise PermissionDenied
    return person


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the filters -----------------------------------------------------------------------------


class TriageFilterForm(forms.Form):
    """The queue's filters (GET). Every field is optional; all given must match."""

    rag = forms.ChoiceField(
        label="RAG rating",
        required=False,
        choices=[("", "Any rating"), *RAG_FILTERS],
        error_messages={"invalid_choice": "Select a RAG rating from the list"},
    )
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Not yet decided"), *[(k, v[0]) for k, v in STATE_FILTERS.items()]],
        error_messages={"invalid_choice": "Select a state from the list"},
    )
    assignee = forms.ChoiceField(
        label="Assigned to",
        required=False,
        error_messages={"invalid_choice": "Select who it is assigned to from the list"},
    )
    referrer = forms.ChoiceField(
        label="Referring agency",
        required=False,
        error_messages={"invalid_choice": "Select a referring agency from the list"},
    )

    def __init__(self, *args, people: list[Person], referrers: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", "Anyone or no one"),
            (UNASSIGNED, "Not assigned"),
            *[(str(p.pk), p.get_full_name() or p.username) for p in people],
        ]
        self.fields["referrer"].choices = [
            ("", "Any agency"),
            *[(str(a.pk), a.name) for a in referrers],
        ]

    @property
    def filters(self) -> dict:
        if not self.is_bound or self.errors:
            return {}
        data = self.cleaned_data
        return {
            "rag": data["rag"],
            "state": data["state"],
            "assignee": data["assignee"],
            "referrer": int(data["referrer"]) if data["referrer"] else None,
        }


def _filter_form(request: HttpRequest, people: list[Person], referrers: list[Agency]):
    filtering = any(key in request.GET for key in ("rag", "state", "assignee", "referrer"))
    form = TriageFilterForm(request.GET if filtering else None, people=people, referrers=referrers)
    form.is_valid()
    return form


class AssignForm(forms.Form):
    contact = forms.IntegerField(min_value=1)
    assignee = forms.CharField(required=False, max_length=20)


# --- how long is left ------------------------------------------------------------------------


def _span(delta: dt.timedelta) -> str:
    """A duration in words, to the minute, largest two units: "1 day 3 hours"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts[:2]) or "less than a minute"


def time_left(due: dt.datetime, now: dt.datetime) -> str:
    if due <= now:
        return f"{_span(now - due)} over"
    return f"{_span(due - now)} left"


def _state_text(contact) -> str:
    if contact.state == contact.State.DECIDED:
        return f"Decided: {contact.get_decision_display()}"
    if contact.state == contact.State.NEW:
        return STATE_FILTERS["new"][0]
    return STATE_FILTERS["checks" if contact.checks_outstanding else "ready"][0]


# --- the triage screen -----------------------------------------------------------------------


def _side(person: Person, now: dt.datetime) -> dict:
    """The counts beside the queue (see triage_summary)."""
    return triage_summary(person, now)


def _queue_link(**filters) -> str:
    return f"{reverse('triage')}?{urlencode(filters)}"


@login_required
@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest) -> HttpResponse:
    person = _manager(request)
    if request.method == "POST":
        return _assign(request, person)
    return _queue(request, person, request.get_full_path())


def _assign_options(people: list[Person]):
    """Each row's assignee <option>s, escaped once for the page: a MASH of hundreds of
    people would otherwise cost a template loop per row (bench/README.md)."""
    names = [(str(p.pk), escape(p.get_full_name() or p.username)) for p in people]

    def options(selected_id: int | None) -> str:
        chosen = str(selected_id) if selected_id else None
        first = f'<option value="{UNASSIGNED}"{"" if chosen else " selected"}>Not assigned</option>'
        rest = "".join(
            f'<option value="{pk}"{" selected" if pk == chosen else ""}>{name}</option>'
            for pk, name in names
        )
        return mark_safe(first + rest)  # noqa: S308 - every name escaped above

    return options


def _queue(request: HttpRequest, person: Person, here: str) -> HttpResponse:
    """The triage screen for `request.GET`'s filters (all of it, or the htmx partial)."""
    now = timezone.now()
    agency = person.agency
    people = list(colleagues(agency))
    referrers = list(referring_agencies(agency))
    form = _filter_form(request, people, referrers)
    page_obj = None
    if not form.errors:
        queue = triage_queue(agency, **form.filters, now=now)
        # Beside each row: the child's contacts this year and open cases, by subquery.
        queue = selectors.with_child_context(queue, person, now)
        page_obj = paginate(request, queue, PER_PAGE)
        options = _assign_options(people)
        selectors.with_due_notes(page_obj)
        with_child_flags(person, page_obj)
        today = timezone.localdate(now)
        for contact in page_obj:
            contact.time_left = time_left(contact.due_at, now)
            contact.state_text = _state_text(contact)
            contact.assign_options = options(contact.assigned_to_id)
            contact.child_age = selectors.age_in_years(contact.child.date_of_birth, today)
    summary = _side(person, now)
    record(
        Action.TRIAGE_VIEWED,
        request=request,
        target_type="contact",
        detail={
            "page": "triage",
            "filters": {k: v for k, v in request.GET.items() if k != "page"},
            "invalid": sorted(form.errors),
            "page_number": page_obj.number if page_obj else None,
            "contacts": [contact.pk for contact in page_obj] if page_obj else [],
        },
    )
    context = {
        "form": form,
        "page_obj": page_obj,
        "summary": summary,
        "people": people,
        "unassigned": UNASSIGNED,
        "here": here,
        "htmx": _is_htmx(request),
        "assigned": _last_assignment(request),
        "links": {
            "unrated": _queue_link(rag="unrated"),
            "red": _queue_link(rag=Rag.RED),
            "amber": _queue_link(rag=Rag.AMBER),
            "green": _queue_link(rag=Rag.GREEN),
            "unassigned": _queue_link(assignee=UNASSIGNED),
            "checks": _queue_link(state="checks"),
            "new": _queue_link(state="new"),
        },
    }
    template = "triage/triage_results.html" if context["htmx"] else "triage/triage.html"
    return render(request, template, context)


def _back_to(request: HttpRequest, person: Person, back: str) -> HttpResponse:
    """Without JavaScript, a redirect to the filtered page. With htmx, that page's queue
    straight away: a redirect followed by XMLHttpRequest is upgraded to https by the CSP's
    upgrade-insecure-requests, which a plain-http server cannot answer."""
    if not _is_htmx(request):
        return redirect(back)
    request.GET = QueryDict(urlsplit(back).query)
    return _queue(request, person, back)


def _assign(request: HttpRequest, person: Person) -> HttpResponse:
    """One row's assignment: back to the same filtered queue, with or without htmx."""
    back = safe_next(request, reverse("triage"))
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a contact and a colleague to assign it to.")
        return _back_to(request, person, back)
    contact, _ = contact_for(
        person, form.cleaned_data["contact"], audit_refusal=True, need="manage"
    )
    choice = form.cleaned_data["assignee"]
    assignee = None
    if choice and choice != UNASSIGNED:
        assignee = colleagues(person.agency).filter(pk=choice if choice.isdigit() else 0).first()
        if assignee is None:
            messages.error(request, f"Choose someone who works at this MASH for {contact}.")
            return _back_to(request, person, back)
    previous = contact.assigned_to
    try:
        assign_contact(person, contact, assignee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _assigned(request, contact, assignee, previous)
    return _back_to(request, person, back)


# --- assigning confirms: "now assigned to X", with an undo -----------------------------------
#
# Decision (issue 17): a select and a button in a row are easy to send for the wrong row or
# the wrong person, so the queue answers every assignment with a banner above the table that
# names the contact and the person now holding it, and an Undo button that gives it back to
# whoever had it before (a plain POST form: no JavaScript needed; the same in place with
# htmx). A confirm page before each assignment would double the clicks of the morning's
# commonest action; an undo costs nothing when the assignment was meant.

ASSIGNED = "triage_assigned"


def _name(person: Person | None) -> str:
    return (person.get_full_name() or person.username) if person else "nobody"


def _assigned(request: HttpRequest, contact, assignee: Person | None, previous) -> None:
    """Remember the assignment for the queue shown next: this request's with htmx, the
    redirected one's (through the session) without."""
    done = {
        "contact": contact.pk,
        "reference": contact.reference,
        "who": _name(assignee),
        "to_nobody": assignee is None,
        "previous": str(previous.pk) if previous else UNASSIGNED,
        "previous_name": _name(previous),
        "undone": request.POST.get("undo") == "1",
        "same": (previous.pk if previous else None) == (assignee.pk if assignee else None),
    }
    if _is_htmx(request):
        request.triage_assigned = done
    else:
        request.session[ASSIGNED] = done


def _last_assignment(request: HttpRequest) -> dict | None:
    if hasattr(request, "triage_assigned"):
        return request.triage_assigned
    if ASSIGNED in request.session:
        return request.session.pop(ASSIGNED)
    return None


# --- the side lists --------------------------------------------------------------------------


def _list(request: HttpRequest, name: str, rows: QuerySet, template: str, case_of=None):
    page_obj = paginate(request, rows, LIST_PER_PAGE)
    case_of = case_of or (lambda row: row.case_id)
    record(
        Action.TRIAGE_VIEWED,
        request=request,
        target_type="case",
        detail={
            "page": name,
            "page_number": page_obj.number,
            "cases": [case_of(row) for row in page_obj],
            name: [row.pk for row in page_obj],
        },
    )
    return render(request, template, {"page_obj": page_obj, "now": timezone.now()})


@login_required
@require_GET
def missing(request: HttpRequest) -> HttpResponse:
    person = _manager(request)
    return _list(
        request, "missing", selectors.missing_in_area(person), "triage/triage_missing.html"
    )


@login_required
@require_GET
def interviews(request: HttpRequest) -> HttpResponse:
    person = _manager(request)
    return _list(
        request, "interviews", interviews_due(person),
        "triage/triage_interviews.html", case_of=lambda row: row.episode.case_id,
    )  # fmt: skip


@login_required
@require_GET
def screenings(request: HttpRequest) -> HttpResponse:
    person = _manager(request)
    return _list(
        request, "screenings", recent_high_risk_screenings(person),
        "triage/triage_screenings.html",
    )  # fmt: skip


# --- the dashboard ---------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    person = _manager(request)
    figures = mash_dashboard.figures(person)
    record(
        Action.TRIAGE_VIEWED,
        request=request,
        target_type="contact",
        detail={"page": "dashboard", "since": figures["since"].isoformat()},
    )
    return render(request, "triage/dashboard.html", figures)

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

The triage screen works without JavaScript: the filters are a GET form, and assigning is
one POST form around the queue that goes back to the same filtered page, where a banner
says who now holds the contacts and offers to undo it (see "assigning confirms"). With
htmx, both update the queue in place (a partial is rendered for `HX-Request`: for an
assignment, the partial of the page it came from, with no redirect) and the filter form
pushes its URL, so the page stays bookmarkable.

Decision (issue 18), one assign control: each undecided row has a checkbox, and the page
has ONE "Assign the selected contacts to [colleague] [Assign selected]" control above the
queue. A select of every colleague on each of 25 rows (about 130 people in a county MASH)
made the page 25 times heavier to send and render, and a morning's triage hands out
several contacts to one social worker at a time: tick, choose once, assign. The control
starts on "Choose a colleague", never on a person, so nothing is assigned by default; with
nothing ticked or no one chosen the page comes back with an error summary, the ticks and
the filters kept. Duty lists per row were the alternative: shorter, but the MASH has no
rota to draw them from, and the row would still offer a choice per contact.
Assigning is idempotent per contact (triage.services.assign_contacts): the same form sent
twice changes and audits each contact once. There is no one-time form token: its "same
details again" rule would refuse assign, undo, assign again, and its replay answers with
a redirect, which htmx cannot follow here (see _back_to).
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
from django.utils.choices import BaseChoiceIterator
from django.views.decorators.http import require_GET, require_http_methods

from audit.actions import Action
from audit.services import record
from missing.selectors import interviews_due
from people.models import Person
from people.views import safe_next
from safeguarding.paging import paginate
from triage import dashboard as mash_dashboard
from triage import selectors
from triage.flags import with_child_flags
from triage.models import Rag
from triage.selectors import (
    STATE_FILTERS,
    UNASSIGNED,
    HighRiskRecords,
    colleagues,
    contacts_to_manage,
    recent_high_risk_assessments,
    recent_high_risk_screenings,
    triage_summary,
)
from triage.services import Assignment, assign_contacts

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


class _Given(BaseChoiceIterator):
    """(value, label) pairs already as a field keeps them. A plain list is checked pair by
    pair by the field and again by its widget on every request: the colleagues in two
    selects, about a millisecond of the triage screen (issue 18)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


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

    def __init__(
        self, *args, people: list[tuple[int, str]], referrers: list[tuple[int, str]], **kwargs
    ):
        """`people` and `referrers`: (id, name) pairs (selectors.colleague_names and
        referrer_names)."""
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _Given([
            ("", "Anyone or no one"),
            (UNASSIGNED, "Not assigned"),
            *[(str(pk), name) for pk, name in people],
        ])  # fmt: skip
        self.fields["referrer"].choices = _Given(
            [("", "Any agency"), *[(str(pk), name) for pk, name in referrers]]
        )

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


def _filter_form(
    request: HttpRequest, people: list[tuple[int, str]], referrers: list[tuple[int, str]]
) -> TriageFilterForm:
    filtering = any(key in request.GET for key in ("rag", "state", "assignee", "referrer"))
    form = TriageFilterForm(request.GET if filtering else None, people=people, referrers=referrers)
    form.is_valid()
    return form


class ContactIds(forms.Field):
    """The ticked rows: contact ids, as many as a page shows (the service checks each)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select the contacts to assign",
        "invalid": "Select the contacts to assign from the queue",
    }

    def to_python(self, value) -> list[int]:
        values = [v for v in (value or []) if v]
        if len(values) > PER_PAGE or not all(v.isdigit() and len(v) < 19 for v in values):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(int(v) for v in values))


class AssignSelectedForm(forms.Form):
    """The page's one assign control: the ticked contacts and the colleague to give them
    to ("no one" takes them off everyone). Nothing is preselected: a manager chooses."""

    contact = ContactIds()
    assignee = forms.ChoiceField(
        label="Assign the selected contacts to",
        error_messages={
            "required": "Choose who to assign the selected contacts to",
            "invalid_choice": "Choose someone who works at this MASH",
        },
    )

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        """`people`: the colleagues as (id, name) pairs (selectors.colleague_names)."""
        # Ids of its own: the filters above have an "assignee" too.
        super().__init__(*args, auto_id="assign-%s", **kwargs)
        self.fields["assignee"].choices = _Given([
            ("", "Choose a colleague"),
            *[(str(pk), name) for pk, name in people],
            (UNASSIGNED, "No one (take them off everyone)"),
        ])  # fmt: skip

    def ticked(self) -> set[int]:
        """The rows to show ticked again when the form comes back with its errors."""
        return {int(v) for v in self.data.getlist("contact") if v.isdigit() and len(v) < 19}


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


def _queue(
    request: HttpRequest, person: Person, here: str, assign_form: AssignSelectedForm | None = None
) -> HttpResponse:
    """The triage screen for `request.GET`'s filters (all of it, or the htmx partial); with
    `assign_form`, the assign control sent back with its errors and its rows still ticked."""
    now = timezone.now()
    agency = person.agency
    people = selectors.colleague_names(agency)
    form = _filter_form(request, people, selectors.referrer_names(agency))
    assign_form = assign_form or AssignSelectedForm(people=people)
    page_obj = None
    summary = _side(person, now)
    if not form.errors:
        # Beside each row: the child's contacts this year and open cases, by subquery. With
        # no filter the queue is every undecided contact, which the summary has counted.
        unfiltered = not any(form.filters.values())
        page_obj = paginate(
            request,
            selectors.queue_rows(person, form.filters, now),
            PER_PAGE,
            count=summary["queue"]["total"] if unfiltered else None,
        )
        selectors.with_due_notes(page_obj)
        with_child_flags(person, page_obj)
        today = timezone.localdate(now)
        for contact in page_obj:
            contact.time_left = time_left(contact.due_at, now)
            contact.state_text = _state_text(contact)
            contact.child_age = selectors.age_in_years(contact.child.date_of_birth, today)
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
        "assign_form": assign_form,
        "assignable": page_obj is not None and any(c.state != c.State.DECIDED for c in page_obj),
        "ticked": assign_form.ticked() if assign_form.is_bound else set(),
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
    """The ticked contacts' assignment (or an undo): back to the same filtered queue, with
    or without htmx; the control sent back with its errors if it cannot be done."""
    back = safe_next(request, reverse("triage"))
    if request.POST.get("undo") == "1":
        return _undo(request, person, back)
    form = AssignSelectedForm(request.POST, people=selectors.colleague_names(person.agency))
    holder = None
    if form.is_valid() and form.cleaned_data["assignee"] != UNASSIGNED:
        holder = colleagues(person.agency).filter(pk=form.cleaned_data["assignee"]).first()
        if holder is None:  # left the MASH between reading the select and now
            form.add_error("assignee", form.fields["assignee"].error_messages["invalid_choice"])
    if form.is_valid():
        contacts = contacts_to_manage(person, form.cleaned_data["contact"])
        try:
            done = assign_contacts(person, [(c, holder) for c in contacts])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _assigned(request, done)
            return _back_to(request, person, back)
    request.GET = QueryDict(urlsplit(back).query)
    return _queue(request, person, back, assign_form=form)


def _undo(request: HttpRequest, person: Person, back: str) -> HttpResponse:
    """Give each contact of the last assignment back to whoever held it before: the
    banner's form sends "contact id:holder" pairs (UNASSIGNED for no one); a page from
    before issue 18 sends one contact and its holder."""
    given = request.POST.getlist("give_back")[:PER_PAGE]
    if not given and "contact" in request.POST:  # a row's undo, from a page shown before
        given = [f"{request.POST['contact']}:{request.POST.get('assignee', '')}"]
    pairs = [v.partition(":") for v in given]
    pairs = [(pk, holder) for pk, _, holder in pairs if pk.isdigit() and len(pk) < 19]
    people = {str(p.pk): p for p in colleagues(person.agency)}
    if not pairs or any(h != UNASSIGNED and h not in people for _, h in pairs):
        messages.error(request, "That assignment can no longer be undone: assign them again.")
        return _back_to(request, person, back)
    contacts = contacts_to_manage(person, [int(pk) for pk, _ in pairs])
    wanted = [(c, people.get(holder)) for c, (_, holder) in zip(contacts, pairs, strict=True)]
    try:
        done = assign_contacts(person, wanted)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _assigned(request, done, undone=True)
    return _back_to(request, person, back)


# --- assigning confirms: "now assigned to X", with an undo -----------------------------------
#
# Decision (issue 17): a select and a button in a row are easy to send for the wrong row or
# the wrong person, so the queue answers every assignment with a banner above the table that
# names the contacts and the person now holding them, and an Undo button that gives each back
# to whoever had it before (a plain POST form: no JavaScript needed; the same in place with
# htmx). A confirm page before each assignment would double the clicks of the morning's
# commonest action; an undo costs nothing when the assignment was meant.

ASSIGNED = "triage_assigned"


def _name(person: Person | None) -> str:
    return (person.get_full_name() or person.username) if person else "nobody"


def _holding(person: Person | None) -> str:
    return f"assigned to {_name(person)}" if person else "not assigned to anyone"


def _listed(references: list[str]) -> str:
    if len(references) < 3:
        return " and ".join(references)
    return f"{', '.join(references[:-1])} and {references[-1]}"


def _assigned(request: HttpRequest, done: list[Assignment], *, undone: bool = False) -> None:
    """Remember what assigning did, in words, for the queue shown next: this request's with
    htmx, the redirected one's (through the session) without. One contact reads as it did
    for a row; several are named together, and the undo gives each back to its own holder."""
    changed = [a for a in done if a.changed]
    same = [a for a in done if not a.changed]
    lines = []
    if undone:
        for a in changed:
            lines.append(f"Undone: {a.contact.reference} is {_holding(a.assignee)} again.")
    elif changed:
        refs = [a.contact.reference for a in changed]
        holding = _holding(changed[0].assignee)
        if len(refs) == 1:
            lines.append(f"{refs[0]} is now {holding}.")
        else:
            lines.append(f"{len(refs)} contacts are now {holding}: {_listed(refs)}.")
    if same and undone:
        lines += [f"{a.contact.reference} was already {_holding(a.assignee)}." for a in same]
    elif same:
        refs = [a.contact.reference for a in same]
        verb = "was" if len(refs) == 1 else "were"
        lines.append(f"{_listed(refs)} {verb} already {_holding(same[0].assignee)}.")
    state = {
        "undone": undone,
        "lines": lines,
        # What the undo gives back, and to whom; the same sentence for a screen reader.
        "before": [] if undone else [_before(a, alone=len(changed) == 1) for a in changed],
        "give_back": [] if undone else [
            f"{a.contact.pk}:{a.previous.pk if a.previous else UNASSIGNED}" for a in changed
        ],
        "undo_label": _undo_label(changed),
    }  # fmt: skip
    if _is_htmx(request):
        request.triage_assigned = state
    else:
        request.session[ASSIGNED] = state


def _before(assignment: Assignment, *, alone: bool) -> str:
    previous = assignment.previous
    held = f"assigned to {_name(previous)}" if previous else "not assigned"
    return f"It was {held}." if alone else f"{assignment.contact.reference} was {held}."


def _undo_label(changed: list[Assignment]) -> str:
    holders = {a.previous.pk if a.previous else None for a in changed}
    refs = _listed([a.contact.reference for a in changed])
    if len(holders) == 1:
        previous = changed[0].previous if changed else None
        return f"give {refs} back to {_name(previous) if previous else 'no one'}"
    return f"give {refs} back to whoever held each before"


def _last_assignment(request: HttpRequest) -> dict | None:
    if hasattr(request, "triage_assigned"):
        return request.triage_assigned
    if ASSIGNED in request.session:
        return request.session.pop(ASSIGNED)
    return None


# --- the side lists --------------------------------------------------------------------------


def _list(
    request: HttpRequest, name: str, rows: QuerySet | HighRiskRecords, template: str, case_of=None
):
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


@login_required
@require_GET
def assessments(request: HttpRequest) -> HttpResponse:
    person = _manager(request)
    return _list(
        request, "assessments", recent_high_risk_assessments(person),
        "triage/triage_assessments.html",
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

"""Access reports, pages: who saw or changed which child's record, and emergency-access reviews.

Who may read what is decided in reports.selectors, for the pages and the API alike.
Reading a report records `access_report_viewed` (which report, the filters, the page, how
many rows) and a download `access_report_exported`: reading the audit log is audited too.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.actions import Action
from audit.services import record
from cases import selectors
from cases.forms import DateField, DateRangeForm
from cases.models import Case
from cases.pages import section_context, viewed
from people.models import Person
from reports import events
from reports.panels import recent_activity
from reports.selectors import (
    IG_ONLY,
    is_information_governance,
    report_events,
    reviewable_accesses,
)
from safeguarding.paging import paginate
from safeguarding.uk_time import said
from sharing import selectors as sharing_selectors
from sharing.models import EmergencyAccess
from sharing.services import AlreadyReviewed, review_emergency_access

# The events page counts at most this many (then "more than 1,000"): narrower filters or the
# CSV reach the rest.
EVENT_COUNT_CAP = 1000
PER_PAGE = 25
BIGINT = 2**63 - 1
REFERENCE = re.compile(r"^CSE-\d{4}-\d{6,12}$")
NOTE_LENGTH = EmergencyAccess._meta.get_field("review_note").max_length


def _information_governance(request: HttpRequest) -> Person:
    """The signed-in person if they are information governance; otherwise 403, recorded."""
    person = request.user
    if not is_information_governance(person):
        record(Action.PERMISSION_REFUSED, request=request, detail=IG_ONLY)
        raise PermissionDenied
    return person


# --- forms ----------------------------------------------------------------------------------


def _typed_filter(label: str, max_length: int, hint: str, too_long: str) -> forms.CharField:
    """An optional filter typed as text, saying what to type when it is too long."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=hint,
        error_messages={"max_length": too_long},
    )


class EventFilterForm(DateRangeForm):
    """What to find in the log (GET). Every field is optional; all given must match."""

    reference = _typed_filter("Case reference", 25, "For example, CSE-2026-000123",
                              "Enter a case reference, like CSE-2026-000123")  # fmt: skip
    child = _typed_filter("Child’s id", 19, "The number in the address of the child’s record",
                          "Enter the child’s id as a number, like 123")  # fmt: skip
    person = _typed_filter("Person’s username", 150, "For example, jo.fletcher",
                           "A username must be 150 characters or fewer")  # fmt: skip
    action = forms.ChoiceField(
        label="What they did",
        required=False,
        choices=[("", "Anything"), *Action.choices],
        error_messages={"invalid_choice": "Select what they did from the list"},
    )
    occurred_from = DateField(label="From", required=False)
    occurred_to = DateField(label="To", required=False)

    def clean_reference(self) -> str:
        value = self.cleaned_data["reference"].strip().upper()
        if value and not REFERENCE.match(value):
            raise forms.ValidationError("Enter a case reference, like CSE-2026-000123")
        return value

    def clean_child(self) -> int | None:
        value = self.cleaned_data["child"].strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= BIGINT:
            raise forms.ValidationError("Enter the child’s id as a number, like 123")
        return int(value)

    @property
    def filters(self) -> dict:
        """The filters as `report_events` takes them (the reference looked up)."""
        data = self.cleaned_data
        case_ids = None
        if data["reference"]:
            # Any case with that reference: a case outside the scope shows only what the
            # scope allows (often nothing), and whether it exists is not said.
            case_ids = list(
                Case.objects.filter(reference=data["reference"]).values_list("pk", flat=True)
            )
        return {
            "case_ids": case_ids,
            "child_id": data["child"],
            "actor": data["person"].strip() or None,
            "action": data["action"] or None,
            "occurred_from": data["occurred_from"],
            "occurred_to": data["occurred_to"],
        }

    @property
    def described(self) -> dict:
        """The filters for the audit log: small and machine-readable."""
        data = self.cleaned_data
        return {
            "case": data["reference"] or None,
            "child": data["child"],
            "person": data["person"].strip() or None,
            "action": data["action"] or None,
            "from": data["occurred_from"].isoformat() if data["occurred_from"] else None,
            "to": data["occurred_to"].isoformat() if data["occurred_to"] else None,
        }


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="Review note",
        max_length=NOTE_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter a review note",
            "max_length": f"The review note must be {NOTE_LENGTH:,} characters or fewer",
        },
    )


# --- shared by the pages --------------------------------------------------------------------


def _event_form(request: HttpRequest) -> EventFilterForm:
    filtering = any(key != "page" for key in request.GET)
    form = EventFilterForm(request.GET if filtering else None)
    form.is_valid()
    return form


def _show(person: Person, page_obj: Page) -> None:
    """Give each event on the page what its row shows, in two queries for all of them."""
    for event in page_obj:
        about_a_case = event.target_type == "case" and event.target_id.isdigit()
        event.case_id = int(event.target_id) if about_a_case else None
    case_ids = {event.case_id for event in page_obj if event.case_id}
    # References only of cases the person manages: the rest are shown by id alone.
    references = dict(
        selectors.visible_cases(person, "manage")
        .filter(pk__in=case_ids)
        .values_list("pk", "reference")
    )
    # People by their names (one query for the page); the username stays beside them, as
    # the log recorded it and as the filter asks for it.
    names = {
        person.pk: person.display_name
        for person in Person.objects.filter(
            pk__in={event.actor_id for event in page_obj if event.actor_id}
        )
        .select_related(None)
        .only("pk", "first_name", "last_name", "username")
    }
    for event in page_obj:
        event.actor_name = names.get(event.actor_id, "")
        event.under = events.under(event)
        event.target_label = events.target(event)
        event.details = events.describe_detail(event)
        event.case_reference = references.get(event.case_id)


def _viewed_report(
    request: HttpRequest, report: str, page_obj: Page, *, target=("", ""), **detail
) -> None:
    record(
        Action.ACCESS_REPORT_VIEWED,
        request=request,
        target_type=target[0],
        target_id=target[1],
        detail={
            "report": report,
            **detail,
            "page": page_obj.number,
            "rows": len(page_obj.object_list),
        },
    )


def _exported(request: HttpRequest, report: str, *, target=("", ""), **detail) -> None:
    record(
        Action.ACCESS_REPORT_EXPORTED,
        request=request,
        target_type=target[0],
        target_id=target[1],
        detail={"report": report, "format": "csv", **detail},
    )


def _csv(rows: QuerySet, filename: str) -> StreamingHttpResponse:
    lines = events.csv_lines(rows.iterator(chunk_size=1000))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _target_of(form: EventFilterForm) -> tuple[str, object]:
    """A report about one case or child is recorded against it, so its history shows it."""
    if not form.is_bound or form.errors:
        return ("", "")
    case_ids = form.filters["case_ids"]
    if case_ids and len(case_ids) == 1:
        return ("case", case_ids[0])
    if form.cleaned_data["child"]:
        return ("child", form.cleaned_data["child"])
    return ("", "")


# --- information governance -----------------------------------------------------------------


@login_required
@require_GET
def access_reports(request: HttpRequest) -> HttpResponse:
    """What the reports are, the form to find events, and the reviews awaiting."""
    person = _information_governance(request)
    awaiting = reviewable_accesses(person).filter(reviewed_at__isnull=True).count()
    return render(
        request,
        "reports/index.html",
        {"form": EventFilterForm(), "awaiting": awaiting, "agency": person.agency},
    )


@login_required
@require_GET
def access_events(request: HttpRequest) -> HttpResponse:
    person = _information_governance(request)
    form = _event_form(request)
    page_obj = None
    if not form.errors:
        filters = form.filters if form.is_bound else {}
        rows = report_events(person, **filters)
        # Counted up to a cap: the count walks the events as the page does, so an exact one
        # costs the whole log (the page says "more than"; the CSV holds every one).
        counted = rows[: EVENT_COUNT_CAP + 1].count()
        page_obj = paginate(request, rows, PER_PAGE, count=min(counted, EVENT_COUNT_CAP))
        page_obj.more_than = f"{EVENT_COUNT_CAP:,}" if counted > EVENT_COUNT_CAP else ""
        _show(person, page_obj)
        described = form.described if form.is_bound else {}
        _viewed_report(request, "events", page_obj, target=_target_of(form), filters=described)
    return render(
        request,
        "reports/events.html",
        {"form": form, "page_obj": page_obj, "filtered": form.is_bound, "agency": person.agency},
    )


@login_required
@require_GET
def access_events_export(request: HttpRequest) -> HttpResponse:
    person = _information_governance(request)
    form = _event_form(request)
    if form.errors:  # shown, with the error summary, on the page
        return redirect(f"{reverse('access-events')}?{request.GET.urlencode()}")
    filters = form.filters if form.is_bound else {}
    rows = report_events(person, **filters)
    described = form.described if form.is_bound else {}
    _exported(request, "events", target=_target_of(form), filters=described)
    return _csv(rows, f"access-events-{timezone.localtime():%Y%m%d-%H%M}.csv")


# --- a case's access history: for those who manage it ---------------------------------------


@login_required
@require_GET
def case_access(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's "Access and activity" tab: who holds a share and on what basis, every
    emergency access, and the latest reads and changes. For those who manage the case (as
    these panels were on the case page); to anyone else the page does not exist. Audited
    as a read of the case, before the recent activity is read, so it lists this read too."""
    person = request.user
    case = selectors.case_for(person, case_id, need="manage", audit_refusal=True)
    viewed(request, case, "access")
    return render(
        request,
        "reports/case_access.html",
        {
            **section_context(person, case, "access"),
            "shares": list(sharing_selectors.agencies_with_access(case)),
            "emergency_accesses": list(sharing_selectors.emergency_accesses(case)),
            **recent_activity(person, case, may_manage=True),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def case_access_history(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="manage", audit_refusal=True)
    page_obj = paginate(request, events.case_events([case.pk]), PER_PAGE)
    _show(person, page_obj)
    _viewed_report(request, "case_access_history", page_obj, target=("case", case.pk))
    return render(
        request,
        "reports/case_history.html",
        {"case": case, "child": case.child, "page_obj": page_obj},
    )


@login_required
@require_GET
def case_access_history_export(request: HttpRequest, case_id: int) -> StreamingHttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="manage", audit_refusal=True)
    _exported(request, "case_access_history", target=("case", case.pk))
    return _csv(events.case_events([case.pk]), f"{case.reference}-access-history.csv")


# --- emergency access reviews ---------------------------------------------------------------


@login_required
@require_GET
def emergency_reviews(request: HttpRequest) -> HttpResponse:
    """Emergency accesses to the agency's cases: awaiting review first, then reviewed."""
    person = _information_governance(request)
    accesses = reviewable_accesses(person)
    awaiting = accesses.filter(reviewed_at__isnull=True).count()
    page_obj = paginate(
        request,
        # PostgreSQL sorts NULLs first in descending order: those awaiting review come first.
        accesses.order_by(F("reviewed_at").desc(nulls_first=True), "-granted_at", "-id"),
        PER_PAGE,
    )
    _viewed_report(
        request, "emergency_access", page_obj, accesses=[access.pk for access in page_obj]
    )
    return render(
        request,
        "reports/emergency_reviews.html",
        {"page_obj": page_obj, "awaiting": awaiting, "now": timezone.now(), "most": NOTE_LENGTH},
    )


def _access_for(person: Person, access_id: int) -> EmergencyAccess:
    access = reviewable_accesses(person).filter(pk=access_id).first()
    if access is None:
        raise Http404("No such emergency access")
    return access


def _already(access: EmergencyAccess) -> str:
    by = access.reviewed_by
    who = (by.get_full_name() or by.username) if by else "someone"
    return (
        f"This emergency access was already reviewed by {who} on {said(access.reviewed_at)}. "
        "Nothing was changed."
    )


@login_required
@require_http_methods(["GET", "POST"])
def emergency_review(request: HttpRequest, access_id: int) -> HttpResponse:
    """Mark one emergency access reviewed, with a note (GET shows the form on its own)."""
    person = _information_governance(request)
    access = _access_for(person, access_id)
    if access.reviewed_at is not None:
        messages.info(request, _already(access))
        return redirect("emergency-reviews")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            review_emergency_access(person, access, form.cleaned_data["note"])
        except AlreadyReviewed:  # reviewed by someone else a moment ago
            messages.info(request, _already(_access_for(person, access_id)))
        else:
            messages.success(
                request,
                f"The emergency access to {access.case.reference} is marked reviewed. "
                "This is recorded on the case’s chronology.",
            )
        return redirect("emergency-reviews")
    if request.method == "GET":
        record(
            Action.ACCESS_REPORT_VIEWED,
            request=request,
            target_type="case",
            target_id=access.case_id,
            detail={"report": "emergency_access", "access": access.pk},
        )
    return render(
        request,
        "reports/emergency_review.html",
        {"access": access, "form": form, "now": timezone.now(), "most": NOTE_LENGTH},
    )

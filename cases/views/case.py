"""The case list, the case page with its chronology, printing, export and closing."""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.actions import Action
from audit.services import record
from cases import journey, registry, roles, selectors, visits
from cases.assessments import standing
from cases.flags import for_lists
from cases.forms import (
    ChronologyFilterForm,
    CloseForm,
)
from cases.models import Case, Entry
from cases.pages import (
    PRINT_LIMIT,
    form_page,
    listed,
    page,
    posted,
    section_context,
    viewed,
)
from cases.roles import Act
from cases.services import CaseAlreadyClosed, close_case
from safeguarding import uk_time
from safeguarding.spreadsheets import safe_cell

# Times as people read them, each followed by the same time for programs (sorting, import).
CSV_HEADER = [
    "Entry", "When it happened", "When it happened (ISO 8601)", "Recorded at",
    "Recorded at (ISO 8601)", "Agency", "Recorded by", "Category",
    "Restricted", "What happened", "Amends entry", "Amendment reason",
    "Superseded by entry",
]  # fmt: skip
# The entries recorded since the last visit named one by one on the case page; the rest
# are counted and flagged where they sit.
NEW_LISTED = 10


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases shared with the person's agency, and any they hold through emergency access."""
    person = request.user
    page_obj = page(
        request, selectors.visible_case_pages(person), count=selectors.visible_case_count(person)
    )
    emergency = list(selectors.emergency_cases(person))
    flags = registry.case_flags(person, list(page_obj), brief=True)
    for case in page_obj:
        case.flags = for_lists(flags[case.pk])
    listed(
        request,
        "cases",
        page_obj,
        [case.pk for case in page_obj],
        emergency=[case.pk for case in emergency],
    )
    return render(request, "cases/cases.html", {"page_obj": page_obj, "emergency": emergency})


def _filter_form(request: HttpRequest, case: Case) -> ChronologyFilterForm:
    """The chronology filters, offering the agencies whose entries the person can see."""
    agencies = selectors.chronology_agencies(case, request.user)
    filtering = any(key != "page" for key in request.GET)
    form = ChronologyFilterForm(request.GET if filtering else None, agencies=agencies)
    form.is_valid()
    return form


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    may_contribute = selectors.can(person, case, "contribute")
    may_manage = selectors.can(person, case, "manage")
    held = {"view": True, "contribute": may_contribute, "manage": may_manage}
    # The buttons shown are the actions the person's role and their agency's access allow.
    may = roles.allowed(person, held.__getitem__)
    form = _filter_form(request, case)
    now = timezone.now()
    # Before this read moves it on: when the person's last visit ended.
    since = visits.visit(person, case, now)
    page_obj = page(request, selectors.chronology_pages(case, person, form.filters))
    new = []
    if since:
        chronology = selectors.chronology(case, person, **form.filters)
        new = selectors.recorded_since(chronology, person, since)
    for item in new:
        item["page"] = (item["position"] - 1) // page_obj.paginator.per_page + 1
        item["label"] = Entry.Category(item["category"]).label
    new_ids = {item["pk"] for item in new}
    for entry in page_obj:
        entry.amendable = (
            may[roles.Act.ADD_ENTRY]
            and entry.agency_id == person.agency_id
            and entry.category in Entry.RECORDABLE
            and not hasattr(entry, "superseded_by")
        )
        entry.is_new = entry.pk in new_ids
    viewed(request, case, "case", page=page_obj.number, filters=form.described)
    # What is happening to the child now, from every app that knows (cases.flags), and
    # the person's own emergency access (sharing), through the registry: cases imports
    # neither.
    flags = registry.case_flags(person, [case])[case.pk]
    panels = registry.case_page_context(person, case, may_manage=may_manage)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "child": case.child,
            "section": "chronology",
            "flags": flags,
            "may_contribute": may_contribute,
            "may_manage": may_manage,
            "may": may,
            "my_emergency_access": None,
            **panels,
            "now": now,
            "form": form,
            "filtered": form.narrowed,
            "significant": form.filters["significant"],
            "page_obj": page_obj,
            "since": since,
            "new_entries": new,
            "new_listed": new[:NEW_LISTED],
            "new_more": max(len(new) - NEW_LISTED, 0),
        },
    )


@login_required
@require_GET
def case_details(request: HttpRequest, case_id: int) -> HttpResponse:
    """Who the child is and the case's own facts: a tab of the case, off its first screen
    so that the chronology comes first (issue 17)."""
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    viewed(request, case, "details")
    return render(
        request,
        "cases/case_details.html",
        {
            **section_context(person, case, "details"),
            "aliases": list(case.child.aliases.all()),
            "latest_screening": selectors.latest_screening(case),
            "standing": standing(case),
        },
    )


@login_required
@require_GET
def case_print(request: HttpRequest, case_id: int) -> HttpResponse:
    """The chronology for a strategy meeting: the same filters, every visible entry."""
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    form = _filter_form(request, case)
    entries = list(selectors.chronology(case, person, **form.filters)[: PRINT_LIMIT + 1])
    truncated = len(entries) > PRINT_LIMIT
    entries = entries[:PRINT_LIMIT]
    # The journey has every kind of event in the dates: printed only when the chronology is
    # not narrowed to one agency or category, so the print holds only what was asked for.
    filters = form.filters
    narrowed = filters["agency_id"] or filters["category"]
    first, last = journey.printed_days(filters, entries)
    viewed(request, case, "print", filters=form.described)
    record(
        Action.CHRONOLOGY_EXPORTED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={
            "format": "print",
            "filters": form.described,
            "entries": len(entries),
            **selectors.access_basis(person, case),
        },
    )
    return render(
        request,
        "cases/print.html",
        {
            "case": case,
            "child": case.child,
            "aliases": list(case.child.aliases.all()),
            "form": form,
            "entries": entries,
            "truncated": truncated,
            "limit": PRINT_LIMIT,
            "printed_at": timezone.now(),
            "journey": None if narrowed else journey.journey(person, case, first, last),
        },
    )


def _csv_rows(entries) -> Iterator[list[str]]:
    yield CSV_HEADER
    for entry in entries:
        superseded = getattr(entry, "superseded_by", None)
        yield [
            safe_cell(v)
            for v in (
                entry.pk,
                uk_time.said(entry.occurred_at),
                uk_time.machine(entry.occurred_at),
                uk_time.said(entry.recorded_at),
                uk_time.machine(entry.recorded_at),
                entry.agency.name,
                entry.recorded_by.get_full_name() or entry.recorded_by.username,
                entry.get_category_display(),
                "Yes" if entry.restricted else "No",
                entry.text,
                entry.supersedes_id or "",
                entry.amendment_reason,
                superseded.pk if superseded else "",
            )
        ]


class _Echo:
    """csv.writer writes into this, which hands each line straight back to be streamed."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def case_export(request: HttpRequest, case_id: int) -> StreamingHttpResponse:
    """The chronology as CSV, read through the same selector as the page, streamed."""
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    form = _filter_form(request, case)
    entries = selectors.chronology(case, person, **form.filters).iterator(chunk_size=500)
    record(
        Action.CHRONOLOGY_EXPORTED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={
            "format": "csv",
            "filters": form.described,
            **selectors.access_basis(person, case),
        },
    )
    writer = csv.writer(_Echo())
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    lines = (writer.writerow(row) for row in _csv_rows(entries))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-chronology.csv"'
    return response


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from lines


@login_required
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_to(person, case_id, Act.CLOSE)
    if case.status == Case.Status.CLOSED:
        messages.info(request, f"Case {case.reference} is already closed.")
        return redirect("case", case_id=case.pk)
    form = CloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            close_case(person, case, form.cleaned_data["reason"])
        except CaseAlreadyClosed as closed:  # closed by someone else a moment ago
            messages.info(request, str(closed))
        else:
            messages.success(request, f"Case {case.reference} is closed.")
        return redirect("case", case_id=case.pk)
    return form_page(request, case, "close", "cases/close_form.html", form)

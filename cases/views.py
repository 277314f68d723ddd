"""Pages for children, cases, the chronology, screenings, shares and emergency access.

Every case is fetched with `cases.selectors.case_for`, so anything the person may not see
answers 404, whether it exists or not. Every change is a service call, which writes its
own audit event and chronology entry. Reads are audited here, before the page is rendered,
so a read is on record even if rendering then fails: every page that shows a case records
`case_viewed`, lists record `case_listed`, searches `search`, print and CSV
`chronology_exported`.
"""

import csv
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Page
from django.db import IntegrityError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from audit.models import Action
from audit.services import record
from cases import selectors
from cases.forms import (
    AmendEntryForm,
    ChildForm,
    ChronologyFilterForm,
    CloseForm,
    EmergencyAccessForm,
    EntryForm,
    ScreeningForm,
    SearchForm,
    ShareForm,
)
from cases.models import Case, Entry, Screening
from cases.services import (
    AmendmentRefused,
    add_entry,
    agencies_to_share_with,
    amend_entry,
    close_case,
    create_child_and_case,
    possible_duplicates,
    record_screening,
)
from safeguarding.paging import paginate
from sharing.models import Agency, Share
from sharing.services import (
    acknowledge_share,
    grant_emergency_access,
    revoke_share,
    share_case,
    shares_received,
)

PER_PAGE = 25
# A printed chronology is for a meeting; past this it is a download, not a document.
PRINT_LIMIT = 2000
DUPLICATE_CHECK_SALT = "cases.duplicate-check"


def _page(request: HttpRequest, rows, per_page: int = PER_PAGE) -> Page:
    return paginate(request, rows, per_page)


def _posted(request: HttpRequest):
    """The submitted form data on a POST (even if empty: a form of unticked boxes), else None."""
    return request.POST if request.method == "POST" else None


def _back(request: HttpRequest, default: str) -> str:
    """Where a form came from (`next`), if it is on this site; otherwise `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _viewed(request: HttpRequest, case: Case, view: str, **detail) -> None:
    record(
        Action.CASE_VIEWED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={"view": view, **detail},
    )


# Finding and recording children -----------------------------------------------------


@login_required
@require_GET
def children(request: HttpRequest) -> HttpResponse:
    """Find a child by name or alias, date of birth or NHS number, among those visible."""
    searched = any(key in request.GET for key in SearchForm.FIELDS)
    form = SearchForm(request.GET if searched else None)
    page_obj = None
    if searched and form.is_valid():
        terms = form.terms
        page_obj = _page(request, selectors.search_children(request.user, **terms))
        # What was searched for is recorded (an access report must be able to say who
        # looked for a child), with how many were found and which were shown.
        born = terms["date_of_birth"]
        record(
            Action.SEARCH,
            request=request,
            target_type="child",
            detail={
                "name": terms["name"],
                "date_of_birth": born.isoformat() if born else "",
                "nhs_number": terms["nhs_number"],
                "results": page_obj.paginator.count,
                "page": page_obj.number,
                "children": [child.pk for child in page_obj],
            },
        )
    return render(request, "cases/children.html", {"form": form, "page_obj": page_obj})


def _confirmed_for(form: ChildForm, details: str) -> bool:
    """The "different child" box counts only for the details the warning was shown for."""
    if not form.cleaned_data.get("confirm_different"):
        return False
    try:
        checked = signing.loads(form.cleaned_data["checked_details"], salt=DUPLICATE_CHECK_SALT)
    except signing.BadSignature:
        return False
    return checked == details


@login_required
def child_new(request: HttpRequest) -> HttpResponse:
    """Record a child and open a case, after checking the child is not already recorded."""
    person = request.user
    form = ChildForm(_posted(request))
    warning = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        checked = form.details_key()
        duplicates = possible_duplicates(
            person,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            nhs_number=data["nhs_number"],
        )
        same_nhs = any(d.same_nhs_number for d in duplicates)
        if same_nhs:
            form.add_error("nhs_number", "A child with this NHS number is already recorded")
        if duplicates and (same_nhs or not _confirmed_for(form, checked)):
            warning = _duplicate_warning(request, checked, duplicates, refused=same_nhs)
        else:
            try:
                case = create_child_and_case(
                    request,
                    person,
                    child_fields=form.child_fields,
                    aliases=data["aliases"],
                    concern=data["concern"],
                )
            except IntegrityError:
                # Another person recorded the same NHS number a moment ago.
                if not data["nhs_number"]:
                    raise
                form.add_error("nhs_number", "A child with this NHS number is already recorded")
            else:
                messages.success(request, f"Case {case.reference} is open.")
                return redirect("case", case_id=case.pk)
    return render(
        request,
        "cases/child_new.html",
        {"form": form, "warning": warning, "confirm": _confirmation(form, warning)},
    )


def _confirmation(form: ChildForm, warning: dict | None) -> dict:
    """The "different child" box: offered after a warning, and kept through other errors."""
    if warning is not None:
        return {
            "show": not warning["refused"],
            "checked_details": warning["checked_details"],
            # A fresh warning is a fresh decision: the box starts clear.
            "checked": False,
        }
    previous = form["checked_details"].value() if form.is_bound else ""
    return {
        "show": bool(previous),
        "checked_details": previous,
        "checked": bool(form["confirm_different"].value()),
    }


def _duplicate_warning(request, details: str, duplicates, *, refused: bool) -> dict:
    """What the person is told about possible duplicates: only what they may see."""
    person = request.user
    visible_ids = [d.child.pk for d in duplicates if d.child is not None]
    # Their cases as this person may see them (a child may have cases they may not).
    visible = list(selectors.search_children(person).filter(pk__in=visible_ids))
    reasons = {d.child.pk: d.reason for d in duplicates if d.child is not None}
    for child in visible:
        child.duplicate_reason = reasons[child.pk]
    hidden = any(d.child is None for d in duplicates)
    record(
        Action.DUPLICATE_WARNED,
        request=request,
        target_type="child",
        detail={
            "visible": visible_ids,
            "not_visible": len(duplicates) - len(visible_ids),
            "refused": refused,
            "reasons": sorted({d.reason for d in duplicates}),
        },
    )
    return {
        "visible": visible,
        "hidden": hidden,
        "refused": refused,
        "checked_details": signing.dumps(details, salt=DUPLICATE_CHECK_SALT),
    }


# Cases and the chronology -------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases shared with the person's agency, and any they hold through emergency access."""
    person = request.user
    page_obj = _page(request, selectors.visible_cases(person))
    emergency = list(selectors.emergency_cases(person))
    record(
        Action.CASE_LISTED,
        request=request,
        target_type="case",
        detail={
            "list": "cases",
            "page": page_obj.number,
            "cases": [case.pk for case in page_obj],
            "emergency": [case.pk for case in emergency],
        },
    )
    return render(request, "cases/cases.html", {"page_obj": page_obj, "emergency": emergency})


def _filter_form(request: HttpRequest, case: Case) -> ChronologyFilterForm:
    """The chronology filters, offering the agencies whose entries the person can see."""
    person = request.user
    agencies = Agency.objects.filter(
        pk__in=selectors.chronology(case, person).values("agency_id")
    ).order_by("name")
    filtering = any(key != "page" for key in request.GET)
    form = ChronologyFilterForm(request.GET if filtering else None, agencies=agencies)
    form.is_valid()
    return form


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id)
    may_contribute = selectors.can(person, case, "contribute")
    may_manage = selectors.can(person, case, "manage")
    form = _filter_form(request, case)
    page_obj = _page(request, selectors.chronology(case, person, **form.filters))
    for entry in page_obj:
        entry.amendable = (
            may_contribute
            and entry.agency_id == person.agency_id
            and entry.category in Entry.RECORDABLE
            and not hasattr(entry, "superseded_by")
        )
    now = timezone.now()
    accesses = list(selectors.emergency_accesses(case))
    mine = [a for a in accesses if a.person_id == person.pk and a.expires_at > now]
    _viewed(request, case, "case", page=page_obj.number, filters=form.described)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "child": case.child,
            "aliases": list(case.child.aliases.all()),
            "latest_screening": selectors.latest_screening(case),
            "may_contribute": may_contribute,
            "may_manage": may_manage,
            "shares": list(selectors.agencies_with_access(case)) if may_manage else [],
            "emergency_accesses": accesses if may_manage else [],
            "my_emergency_access": mine[0] if mine else None,
            "now": now,
            "form": form,
            "filtered": form.is_bound,
            "page_obj": page_obj,
        },
    )


@login_required
@require_GET
def case_print(request: HttpRequest, case_id: int) -> HttpResponse:
    """The chronology for a strategy meeting: the same filters, every visible entry."""
    person = request.user
    case = selectors.case_for(person, case_id)
    form = _filter_form(request, case)
    entries = list(selectors.chronology(case, person, **form.filters)[: PRINT_LIMIT + 1])
    truncated = len(entries) > PRINT_LIMIT
    entries = entries[:PRINT_LIMIT]
    _viewed(request, case, "print", filters=form.described)
    record(
        Action.CHRONOLOGY_EXPORTED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={"format": "print", "filters": form.described, "entries": len(entries)},
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
        },
    )


CSV_HEADER = [
    "Entry", "When it happened", "Recorded at", "Agency", "Recorded by", "Category",
    "Restricted", "What happened", "Amends entry", "Amendment reason",
    "Superseded by entry",
]  # fmt: skip
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_rows(entries) -> Iterator[list[str]]:
    yield CSV_HEADER
    for entry in entries:
        superseded = getattr(entry, "superseded_by", None)
        yield [
            _cell(v)
            for v in (
                entry.pk,
                f"{timezone.localtime(entry.occurred_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(entry.recorded_at):%Y-%m-%d %H:%M}",
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
    case = selectors.case_for(person, case_id)
    form = _filter_form(request, case)
    entries = selectors.chronology(case, person, **form.filters).iterator(chunk_size=500)
    record(
        Action.CHRONOLOGY_EXPORTED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={"format": "csv", "filters": form.described},
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


# Changing a case ------------------------------------------------------------------------


@login_required
def entry_new(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="contribute")
    form = EntryForm(_posted(request), initial=EntryForm.initial_for())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        add_entry(
            request,
            person,
            case,
            category=data["category"],
            occurred_at=data["occurred_at"],
            text=data["text"],
            restricted=data["restricted"],
        )
        messages.success(request, "The entry is added to the chronology.")
        return redirect("case", case_id=case.pk)
    if request.method == "GET":
        _viewed(request, case, "entry_new")
    return render(request, "cases/entry_form.html", {"case": case, "form": form})


@login_required
def entry_amend(request: HttpRequest, case_id: int, entry_id: int) -> HttpResponse:
    """Correct an entry: a new entry supersedes it, and both stay on the chronology."""
    person = request.user
    case = selectors.case_for(person, case_id, need="contribute")
    original = selectors.entry_for(person, case, entry_id)
    form = AmendEntryForm(_posted(request), initial=EntryForm.initial_for(original))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amend_entry(
                request,
                person,
                original,
                text=data["text"],
                occurred_at=data["occurred_at"],
                category=data["category"],
                reason=data["reason"],
            )
        except AmendmentRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "The entry is amended. The original stays on the record.")
            return redirect("case", case_id=case.pk)
    if request.method == "GET":
        _viewed(request, case, "entry_amend", entry=original.pk)
    return render(
        request,
        "cases/entry_form.html",
        {"case": case, "form": form, "original": original},
    )


@login_required
def screening_new(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="contribute")
    form = ScreeningForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        screening = record_screening(
            request,
            person,
            case,
            indicators=form.cleaned_data["indicators"],
            notes=form.cleaned_data["notes"],
        )
        messages.success(
            request,
            f"Screening recorded: {screening.get_risk_level_display().lower()} risk of CSE.",
        )
        return redirect("case", case_id=case.pk)
    history = _page(request, selectors.screenings(case))
    if request.method == "GET":
        _viewed(request, case, "screenings", page=history.number)
    return render(
        request,
        "cases/screening_form.html",
        {
            "case": case,
            "form": form,
            "page_obj": history,
            "indicator_choices": Screening.Indicator.choices,
        },
    )


@login_required
def case_share(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="manage")
    form = ShareForm(_posted(request), agencies=agencies_to_share_with(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        share = share_case(
            request,
            case,
            person,
            data["agency"],
            data["level"],
            data["lawful_basis"],
            data["purpose"],
        )
        messages.success(request, f"The case is shared with {share.agency.name}.")
        return redirect("case", case_id=case.pk)
    if request.method == "GET":
        _viewed(request, case, "share")
    return render(request, "cases/share_form.html", {"case": case, "form": form})


@login_required
@require_POST
def share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    person = request.user
    share = Share.objects.select_related("agency").filter(pk=share_id).first()
    if share is None:
        raise Http404("No such share")
    case = selectors.case_for(person, share.case_id, need="manage")
    if share.agency_id == case.lead_agency_id:
        # The lead agency must keep its own case; a new lead would be a handover.
        messages.error(request, "The lead agency’s access to its case cannot be revoked.")
    elif share.revoked_at is None:
        revoke_share(request, share, person)
        messages.success(request, f"{share.agency.name} no longer has this access.")
    if not selectors.can(person, case, "view"):
        return redirect("cases")
    return redirect(_back(request, reverse("case", args=[case.pk])))


@login_required
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="manage")
    if case.status == Case.Status.CLOSED:
        messages.info(request, f"Case {case.reference} is already closed.")
        return redirect("case", case_id=case.pk)
    form = CloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        close_case(request, person, case, form.cleaned_data["reason"])
        messages.success(request, f"Case {case.reference} is closed.")
        return redirect("case", case_id=case.pk)
    if request.method == "GET":
        _viewed(request, case, "close")
    return render(request, "cases/close_form.html", {"case": case, "form": form})


# Shares received and emergency access -------------------------------------------------


@login_required
@require_GET
def shares(request: HttpRequest) -> HttpResponse:
    """Shares to the person's agency, unacknowledged first."""
    person = request.user
    # Unacknowledged first: PostgreSQL sorts NULLs last in ascending order, so the service's
    # plain order_by("acknowledged_at") puts them last; say it here until it does.
    inbox = shares_received(person.agency).order_by(
        F("acknowledged_at").asc(nulls_first=True), "-shared_at", "-id"
    )
    page_obj = _page(request, inbox)
    record(
        Action.CASE_LISTED,
        request=request,
        target_type="case",
        detail={
            "list": "shares_received",
            "page": page_obj.number,
            "cases": [share.case_id for share in page_obj],
        },
    )
    return render(request, "cases/shares.html", {"page_obj": page_obj})


@login_required
@require_POST
def share_acknowledge(request: HttpRequest, share_id: int) -> HttpResponse:
    person = request.user
    share = shares_received(person.agency).filter(pk=share_id).first()
    if share is None:
        raise Http404("No such share")
    if share.acknowledged_at is None:
        acknowledge_share(request, share, person)
        messages.success(
            request,
            f"You acknowledged {share.case.reference}. This is recorded on its chronology.",
        )
    return redirect(_back(request, reverse("shares")))


@login_required
def emergency_access(request: HttpRequest) -> HttpResponse:
    """Break-glass: open a case not shared with your agency, with a reason, for a while."""
    person = request.user
    form = EmergencyAccessForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        case = Case.objects.filter(reference=form.cleaned_data["reference"]).first()
        if case is None:
            form.add_error("reference", "No case has that reference")
        elif selectors.can(person, case, "view"):
            return redirect("case", case_id=case.pk)
        else:
            access = grant_emergency_access(request, case, person, form.cleaned_data["reason"])
            until = timezone.localtime(access.expires_at)
            messages.info(
                request,
                f"You have emergency access to {case.reference} until {until:%H:%M on %d %b %Y}."
                " It is shown to the agency that manages the case.",
            )
            return redirect("case", case_id=case.pk)
    return render(
        request,
        "cases/emergency_access.html",
        {"form": form, "hours": settings.EMERGENCY_ACCESS_HOURS},
    )

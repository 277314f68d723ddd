"""Adding and amending chronology entries, and recording CSE screenings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases import selectors
from cases.forms import (
    AmendEntryForm,
    EntryForm,
    ScreeningForm,
)
from cases.models import Screening
from cases.pages import page, posted, viewed
from cases.services import AmendmentRefused, add_entry, amend_entry, record_screening


@login_required
def entry_new(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="contribute", audit_refusal=True)
    form = EntryForm(posted(request), initial=EntryForm.initial_for())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        add_entry(
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
        viewed(request, case, "entry_new")
    return render(request, "cases/entry_form.html", {"case": case, "form": form})


@login_required
def entry_amend(request: HttpRequest, case_id: int, entry_id: int) -> HttpResponse:
    """Correct an entry: a new entry supersedes it, and both stay on the chronology."""
    person = request.user
    case = selectors.case_for(person, case_id, need="contribute", audit_refusal=True)
    original = selectors.entry_for(person, case, entry_id)
    form = AmendEntryForm(posted(request), initial=EntryForm.initial_for(original))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amend_entry(
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
        viewed(request, case, "entry_amend", entry=original.pk)
    return render(
        request,
        "cases/entry_form.html",
        {"case": case, "form": form, "original": original},
    )


@login_required
def screening_new(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_for(person, case_id, need="contribute", audit_refusal=True)
    form = ScreeningForm(posted(request))
    if request.method == "POST" and form.is_valid():
        screening = record_screening(
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
    history = page(request, selectors.screenings(case))
    if request.method == "GET":
        viewed(request, case, "screenings", page=history.number)
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

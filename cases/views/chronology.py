"""Adding and amending chronology entries."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from cases import selectors
from cases.forms import (
    AmendEntryForm,
    EntryForm,
)
from cases.pages import contributing, done, form_page, posted
from cases.roles import Act
from cases.services import AmendmentRefused, add_entry, amend_entry


@login_required
def entry_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = contributing(request, case_id, Act.ADD_ENTRY)
    form = EntryForm(
        posted(request), initial=EntryForm.initial_for(), born=case.child.date_of_birth
    )
    if request.method == "POST" and form.is_valid() and form.language_ok():
        data = form.cleaned_data
        add_entry(
            request.user,
            case,
            category=data["category"],
            occurred_at=data["occurred_at"],
            text=data["text"],
            restricted=data["restricted"],
        )
        return done(request, case, "The entry is added to the chronology.")
    return form_page(request, case, "entry_new", "cases/entry_form.html", form)


@login_required
def entry_amend(request: HttpRequest, case_id: int, entry_id: int) -> HttpResponse:
    """Correct an entry: a new entry supersedes it, and both stay on the chronology."""
    person = request.user
    case = contributing(request, case_id, Act.ADD_ENTRY)
    original = selectors.entry_for(person, case, entry_id)
    form = AmendEntryForm(
        posted(request), initial=EntryForm.initial_for(original), born=case.child.date_of_birth
    )
    if request.method == "POST" and form.is_valid() and form.language_ok():
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
            return done(request, case, "The entry is amended. The original stays on the record.")
    return form_page(
        request, case, "entry_amend", "cases/entry_form.html", form,
        {"original": original}, entry=original.pk,
    )  # fmt: skip

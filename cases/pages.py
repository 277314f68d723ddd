"""What the case pages share: paging, form data, safe return addresses, read audits, and
the frame of a case's form pages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from audit.actions import Action
from audit.services import record
from cases import selectors
from cases.models import Case
from people.views import safe_next
from safeguarding.paging import paginate

PER_PAGE = 25
# A printed chronology is for a meeting; past this it is a download, not a document.
PRINT_LIMIT = 2000
DUPLICATE_CHECK_SALT = "cases.duplicate-check"


def page(request: HttpRequest, rows, per_page: int = PER_PAGE, count: int | None = None) -> Page:
    return paginate(request, rows, per_page, count)


def posted(request: HttpRequest):
    """The submitted form data on a POST (even if empty: a form of unticked boxes), else None."""
    return request.POST if request.method == "POST" else None


def back(request: HttpRequest, default: str) -> str:
    return safe_next(request, default)


def listed(request: HttpRequest, name: str, page_obj: Page, cases: list[int], **detail) -> None:
    """A page of a list of cases was read: which list, which page, which cases were on it."""
    record(
        Action.CASE_LISTED,
        request=request,
        target_type="case",
        detail={"list": name, "page": page_obj.number, "cases": cases, **detail},
    )


def viewed(request: HttpRequest, case: Case, view: str, **detail) -> None:
    record(
        Action.CASE_VIEWED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={"view": view, **selectors.access_basis(request.user, case), **detail},
    )


def section_context(person, case: Case, section: str) -> dict:
    """What the top of each of a case's section pages needs (cases/includes/case_header
    .html): the case, its child, which tab is current, and whether the person's agency
    manages the case (the "Access and activity" tab is theirs alone)."""
    return {
        "case": case,
        "child": case.child,
        "section": section,
        "may_manage": selectors.can(person, case, "manage"),
    }


def contributing(request: HttpRequest, case_id: int, act: str) -> Case:
    """The case for a page that does `act` with it: 403 if the person's role may never do
    it, 404 (and a recorded refusal) if their agency may not do it with this case."""
    return selectors.case_to(request.user, case_id, act)


def errors_on(form, error: ValidationError) -> None:
    """A service's refusal shown on the form that asked: each message against its field,
    or above the form when it names none the form has."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, said in error.message_dict.items():
        form.add_error(field if field in form.fields else None, said)


def done(request: HttpRequest, case: Case, message: str, to: str = "case") -> HttpResponse:
    """After a change from a case's form: say what was done, back on the case page (or
    the case's section `to` that shows what changed)."""
    messages.success(request, message)
    return redirect(to, case_id=case.pk)


def form_page(
    request: HttpRequest, case: Case, view: str, template: str, form, context=(), **detail
) -> HttpResponse:
    """A case's form, shown on GET (a read of the case, so audited as `view` with `detail`)
    or shown again with its errors after a POST."""
    if request.method == "GET":
        viewed(request, case, view, **detail)
    return render(request, template, {"case": case, "form": form, **dict(context)})

"""What the case pages share: paging, form data, safe return addresses, read audits."""

from django.core.paginator import Page
from django.http import HttpRequest

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


def viewed(request: HttpRequest, case: Case, view: str, **detail) -> None:
    record(
        Action.CASE_VIEWED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={"view": view, **selectors.access_basis(request.user, case), **detail},
    )

"""Paging for every list page: one shape, so the pagination partial works everywhere."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, rows, per_page: int = 25, count: int | None = None) -> Page:
    """One page of rows. `count`, if given, is the number of rows, known more cheaply than
    by counting `rows` (a list of every case an agency sees, say)."""
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # a cached property: the given number is used instead
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # fetched once, here
    # Page numbers to link, with gaps (None) where a long run is left out.
    page.page_links = [
        None if number == Paginator.ELLIPSIS else number
        for number in page.paginator.get_elided_page_range(page.number, on_ends=1)
    ]
    return page

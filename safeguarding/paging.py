"""Paging for every list page: one shape, so the pagination partial works everywhere;
and for every API list, one cursor paging and one page shape (cases, lookups)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

# What an API list answers (400) to a cursor it did not give.
BAD_CURSOR = "This is not a cursor this list gave. Start again from the first page."


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


class CursorPage(CursorPagination):
    """`page_size` a page in a fixed order; the cursor carries a position, never a name."""

    def __init__(self, *ordering: str, page_size: int = 25) -> None:
        self.ordering = ordering
        self.page_size = page_size

    def paginate_queryset(self, queryset, request, view=None):
        """A cursor that is not one of ours is a mistake in the request (400, issue 23), not
        a missing page: malformed, or well-formed with a position that does not fit."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except (NotFound, TypeError, ValueError, OverflowError, DjangoValidationError):
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None


def page_of(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The shape of one page of a cursor-paged list of `serializer_class` (the schema's)."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return type(
        f"{name}Page",
        (serializers.Serializer,),
        {
            "__module__": serializer_class.__module__,
            "next": serializers.URLField(allow_null=True, help_text="The next page, if any."),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )

"""`{% pagination page_obj %}`: GOV.UK pagination for a page made by
safeguarding.paging.paginate, written in one pass.

Every list has it, and as a template it cost a `{% querystring %}` and a handful of `if`
nodes a link, about as much as a short list's rows (issue 18). Links keep the page's
other query parameters (search terms, filters) through Django's own `querystring` tag,
escaped as the template escaped it. templates/includes/pagination.html calls this, so a
list includes that as before.
"""

from html import escape

from django import template
from django.core.paginator import Page
from django.template.defaulttags import querystring
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

PREV_ICON = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--prev" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.7266 6.7266 '
    "6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"
    '"></path></svg>'
)
NEXT_ICON = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--next" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.4136 1.414 '
    "4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"
    '"></path></svg>'
)

CURRENT_ITEM = " govuk-pagination__item--current"
CURRENT_ARIA = ' aria-current="page"'


@register.simple_tag(takes_context=True)
def pagination(context: template.Context, page: Page) -> SafeString | str:
    if not page.has_other_pages():
        return ""

    def href(number: int) -> str:
        return escape(querystring(context, page=number))

    # The whitespace between elements is the template's: the items are inline blocks.
    html = ['\n<nav class="govuk-pagination" aria-label="Pagination">']
    if page.has_previous():
        html.append(
            '\n<div class="govuk-pagination__prev">'
            f'\n<a class="govuk-link govuk-pagination__link" '
            f'href="{href(page.previous_page_number())}" rel="prev">\n{PREV_ICON}'
            '\n<span class="govuk-pagination__link-title">Previous'
            '<span class="govuk-visually-hidden"> page</span></span>\n</a>\n</div>'
        )
    html.append('\n<ul class="govuk-pagination__list">')
    for number in page.page_links:
        if not number:
            html.append('\n<li class="govuk-pagination__item govuk-pagination__item--ellipses">'
                        "&ctdot;</li>")  # fmt: skip
            continue
        current = number == page.number
        item, aria = (CURRENT_ITEM, CURRENT_ARIA) if current else ("", "")
        html.append(
            f'\n<li class="govuk-pagination__item{item}">'
            f'\n<a class="govuk-link govuk-pagination__link" href="{href(number)}" '
            f'aria-label="Page {number}"{aria}>{number}</a>\n</li>'
        )
    html.append("\n</ul>")
    if page.has_next():
        html.append(
            '\n<div class="govuk-pagination__next">'
            f'\n<a class="govuk-link govuk-pagination__link" '
            f'href="{href(page.next_page_number())}" rel="next">'
            '\n<span class="govuk-pagination__link-title">Next'
            f'<span class="govuk-visually-hidden"> page</span></span>\n{NEXT_ICON}\n</a>\n</div>'
        )
    html.append("\n</nav>\n")
    return mark_safe("".join(html))  # noqa: S308 - page numbers and escaped links only

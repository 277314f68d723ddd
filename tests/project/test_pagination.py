"""`{% pagination page_obj %}` (the pagination include) links each page keeping the page's
other query parameters, escaped, marks the current page in words for screen readers, and
leaves out what there is nowhere to go to."""

import re

from django.template import RequestContext, Template
from django.test import RequestFactory

from safeguarding.paging import paginate


def _render(query: str) -> str:
    request = RequestFactory().get(f"/list/?{query}")
    page = paginate(request, list(range(1000)), per_page=25)
    template = Template('{% include "includes/pagination.html" %}')
    return template.render(RequestContext(request, {"page_obj": page}))


def test_links_keep_the_other_parameters_escaped_and_say_the_current_page():
    html = _render("name=O%27Brien+%26+%3Cb%3E&page=20")
    assert "<b>" not in html
    assert 'href="?name=O%27Brien+%26+%3Cb%3E&amp;page=19" rel="prev"' in html
    assert 'href="?name=O%27Brien+%26+%3Cb%3E&amp;page=21" rel="next"' in html
    current = re.findall(
        r'<li class="govuk-pagination__item govuk-pagination__item--current">'
        r'\s*<a [^>]*aria-label="Page (\d+)" aria-current="page">',
        html,
    )
    assert current == ["20"]
    labels = re.findall(r'aria-label="Page (\d+)"', html)
    assert labels == ["1", "17", "18", "19", "20", "21", "22", "23", "40"]
    assert html.count("govuk-pagination__item--ellipses") == 2


def test_the_first_and_last_pages_offer_no_way_past_the_ends():
    first, last = _render(""), _render("page=40")
    assert 'rel="prev"' not in first and 'rel="next"' in first and 'href="?page=2"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_one_page_has_no_pagination():
    request = RequestFactory().get("/list/")
    page = paginate(request, list(range(25)), per_page=25)
    html = Template('{% include "includes/pagination.html" %}').render(
        RequestContext(request, {"page_obj": page})
    )
    assert html.strip() == ""

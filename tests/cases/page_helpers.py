"""What the case pages' tests share (tests/cases/test_pages_*.py, tests/sharing/test_pages.py):
a valid NHS number, and a page's HTML or its text as a person reads it."""

import re
from html import unescape

NHS_NUMBER = "9434765919"  # a valid check digit (the NHS's own example)


OTHER_NHS_NUMBER = "4010232137"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(response) -> str:
    """The page's text with tags removed and spaces collapsed, for reading like a person."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html(response))))


def run_search(client, path: str, terms: dict, page: int | None = None):
    """A child search as the browser makes it: the form posted, then its results page
    (`?search=<id>`, terms held on the server), or the form again with its errors."""
    posted = client.post(path, terms)
    if posted.status_code != 303:
        return posted
    location = posted["Location"]
    assert "?search=" in location and "name" not in location, location
    return client.get(f"{location}&page={page}" if page else location)

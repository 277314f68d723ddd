"""Reflow (WCAG 2.2 1.4.10): at 320 CSS px no page the demo people reach scrolls sideways.

Each demo person signs in through the real forms and follows the links from the home page
and the service navigation, then the links on the pages those lead to, and so on to a few
levels (one page of each address shape, so a long list costs no more than a short one), as
scripts/screenshots.py does. Every page reached is measured at 320 px wide; the failure
lists each offender with what sticks out. Nothing names the pages: a new page linked from
anywhere a person can go is checked as soon as it exists.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from people.demo import PEOPLE
from safeguarding.demo import build_cases
from tests.browser.conftest import sideways_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 800}
# Links followed from home: home (0) -> cases (1) -> a case (2) -> its forms (3).
DEPTH = 3
# Not pages of the service: files, the API and its browsable docs, signing out.
SKIP = re.compile(r"(\.csv$|^/api/|^/sign-out/|^/healthz$|^/static/)")


def shape(url: str) -> str:
    """One address per shape: /cases/12/ and /cases/40/ are the same page; a query (search
    results, a filtered list, a second page) makes a second shape of the same page."""
    parts = urlsplit(url)
    return re.sub(r"/\d+(?=/|$)", "/N", parts.path) + ("?" if parts.query else "")


# Where the page leads: its links, and its search and filter forms (method GET, so safe to
# send) submitted as they stand.
LEADS = """() => [
    ...Array.from(document.querySelectorAll("a[href]"), (a) => a.href),
    ...Array.from(document.querySelectorAll("main form"))
        .filter((form) => (form.getAttribute("method") || "get").toLowerCase() === "get")
        .map((form) => {
            // getAttribute: a field named "action" would shadow form.action.
            const url = new URL(form.getAttribute("action") || "", location.href);
            url.search = new URLSearchParams(new FormData(form)).toString();
            return url.href;
        }),
]"""


def links(page: Page, base: str) -> list[str]:
    """Same-site paths (with their query) the page leads to, in document order."""
    hrefs = page.evaluate(LEADS)
    host = urlsplit(base).netloc
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc == host and not SKIP.search(parts.path):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(page: Page, base: str) -> dict[str, str]:
    """Every page reachable from home, one of each shape: {path: what scrolls sideways}."""
    seen: set[str] = set()
    wide: dict[str, str] = {}
    level = ["/"]
    for depth in range(DEPTH + 1):
        following: list[str] = []
        for url in level:
            key = shape(url)
            if key in seen:
                continue
            seen.add(key)
            answer = page.goto(url)
            if answer is None or "text/html" not in answer.headers.get("content-type", ""):
                continue
            page.wait_for_load_state()
            # What a person can reveal counts too: the chronology's filters, an attempt's log.
            page.evaluate("document.querySelectorAll('details').forEach((d) => d.open = true)")
            overflow = sideways_scroll(page)
            if overflow:
                wide[url] = overflow
            if depth < DEPTH:
                following.extend(links(page, base))
        level = following
    assert len(seen) > 5, f"the crawl reached too little: {sorted(seen)}"
    return wide


@pytest.mark.parametrize("username", [p.username for p in PEOPLE])
def test_no_page_a_demo_person_reaches_scrolls_sideways_at_320px(
    page: Page, live_server, partnership, username
):
    build_cases(partnership)
    page.set_viewport_size(NARROW)
    sign_in_as(page, username)
    page.wait_for_url(f"{live_server.url}/")
    wide = crawl(page, live_server.url)
    assert not wide, f"{len(wide)} pages scroll sideways at 320 px for {username}:\n" + "\n".join(
        f"  {url}: {why}" for url, why in sorted(wide.items())
    )

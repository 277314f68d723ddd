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
from tests.browser.conftest import axe_violations, describe, sideways_scroll, sign_in_as
from triage.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 800}
# Links followed from home: home (0) -> cases (1) -> a case (2) -> its forms (3).
DEPTH = 3
# Django template syntax that reached the page as text.
TEMPLATE_TEXT = re.compile(r"\{[#%].{0,60}|.{0,60}[#%]\}")
# Not pages of the service: files, the API and its browsable docs, signing out.
SKIP = re.compile(r"(\.csv$|\.pdf$|^/api/|^/sign-out/|^/healthz$|^/static/)")


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
    """Every page reachable from home, one of each shape: {path: what is wrong with it}."""
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
            # A template comment over two lines ({# … #} is one line only) shows as text.
            if leak := TEMPLATE_TEXT.search(page.inner_text("body")):
                wide[url] = f"template syntax shown as text: {leak.group()!r}"
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
    assert not wide, f"{len(wide)} pages do not fit 320 px for {username}:\n" + "\n".join(
        f"  {url}: {why}" for url, why in sorted(wide.items())
    )


# --- the "must hold": these pages at a phone's, a tablet's and a desktop's width ---

WIDTHS = (320, 768, 1280)

# Buttons, links and fields in the page's content that lie outside the window's width, or
# are cut off by a box that hides what overflows: the actions a person could not reach.
_OUT_OF_REACH = """() => {
    const width = window.innerWidth;
    const clipper = (e) => { for (e = e.parentElement; e && e !== document.body;
            e = e.parentElement) {
        const x = getComputedStyle(e).overflowX;
        if (x === "hidden" || x === "clip") return e.getBoundingClientRect(); }
        return null; };
    return [...document.querySelectorAll("main a[href], main button, main select, main input")]
        .filter((e) => e.offsetParent !== null && e.type !== "hidden")
        .filter((e) => { const r = e.getBoundingClientRect(), box = clipper(e);
            return r.left < 0 || r.right > width + 1 || (box !== null &&
                (r.left < box.left - 1 || r.right > box.right + 1)); })
        .map((e) => (e.textContent || e.name || e.tagName).trim().replace(/\\s+/g, " "))
        .slice(0, 5);
}"""


def reflow_problems(page: Page, label: str, widths: tuple[int, ...] = WIDTHS) -> list[str]:
    """At each width: anything scrolling sideways, any action out of reach, axe's findings
    (WCAG 2.2 AA and the best-practice "region": all content inside landmarks)."""
    problems = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(50)
        if overflow := sideways_scroll(page):
            problems.append(f"{label} at {width} px scrolls sideways: {overflow}")
        if unreachable := page.evaluate(_OUT_OF_REACH):
            problems.append(f"{label} at {width} px has actions out of reach: {unreachable}")
        if violations := axe_violations(page, best_practice=("region",)):
            problems.append(f"{label} at {width} px: axe: {describe(violations)}")
    return problems


@pytest.fixture
def demo(partnership):
    """The demo partnership's cases and MASH morning, as `manage.py load_demo` makes them."""
    return build_cases(partnership)


def test_the_inbox_reflows_and_passes_axe_at_every_width(page: Page, demo):
    problems = []
    for username in ("police.officer", "health.nurse"):
        sign_in_as(page, username)
        page.goto("/inbox/")
        rows = page.locator("main tbody tr")
        assert rows.count() > 1, f"{username}'s demo inbox is nearly empty"
        problems += reflow_problems(page, f"{username}'s inbox")
        # The first row's button is on the phone's screen, with its column's name beside it.
        page.set_viewport_size({"width": 320, "height": 800})
        button = page.get_by_role("button", name=re.compile("^Acknowledge")).first
        expect_visible_within(page, button)
        page.context.clear_cookies()
    assert not problems, "\n".join(problems)


def test_the_triage_screen_reflows_and_passes_axe_at_every_width(page: Page, demo):
    sign_in_as(page, "mash.manager")
    page.goto("/triage/")
    assert page.locator("#triage-results tbody tr").count() > 3
    problems = reflow_problems(page, "the triage screen")
    page.set_viewport_size({"width": 320, "height": 800})
    # Assigning is reachable on a phone: each row's checkbox, the page's one control.
    first = page.locator("#triage-results tbody tr").first
    expect_visible_within(page, first.get_by_role("checkbox"))
    expect_visible_within(page, page.get_by_label("Assign the selected contacts to"))
    expect_visible_within(page, page.get_by_role("button", name="Assign selected"))
    # The filters too, and the lists beside the queue.
    expect_visible_within(page, page.get_by_role("button", name="Apply filters"))
    expect_visible_within(page, page.locator("#triage-side a").first)
    page.get_by_label("RAG rating").select_option("red")
    page.wait_for_url(re.compile(r"rag=red"))
    problems += reflow_problems(page, "the triage screen filtered by htmx")
    assert not problems, "\n".join(problems)


def test_the_contact_page_reflows_and_passes_axe_at_every_width(page: Page, demo):
    # The red contact: rated, two partner checks asked, one answered.
    contact = Contact.objects.get(child__first_name="Ellis")
    sign_in_as(page, "mash.manager")
    page.goto(f"/contacts/{contact.pk}/")
    problems = reflow_problems(page, "the contact page")
    # Its referrer sees it too, without the MASH's forms.
    page.context.clear_cookies()
    sign_in_as(page, "health.nurse")
    page.goto(f"/contacts/{contact.pk}/")
    problems += reflow_problems(page, "the referrer's contact page")
    assert not problems, "\n".join(problems)


def test_the_access_reports_reflow_and_pass_axe_at_every_width(page: Page, demo):
    sign_in_as(page, "ig.officer")
    page.goto("/access-reports/")
    problems = reflow_problems(page, "the access reports")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/access-reports/events/"))
    assert page.locator("main tbody tr").count() > 3, "the demo's events are missing"
    problems += reflow_problems(page, "the access events")
    page.goto("/access-reports/emergency-access/")
    problems += reflow_problems(page, "the emergency access reviews")
    page.goto(f"/cases/{demo[0].pk}/access-history/")
    problems += reflow_problems(page, "a case's access history")
    assert not problems, "\n".join(problems)


def expect_visible_within(page: Page, locator) -> None:
    """The element is shown and lies wholly inside the window's width."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None and locator.is_visible(), f"{locator} is not shown"
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
        f"{locator} lies outside the {width} px window: {box}"
    )


def test_long_unbroken_words_wrap_rather_than_push_the_page_sideways(
    page: Page, make_contact, people
):
    """Names, references, addresses and pasted links can be one long word: at 320 px (the
    width 1.4.10 names) it breaks. On wider screens a table keeps its columns, and a word
    longer than a column may still widen it: breaking anywhere there squeezes ordinary
    columns to a letter or two."""
    word = "Wolfeschlegelsteinhausenbergerdorff"
    people["health.nurse"].email = f"{word.lower()}.safeguarding.team@{word.lower()}.example"
    people["health.nurse"].save()
    contact = make_contact(
        first_name=word,
        last_name=f"{word}-{word}",
        concern=f"Sent https://example.org/{word}/{word}/{word}?ref={word} to the child.",
        rag="red",
    )
    problems = []
    sign_in_as(page, "mash.manager")
    for url in ("/triage/", f"/contacts/{contact.pk}/"):
        page.goto(url)
        problems += reflow_problems(page, url, widths=(320,))
    page.context.clear_cookies()
    sign_in_as(page, "health.nurse")
    for url in ("/contacts/", f"/contacts/{contact.pk}/"):
        page.goto(url)
        problems += reflow_problems(page, url, widths=(320,))
    assert not problems, "\n".join(problems)

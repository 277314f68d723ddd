"""Browser tests: Playwright driving Debian's headless Chromium against a live server.

Playwright's own browser download cannot work here, so it is pointed at /usr/bin/chromium
(from Debian's `chromium` package, which `.ci/run` installs). No test is skipped for want
of it: a missing browser fails loudly.
"""

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import PASSWORD, current_code

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The flags a closed network needs: no background calls home, no component updates.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request) -> Page:
    """A fresh browser context; fails the test on any console error or CSP violation."""
    context = browser.new_context(base_url=live_server.url)
    # Report every Content-Security-Policy violation as a console error (caught below).
    context.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) =>
            console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));"""
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            # A failed load is reported with its address by the response handler below.
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def sign_in_as(
    page: Page, username: str, password: str = PASSWORD, *, second_factor: bool = True
) -> None:
    """Sign in through the real forms: password, then the authenticator's current code."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if second_factor and password == PASSWORD:
        from people.models import Person

        page.get_by_label("Code from your authenticator app").fill(
            current_code(Person.objects.get(username=username))
        )
        page.get_by_role("button", name="Continue").click()


def axe_violations(page: Page, best_practice: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core in the page (evaluated, not injected as a <script>, so CSP holds).

    WCAG 2.2 A and AA rules, plus the named best-practice rules (such as "region": all
    content inside landmarks), which axe leaves out of the WCAG tags.
    """
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async (extra) => {
            const rules = Object.fromEntries(extra.map((id) => [id, {enabled: true}]));
            const r = await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}, rules});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
        }""",
        list(best_practice),
    )
    return result


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2)


# The first elements that stick out past the window's right edge (outside any element
# that scrolls by itself), named by tag and classes, so a failure says what to fix.
_SIDEWAYS = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return "";
    const scrolls = (e) => { for (; e && e !== document.body; e = e.parentElement) {
        const x = getComputedStyle(e).overflowX;
        if (x === "auto" || x === "scroll" || x === "hidden") return true; } return false; };
    const out = [...document.body.querySelectorAll("*")].filter((e) =>
        e.getBoundingClientRect().right > width + 1 && !scrolls(e.parentElement));
    const name = (e) => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
        ? "." + e.className.trim().split(/\\s+/).join(".") : "");
    const wide = document.documentElement.scrollWidth;
    return `${wide} px wide: ` + out.slice(0, 4).map(name).join(", ");
}"""


def sideways_scroll(page: Page) -> str:
    """What makes the page scroll sideways at its current width; "" if it fits (1.4.10)."""
    return page.evaluate(_SIDEWAYS)

"""Full-page screenshots of every demo person's pages at 320, 390 and 1280 px: `make screenshots`.

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python scripts/screenshots.py

It builds a database of its own beside the configured one (DATABASE_URL's name, with
`exec`'s throwaway `_run<pid>` suffix dropped, plus `_screenshots`), dropped and made
again each run: migrate, then `load_demo`. It serves the app from it with `runserver`
(DEBUG on, like `make run`), and a second server with DEBUG off for the 404 page (with
DEBUG on Django shows its own technical page instead). Debian's headless Chromium, driven
by Playwright, signs in as each demo person through the real forms (password, then the
code from `manage.py demo_otp_code`) and visits the pages that person can reach, found by
following links from the home page and the service navigation: nothing is hard-coded but
the patterns of the addresses. Each page is saved as
`test-artifacts/screenshots/<username>/<page>-<width>.png`; also the sign-in pages
(`signed-out/`), one form shown with errors and a 404 page.

One line per screenshot, then a summary. Exit status 1 if any page answered 500 or the
browser reported a console error, a page error or a failed request.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-artifacts" / "screenshots"
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As in tests/browser/conftest.py: what a closed network needs.
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
WIDTHS = (320, 390, 1280)
HEIGHT = 800
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/safeguarding"
PASSWORD = os.environ.get("DEMO_PASSWORD") or "demo-password"
# people.demo.PEOPLE, in the same order (not imported: this script stays outside Django).
PEOPLE = [
    "social.worker",
    "mash.manager",
    "team.manager",
    "ig.officer",
    "admin.ncc",
    "police.officer",
    "police.mash",
    "suffolk.officer",
    "health.nurse",
]


# --- the pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A page: the first link on `source` whose path matches `pattern` (or the path itself).

    `action`, if any, runs after the page has loaded (a filter, an empty submission).
    `once`: taken for the first person who can reach it only.
    """

    name: str
    source: str | None
    pattern: str
    action: Callable[[Page], None] | None = None
    once: bool = False


def apply_first_category(page: Page) -> None:
    """Open the chronology's filters and filter by the first category offered."""
    page.get_by_text("Filter the chronology").click()
    select = page.locator("select[name=category]")
    select.select_option(index=1)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()


def submit_empty(page: Page) -> None:
    """Submit the main form as it stands, to see its errors."""
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def choose_vehicle(page: Page) -> None:
    """Choose a vehicle and continue to its form (issue 20)."""
    page.locator("main input[value=vehicle]").check()
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def type_prompted(page: Page) -> None:
    """Type words the language prompts point out, and wait for the prompt (issue 21)."""
    page.locator("main textarea[name=text]").fill("Keeps putting herself at risk.")
    page.wait_for_timeout(700)


def search_children(page: Page) -> None:
    """Search for a demo child's surname."""
    page.locator("main input[name=name]").fill("Thornton")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


SPECS = [
    Spec("home", None, "/"),
    Spec("child-search", "home", r"^/children/$"),
    Spec("child-search-results", "home", r"^/children/$", search_children),
    Spec("cases", "home", r"^/cases/$"),
    Spec("case", "cases", r"^/cases/\d+/$"),
    Spec("case-filtered", "cases", r"^/cases/\d+/$", apply_first_category),
    # The case's tabs (issue 17), and Aimee's case (placed, back from missing) as found.
    Spec("case-missing", "case", r"^/cases/\d+/missing/$"),
    Spec("case-details", "case", r"^/cases/\d+/details/$"),
    Spec("case-access", "case", r"^/cases/\d+/access/$"),
    Spec("case-aimee", "child-search-results", r"^/cases/\d+/$"),
    Spec("entry-new", "case", r"^/cases/\d+/entries/new/$"),
    Spec("entry-new-errors", "case", r"^/cases/\d+/entries/new/$", submit_empty, once=True),
    Spec("entry-new-prompted", "case", r"^/cases/\d+/entries/new/$", type_prompted, once=True),
    # Exploitation risk (issue 21): the tab, Aimee's (assessed high), the forms, the
    # scored screenings kept as history.
    Spec("assessments", "case", r"^/cases/\d+/assessments/$"),
    Spec("assessments-aimee", "case-aimee", r"^/cases/\d+/assessments/$"),
    Spec("assessment-new", "assessments", r"^/cases/\d+/assessments/new/$"),
    Spec(
        "assessment-new-errors",
        "assessments",
        r"^/cases/\d+/assessments/new/$",
        submit_empty,
        once=True,
    ),
    Spec("assessment-contribute", "case", r"^/cases/\d+/assessments/contribute/$"),
    Spec("screenings", "assessments", r"^/cases/\d+/screening/$"),
    # Things of concern linked to the case (issue 20): Aimee's, the kind chooser, a vehicle.
    Spec("case-links-aimee", "case-aimee", r"^/cases/\d+/links/$"),
    Spec("link-new", "case-links-aimee", r"^/cases/\d+/links/new/$"),
    Spec("link-new-vehicle", "case-links-aimee", r"^/cases/\d+/links/new/$", choose_vehicle),
    Spec("link-match", "inbox", r"^/links/matches/\d+/$"),
    Spec("meetings", "home", r"^/meetings/$"),
    Spec("meeting", "meetings", r"^/meetings/\d+/$"),
    Spec("meeting-new", "meetings", r"^/meetings/new/$"),
    Spec("meeting-pack", "meeting", r"^/meetings/\d+/pack/$"),
    Spec("actions", "home", r"^/actions/$"),
    Spec("action-close", "actions", r"^/actions/\d+/close/$"),
    Spec("area-links", "home", r"^/links/area/$"),
    Spec("link-oversight", "home", r"^/links/oversight/$"),
    Spec("share", "case", r"^/cases/\d+/share/$"),
    Spec("placement-new", "case-missing", r"^/cases/\d+/placements/new/$"),
    Spec("placement-end", "case-missing", r"^/cases/\d+/placements/end/$"),
    Spec("missing-new", "case-missing", r"^/cases/\d+/missing/new/$"),
    Spec("missing-regrade", "case-missing", r"^/cases/\d+/missing/\d+/regrade/$"),
    # The missing-from-care profile and the return home interview (issue 19): Aimee's, kept
    # by Norfolk and released to Suffolk police by her missing report (their inbox links it).
    Spec("missing-profile", "case-missing", r"^/cases/\d+/missing/profile/$"),
    Spec("missing-profile-from-inbox", "inbox", r"^/cases/\d+/missing/profile/$"),
    Spec("missing-profile-edit", "missing-profile", r"^/cases/\d+/missing/profile/edit/$"),
    Spec(
        "missing-profile-photo-new", "missing-profile", r"^/cases/\d+/missing/profile/photo/new/$"
    ),
    Spec("return-interview", "case-missing", r"^/cases/\d+/missing/\d+/interview/$"),
    Spec(
        "return-interview-errors",
        "case-missing",
        r"^/cases/\d+/missing/\d+/interview/$",
        submit_empty,
        once=True,
    ),
    Spec("return-interview-report", "home", r"^/reports/return-interviews/$"),
    Spec("repeat-rule", "home", r"^/agency/repeat-missing-rule/$"),
    Spec("case-access-history", "case-access", r"^/cases/\d+/access-history/$"),
    Spec("case-journey", "case", r"^/cases/\d+/journey/$"),
    Spec("shares", "home", r"^/shares/$"),
    Spec("emergency-access", "home", r"^/emergency-access/$"),
    Spec("inbox", "home", r"^/inbox/$"),
    Spec("agency-deliveries", "home", r"^/agency/notifications/$"),
    Spec("contacts", "home", r"^/contacts/$"),
    Spec("contact-new", "home", r"^/contacts/new/$"),
    Spec("checks", "home", r"^/checks/$"),
    Spec("checks-due", "home", r"^/checks/due/$"),
    Spec("triage", "home", r"^/triage/$"),
    Spec("contact", "triage", r"^/contacts/\d+/$"),
    Spec("contact-decide", "contact", r"^/contacts/\d+/decide/$"),
    Spec("triage-missing", "triage", r"^/triage/missing/$"),
    Spec("triage-interviews", "triage", r"^/triage/interviews/$"),
    Spec("triage-screenings", "triage", r"^/triage/screenings/$"),
    Spec("triage-assessments", "triage", r"^/triage/assessments/$"),
    Spec("triage-dashboard", "home", r"^/triage/dashboard/$"),
    Spec("access-reports", "home", r"^/access-reports/$"),
    Spec("access-events", "home", r"^/access-reports/$", submit_empty),
    Spec("emergency-reviews", "home", r"^/access-reports/emergency-access/$"),
    Spec("sessions", "home", r"^/account/sessions/$"),
    Spec("tokens", "home", r"^/account/tokens/$"),
    Spec("admin", "home", r"^/admin/$"),
    Spec("admin-people", "admin", r"^/admin/people/person/$"),
]


# --- the database and the servers --------------------------------------------------------


def screenshots_url() -> str:
    """The configured DATABASE_URL, naming a database of this script's own."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    base = re.sub(r"_run\d+$", "", parts.path.lstrip("/")) or "safeguarding"
    return urlunsplit(parts._replace(path=f"/{base}_screenshots"))


def recreate_database(url: str) -> None:
    """Drop the screenshots database (whoever is connected) and create it empty."""
    import psycopg2
    from psycopg2 import sql

    name = urlsplit(url).path.lstrip("/")
    connection = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def app_env(database_url: str, debug: bool = True) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1" if debug else "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "insecure-key-for-tests-only-" + "x" * 24,
    }


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command; its standard output."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server(env: dict[str, str], name: str) -> Iterator[str]:
    """`runserver` on a free port until the block ends (its output in <name>.log); its URL."""
    port = free_port()
    log = open(OUT / f"{name}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def wait_until_healthy(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"runserver exited with {process.returncode}; see {OUT}/")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer,  # noqa: S310
        ):
            if answer.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{base}/healthz did not answer 200 in {seconds:.0f} s")


# The page's width if it scrolls sideways, and the first elements that stick out (outside
# any element that scrolls by itself); "" if it fits.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return "";
    const scrolls = (e) => { for (; e && e !== document.body; e = e.parentElement) {
        const x = getComputedStyle(e).overflowX;
        if (x === "auto" || x === "scroll" || x === "hidden") return true; } return false; };
    const out = [...document.body.querySelectorAll("*")].filter((e) =>
        e.getBoundingClientRect().right > width + 1 && !scrolls(e.parentElement));
    const name = (e) => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
        ? "." + e.className.trim().split(/\\s+/).join(".") : "");
    return `${document.documentElement.scrollWidth} px; ` + out.slice(0, 3).map(name).join(", ");
}"""


# --- the browser -------------------------------------------------------------------------


class Run:
    """One browser, the screenshots taken so far and every problem seen."""

    def __init__(self, browser: Browser, base: str, plain_base: str, env: dict[str, str]) -> None:
        self.browser, self.base, self.plain_base, self.env = browser, base, plain_base, env
        self.count = 0
        self.problems: list[str] = []
        self.done_once: set[str] = set()
        self.overflows: list[str] = []

    def new_page(self, label: str) -> Page:
        """A fresh context whose console errors, page errors and 5xx answers are recorded."""
        context = self.browser.new_context(
            base_url=self.base, viewport={"width": WIDTHS[-1], "height": HEIGHT}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()

        def on_console(message) -> None:
            # A failed load is reported, with its address, by on_response.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                self.problems.append(f"{label} {page.url}: console error: {message.text}")

        def on_response(response) -> None:
            document = response.request.resource_type == "document"
            if response.status >= 500 or (response.status >= 400 and not document):
                self.problems.append(f"{label}: HTTP {response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"{label}: page error: {error}"))
        page.on("response", on_response)
        return page

    def shoot(self, page: Page, folder: str, name: str) -> None:
        """Save the page, full length, at each width."""
        (OUT / folder).mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.wait_for_timeout(150)
            path = OUT / folder / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            self.count += 1
            print(f"{path.relative_to(ROOT)}  {page.title()}", flush=True)
            wider = page.evaluate(OVERFLOW)
            if wider:
                note = f"{path.relative_to(ROOT)}: wider than {width} px: {wider}"
                self.overflows.append(note)
                print(f"  {note}", flush=True)

    def visit(self, page: Page, url: str) -> None:
        answer = page.goto(url)
        with contextlib.suppress(Exception):
            page.wait_for_load_state("networkidle", timeout=5000)
        if answer is not None and answer.status >= 500:
            self.problems.append(f"{url}: HTTP {answer.status}")

    def sign_in(self, page: Page, username: str, shoot: bool) -> None:
        """Password, then the current code, through the real forms."""
        self.visit(page, "/sign-in/")
        if shoot:
            self.shoot(page, "signed-out", "sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if shoot:
            self.shoot(page, "signed-out", "sign-in-code")
        code = manage(self.env, "demo_otp_code", username).strip()
        page.get_by_label("Code from your authenticator app").fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        if urlsplit(page.url).path != "/":
            raise RuntimeError(f"{username} did not reach the home page: {page.url}")

    def person(self, username: str, first: bool) -> None:
        """Sign in as one demo person and photograph every page they can reach."""
        page = self.new_page(username)
        try:
            self.sign_in(page, username, shoot=first)
            links: dict[str, list[str]] = {}
            for spec in SPECS:
                if spec.once and spec.name in self.done_once:
                    continue
                url = spec.pattern if spec.source is None else self.link(links, spec)
                if url is None:
                    continue
                self.visit(page, url)
                if spec.action:
                    spec.action(page)
                links[spec.name] = page.evaluate(
                    "Array.from(document.querySelectorAll('a[href]'), a => a.href)"
                )
                self.shoot(page, username, spec.name)
                self.done_once.add(spec.name)
            if first:
                self.visit(page, f"{self.plain_base}/no-such-page/")
                self.shoot(page, username, "not-found")
        finally:
            page.context.close()

    def link(self, links: dict[str, list[str]], spec: Spec) -> str | None:
        """The first same-site link on the spec's source page whose path matches."""
        for href in links.get(spec.source or "", []):
            parts = urlsplit(href)
            if parts.netloc == urlsplit(self.base).netloc and re.search(spec.pattern, parts.path):
                return href
        return None


def main() -> int:
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    url = screenshots_url()
    env = app_env(url)
    print(f"database {urlsplit(url).path.lstrip('/')}: creating, migrating, loading the demo")
    recreate_database(url)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    with (
        server(env, "runserver") as base,
        server(app_env(url, debug=False), "runserver-debug-off") as plain_base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        run = Run(browser, base, plain_base, env)
        try:
            for index, username in enumerate(PEOPLE):
                try:
                    run.person(username, first=index == 0)
                except Exception as error:  # one person's failure must not hide the rest
                    first_line = str(error).splitlines()[0]
                    run.problems.append(f"{username}: {type(error).__name__}: {first_line}")
        finally:
            browser.close()
    seconds = time.monotonic() - started
    print(f"\n{run.count} screenshots of {len(PEOPLE)} people in {seconds:.0f} s, in {OUT}")
    if run.overflows:
        print(f"{len(run.overflows)} scroll sideways (look at them):")
        for note in run.overflows:
            print(f"  {note}")
    if run.problems:
        print(f"{len(run.problems)} problems:")
        for problem in run.problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

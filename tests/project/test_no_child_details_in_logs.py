"""No child's name or NHS number reaches any log the stack writes (issue 16, item 4).

The stack's own processes, with their own logging, each writing to files here: gunicorn
as the image runs it (the Dockerfile's CMD: safeguarding/gunicorn_conf.py, access log on),
the development server as `make run` starts it (runserver, settings.LOGGING) and a Celery
worker logging at INFO as `make run` and docker-compose.yml run theirs. Through each web
server a person is bounced to sign in with a child's name and NHS number in the address
(which their browser then sends on as the Referer), fails to sign in with the name as the
username, signs in, records children with that name (page and API), searches for the name
and each number (the page's posted form; the API's GET, which carries them in its query),
asks for missing pages with them in the query and reports a child missing through the
API, which the worker delivers. Then everything is stopped and every log read: the name
and numbers are nowhere, in any case or encoding, while the paths asked for are there (so
nothing passes for want of logging).

A username is not a child's detail, but what is typed as one can be: the failed sign-in's
name is held to the same rule, not excused (django-axes logs the address instead).
"""

import datetime as dt
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import quote, unquote, unquote_plus, urlencode

import pytest
from django.conf import settings

from cases.validators import validate_nhs_number
from notifications.models import Delivery
from safeguarding import devservices
from safeguarding import settings as project_settings
from tests.cases.api_helpers import new_child, nhs_number
from tests.cases.test_pages_children import child_form
from tests.conftest import PASSWORD, current_code, database_url_for_worker, free_port
from tests.idempotency.test_forms import TOKEN as ONCE
from tests.missing.api_helpers import missing
from tests.project import real_servers

FIRST, LAST = "Zephyrine", "Quillfeather-Oduya"
NAME = f"{FIRST} {LAST}"
# Each part alone, lower case: a log is searched lower-cased and URL-decoded.
NAME_PARTS = ("zephyrine", "quillfeather", "oduya")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    """One web server of the stack, who uses it, and the children they record there."""

    name: str
    url: str
    username: str
    page_nhs: str  # the child recorded through the page
    api_nhs: str  # the child recorded through the API
    born: dt.date


def spaced(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


# --- the stack's processes --------------------------------------------------------------------


def image_command() -> list[str]:
    """The Dockerfile's CMD (JSON, continued over lines with backslashes)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return json.loads(re.search(r"^CMD (\[.*\])\s*$", text, re.MULTILINE)[1])


def gunicorn_command(port: int) -> list[str]:
    """The image's gunicorn, on a spare loopback port, from this virtualenv."""
    argv = image_command()
    assert argv[0] == "gunicorn" and "0.0.0.0:8000" in argv, argv
    # Access and error logs to stdout and stderr, as the image sends them (so the files
    # this test reads are the whole of them), with the access log format of gunicorn_conf.
    assert argv[argv.index("--access-logfile") + 1] == "-"
    assert argv[argv.index("--error-logfile") + 1] == "-"
    assert "python:safeguarding.gunicorn_conf" in argv
    bound = [f"127.0.0.1:{port}" if arg == "0.0.0.0:8000" else arg for arg in argv]
    return [sys.executable, "-m", *bound]


@pytest.fixture
def logs(tmp_path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


@pytest.fixture
def stack_env(start_worker, settings) -> dict[str, str]:
    """What every web process needs beyond its own settings: the test database, this test
    process's Redis, and the test's queue (whose worker delivers what they send)."""
    return {
        "DATABASE_URL": database_url_for_worker(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": start_worker.queue,
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def stack(logs, stack_env, start_worker):
    """gunicorn, runserver and a worker, started together; stopped (by process id) at the
    end even if the test fails. Yields the web servers and a `stop()` for all three."""
    gunicorn_port, runserver_port = free_port(), free_port()
    # Production (DEBUG off) over plain http, as docker-compose.yml says for a local try;
    # one worker process, for a machine shared with other tests.
    production = {**os.environ, **stack_env, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
                  "SECURE_COOKIES": "0", "WEB_CONCURRENCY": "1"}  # fmt: skip
    development = {**devservices.run_env(runserver_port), **stack_env}
    web = devservices.app_processes(sys.executable, runserver_port)["web"]
    started = [
        real_servers.start(gunicorn_command(gunicorn_port), production, logs, "gunicorn"),
        real_servers.start(web, development, logs, "runserver"),
    ]
    try:
        # As `make run`'s worker, with DEBUG on: the emails it sends are written to its log.
        worker = start_worker({"DEBUG": "1"}, loglevel="INFO", logs_to=logs)
        servers = [
            Server("gunicorn", f"http://127.0.0.1:{gunicorn_port}", "social.worker",
                   nhs_number(999582340), nhs_number(999582341), dt.date(2011, 3, 4)),
            Server("runserver", f"http://127.0.0.1:{runserver_port}", "police.officer",
                   nhs_number(999582343), nhs_number(999582344), dt.date(2012, 5, 6)),
        ]  # fmt: skip
        for server, process in zip(servers, started, strict=True):
            real_servers.wait_until_answering(f"{server.url}/healthz", process)

        def stop() -> None:
            for process in started:
                real_servers.stop(process)
            worker.stop()

        yield servers, stop
    finally:
        for process in started:
            real_servers.stop(process)


@pytest.fixture
def real_password_hashing(people, settings):
    """The servers check passwords with the project's hashers, not the fast one the tests
    use in this process: the two who sign in here get their passwords hashed with them."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    for username in ("social.worker", "police.officer"):
        people[username].set_password(PASSWORD)
        people[username].save(update_fields=["password"])


# --- a person's browser, and an API client ----------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is answered as it is, to be looked at


@dataclass
class Reply:
    status: int
    location: str
    text: str

    def json(self):
        return json.loads(self.text)


class Browser:
    """Keeps its cookies, follows no redirects and, like a browser under the Hub's
    Referrer-Policy (same-origin), sends the address of the page before as the Referer;
    with a token, an API client instead."""

    def __init__(self, base: str, token: str = "") -> None:
        self.base = base
        self.token = token
        self.page = ""
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def request(self, method: str, path: str, body: bytes | None = None, **headers) -> Reply:
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.page:
            headers["Referer"] = self.page
        url = self.base + path
        if method == "GET":
            self.page = url
        asked = urllib.request.Request(url, body, headers, method=method)  # noqa: S310 - our own
        try:
            with self.opener.open(asked, timeout=30) as got:
                return Reply(got.status, got.headers.get("Location", ""), got.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers.get("Location", ""), error.read().decode())

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Reply:
        """A form posted as the browser posts it, with the CSRF token its page set."""
        body = urlencode(fields | {"csrfmiddlewaretoken": self.csrf}).encode()
        return self.request(
            "POST", path, body, **{"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_json(self, path: str, data: dict) -> Reply:
        headers = {"Content-Type": "application/json"}
        if not self.token:
            headers["X-CSRFToken"] = self.csrf
        return self.request("POST", path, json.dumps(data).encode(), **headers)

    @property
    def csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")


# --- what people do ---------------------------------------------------------------------------


def with_the_child_in_the_query(path: str, number: str) -> str:
    return f"{path}?{urlencode({'name': NAME, 'nhs_number': spaced(number)})}"


def sign_in(browser: Browser, person) -> None:
    browser.get("/sign-in/")
    signed = browser.post("/sign-in/", {"username": person.username, "password": PASSWORD})
    assert signed.status == 302, signed.text[:300]
    browser.get(signed.location)
    verified = browser.post(signed.location, {"code": current_code(person)})
    assert verified.status == 302, verified.text[:300]


def use_the_hub(server: Server, people) -> str:
    """Everything a person does with the child's details through one server; the reference
    of the case whose missing-child report the worker delivers."""
    browser = Browser(server.url)

    # Signed out, an old bookmark with the child in its address: back to it after signing
    # in, but by its path only (a proxy, the browser's history, any log keeps a redirect).
    bounced = browser.get(with_the_child_in_the_query("/children/", server.page_nhs))
    assert bounced.status == 302, bounced
    assert unquote(bounced.location) == "/sign-in/?next=/children/", bounced
    assert browser.get(bounced.location).status == 200

    # A failed sign-in with the child's name as the username.
    failed = browser.post("/sign-in/", {"username": NAME, "password": "not-the-password"})
    assert failed.status == 200 and "Enter a correct username and password" in failed.text

    sign_in(browser, people[server.username])

    # The page: record a child (with the name in the concern, as people write it).
    form = browser.get("/children/new/")
    recorded = browser.post("/children/new/", child_form(
        first_name=FIRST, last_name=LAST, aliases=f"Zeph {LAST}", nhs_number=server.page_nhs,
        date_of_birth_day=str(server.born.day), date_of_birth_month=str(server.born.month),
        date_of_birth_year=str(server.born.year),
        concern=f"{FIRST} was seen getting into cars near the bus station.",
        once=ONCE.search(form.text)[1],
    ))  # fmt: skip
    assert recorded.status == 302 and recorded.location.startswith("/cases/"), recorded.text[:500]

    # The page: find the child by name, then by number (posted; results at ?search=<id>).
    for terms in ({"name": NAME}, {"nhs_number": spaced(server.page_nhs)}):
        posted = browser.post("/children/", terms)
        assert posted.status == 303 and "?search=" in posted.location, posted
        assert LAST in browser.get(posted.location).text
    # An old bookmark with the terms in the address (no longer searched) while signed in.
    assert browser.get(with_the_child_in_the_query("/children/", server.page_nhs)).status == 200

    # The API, with a personal token made from the session, as an integrator would.
    made = browser.post_json("/api/v1/tokens/", {"name": "Log test", "days": 7})
    assert made.status == 201, made.text
    api = Browser(server.url, token=made.json()["secret"])
    created = api.post_json("/api/v1/children/", new_child(
        first_name=FIRST, last_name=LAST, aliases=[f"Zeph {LAST}"], nhs_number=server.api_nhs,
        date_of_birth=None, concern=f"{NAME} told her teacher about a man called Dean.",
    ))  # fmt: skip
    assert created.status == 201, created.text
    case = created.json()["case"]
    reported = api.post_json(f"/api/v1/cases/{case['id']}/missing-episodes/", missing(
        circumstances=f"{FIRST} did not come back from school.",
    ))  # fmt: skip
    assert reported.status == 201, reported.text
    for query in ({"search": NAME}, {"nhs_number": server.api_nhs},
                  {"nhs_number": spaced(server.page_nhs)}):  # fmt: skip
        found = api.get(f"/api/v1/children/?{urlencode(query)}")
        assert found.status == 200 and found.json()["results"], (query, found.text)

    # Pages that are not there, with the child in the query.
    assert browser.get(with_the_child_in_the_query("/no-such-page/", server.api_nhs)).status == 404
    assert api.get(f"/api/v1/children/abc/?search={quote(NAME)}").status == 404
    return case["reference"]


def delivered(references: list[str], timeout: float = 30) -> None:
    """Wait until the worker has sent every delivery of the cases' notifications."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = Delivery.objects.filter(notification__case__reference__in=references)
        waiting = deliveries.exclude(state=Delivery.State.SENT)
        if deliveries.exists() and not waiting.exists():
            return
        assert time.monotonic() < deadline, list(waiting.values("channel", "state", "last_error"))
        time.sleep(0.2)


# --- reading the logs -------------------------------------------------------------------------


def child_details_in(text: str, numbers: list[str]) -> list[str]:
    """The lines of `text` holding any part of the name (any case, URL-encoded or not) or
    any of the NHS numbers (with or without spaces, dashes or `+`)."""
    spellings = [re.compile(r"[\s+\-]*".join(number)) for number in numbers]
    found = []
    for line in text.splitlines():
        decoded = unquote_plus(line)
        if any(part in decoded.lower() for part in NAME_PARTS) or any(
            spelling.search(decoded) for spelling in spellings
        ):
            found.append(line)
    return found


@pytest.mark.usefixtures("real_password_hashing")
def test_the_logs_hold_no_childs_name_or_nhs_number(stack, logs, people):
    servers, stop = stack
    numbers = [n for server in servers for n in (server.page_nhs, server.api_nhs)]
    for number in numbers:
        validate_nhs_number(number)
    try:
        references = [use_the_hub(server, people) for server in servers]
        delivered(references)
    finally:
        stop()

    # Every handler of the project's logging writes to a stream (stdout or stderr, in the
    # files below): a log file configured in settings would have to be read here too.
    for name, handler in settings.LOGGING["handlers"].items():
        assert handler["class"] == "logging.StreamHandler", name
    written = {path.name: path.read_text(errors="replace") for path in logs.iterdir()}
    assert set(written) == {
        f"{process}.{stream}"
        for process in ("gunicorn", "runserver", "worker-0")
        for stream in ("stdout", "stderr")
    }
    leaks = {name: child_details_in(text, numbers) for name, text in written.items()}
    assert not any(leaks.values()), json.dumps(leaks, indent=2)

    # Something was logged, and it was these requests and this work.
    access, runserver = written["gunicorn.stdout"], written["runserver.stderr"]
    for log in (access, runserver):
        for request in ("GET /children/ ", "POST /children/ ", "POST /children/new/ ",
                        "GET /sign-in/ ", "POST /sign-in/ ", "POST /api/v1/children/ ",
                        "GET /api/v1/children/ ", "GET /no-such-page/ "):  # fmt: skip
            assert f'"{request}HTTP/1.1" ' in log, (request, log[-2000:])
    assert "Booting worker" in written["gunicorn.stderr"]
    assert "Not Found: /no-such-page/" in written["gunicorn.stderr"]
    assert "Not Found: /no-such-page/" in runserver
    worker = written["worker-0.stdout"] + written["worker-0.stderr"]
    assert "notifications.tasks.deliver" in worker and "succeeded" in worker, worker[-2000:]
    for reference in references:
        assert reference in worker  # the emails, written out by the console backend

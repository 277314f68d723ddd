"""The people `bench/load.py` puts on the production server: locust users, each signed in
as one real person of the scratch database (a session with a verified second factor,
made by load.py), doing that person's job through the pages, as a browser would: GET a
form, POST it with its CSRF and once-only tokens, follow the redirect.

Run only by load.py (`locust -f bench/locustfile.py --headless ...`), which passes:
LOAD_PEOPLE (the people, their session cookies and cases, JSON), LOAD_RESULTS (where every
request and every successful create is written when locust quits) and LOAD_RUN (a prefix
that makes each create's marker unique across runs). Nothing is fetched from anywhere but
the --host, which load.py sets to 127.0.0.1.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task

PEOPLE = json.loads(open(os.environ["LOAD_PEOPLE"]).read())  # noqa: SIM115
RESULTS = os.environ["LOAD_RESULTS"]
RUN = os.environ["LOAD_RUN"]
WAIT = [float(s) for s in os.environ.get("LOAD_WAIT", "0.5,1.0").split(",")]
# Each user does each thing once before the random mix (load.py --every-kind-first): a
# short run (the test's) then records every kind, whatever the dice say.
EVERY_KIND_FIRST = os.environ.get("LOAD_EVERY_KIND_FIRST") == "1"
UK = ZoneInfo("Europe/London")

_next_person = itertools.count()
_markers = itertools.count(1)
REQUESTS: list[tuple[float, str, float, str]] = []  # (started, name, ms, error or "")
CREATED: dict[str, list[str]] = {"entry": [], "placement": [], "missing": []}

HIDDEN = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>", re.I)
ATTR = re.compile(r"\b(name|value)=\"([^\"]*)\"")
SELECT = re.compile(r"<select\b[^>]*\bname=\"([^\"]+)\"[^>]*>(.*?)</select>", re.I | re.S)
OPTION = re.compile(r"<option\b[^>]*\bvalue=\"([^\"]+)\"", re.I)
PAGE_LINK = re.compile(r"href=\"\?(?:[^\"]*&amp;)?page=(\d+)")
RADIO = re.compile(r"<input\b[^>]*\btype=\"radio\"[^>]*>", re.I)
ERRORS = re.compile(r"govuk-error-summary__list\">(.*?)</ul>", re.S)
RETURN_LINK = re.compile(
    r"id=\"already-missing\".*?href=\"(/cases/\d+/missing/\d+/returned/)\"", re.S
)
ASSETS = re.compile(r"(?:href|src)=\"(/static/[^\"]+\.(?:css|js))\"")


@events.request.add_listener
def _record(name, response_time, exception, **kwargs) -> None:
    started = kwargs.get("start_time") or time.time() - response_time / 1000
    REQUESTS.append((started, name, response_time, repr(exception) if exception else ""))


@events.user_error.add_listener
def _failed(user_instance, exception, tb, **kwargs) -> None:
    """A task that raised (a form not as expected): an error like a failed request."""
    REQUESTS.append((time.time(), "task raised", 0.0, repr(exception)))


@events.quitting.add_listener
def _write(environment, **kwargs) -> None:
    with open(RESULTS, "w") as f:
        json.dump({"requests": REQUESTS, "created": CREATED}, f)


def hidden_fields(page: str) -> dict[str, str]:
    """Every hidden input of the page (the CSRF token and the form's once-only token)."""
    fields = {}
    for tag in HIDDEN.findall(page):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


def choices(page: str, name: str) -> list[str]:
    """The non-empty values of the form's <select name=...> or its radios of that name."""
    for select_name, body in SELECT.findall(page):
        if select_name == name:
            return [value for value in OPTION.findall(body) if value]
    radios = [dict(ATTR.findall(tag)) for tag in RADIO.findall(page)]
    return [r["value"] for r in radios if r.get("name") == name and r.get("value")]


def moment(date_field: str, time_field: str, when: datetime) -> dict[str, str]:
    local = when.astimezone(UK)
    return {
        f"{date_field}_day": str(local.day),
        f"{date_field}_month": str(local.month),
        f"{date_field}_year": str(local.year),
        time_field: f"{local:%H:%M}",
    }


def why(response) -> str:
    found = ERRORS.search(response.text or "")
    text = re.sub(r"<[^>]+>", " ", found[1]) if found else ""
    return f"{response.status_code} {' '.join(text.split())[:200]}"


class Practitioner(HttpUser):
    """One signed-in person; what they do depends on their role (PEOPLE[n]["persona"])."""

    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.me = PEOPLE[next(_next_person) % len(PEOPLE)]
        self.client.cookies.set(self.me["cookie_name"], self.me["cookie"])
        self.client.headers["User-Agent"] = "bench/load (locust)"
        self.place_turn = itertools.cycle(self.me["place_cases"] or [None])
        self.big_pages = 1
        self.page("home", "/")
        if EVERY_KIND_FIRST:
            for first in (self.case_page, self.big_chronology, self.search, self.triage,
                          self.new_entry, self.placement, self.missing_report):  # fmt: skip
                first()

    # --- helpers -----------------------------------------------------------------------

    def page(self, name: str, url: str) -> str:
        """GET a page that must answer 200; its HTML ("" if it did not)."""
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} for {url}")
                return ""
            if name == "home":
                for asset in sorted(set(ASSETS.findall(r.text))):
                    self.static(asset)
            return r.text

    def static(self, url: str) -> None:
        """A stylesheet or script, as a browser with an empty cache fetches it (WhiteNoise)."""
        with self.client.get(url, name="static file", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} for {url}")

    def post(self, name: str, url: str, data: dict, expect: str) -> str | None:
        """POST a form; it must redirect to a URL starting `expect`. The Location, or None."""
        with self.client.post(
            url, data=data, name=name, catch_response=True, allow_redirects=False
        ) as r:
            location = r.headers.get("Location", "")
            if r.status_code not in (302, 303) or not location.startswith(expect):
                r.failure(why(r) + f" -> {location}")
                return None
            return location

    def marker(self, kind: str) -> str:
        return f"bench-load {RUN}-{kind}-{next(_markers)}"

    def a_case(self) -> int:
        return random.choice(self.me["cases"])

    # --- reading -------------------------------------------------------------------------

    @task(3)
    def case_page(self) -> None:
        self.page("case page", f"/cases/{self.a_case()}/")

    @task(2)
    def big_chronology(self) -> None:
        """The case with 1,000 entries: its first page, or a later page of its chronology."""
        case = self.me["big_case"]
        if random.random() < 0.5 or self.big_pages < 2:
            first = self.page("case page (1,000 entries)", f"/cases/{case}/")
            # The later pages are those its page links offer.
            self.big_pages = max([1, *(int(n) for n in PAGE_LINK.findall(first))])
        else:
            number = random.randint(2, self.big_pages)
            self.page("chronology, a later page", f"/cases/{case}/?page={number}")

    @task(2)
    def search(self) -> None:
        form = self.page("child search (form)", "/children/")
        if not form:
            return
        data = {**hidden_fields(form), "name": random.choice(self.me["search"])}
        location = self.post("child search (post)", "/children/", data, "/children/?search=")
        if location:
            self.page("child search (results)", location)

    @task(3)
    def triage(self) -> None:
        if self.me["persona"] == "mash":
            self.page("triage screen", "/triage/")
        else:
            self.case_page()

    # --- recording -----------------------------------------------------------------------

    @task(3)
    def new_entry(self) -> None:
        if not self.me["may_add_entries"]:
            return self.case_page()
        case = self.a_case()
        url = f"/cases/{case}/entries/new/"
        form = self.page("new entry (form)", url)
        if not form:
            return None
        marker = self.marker("entry")
        data = {
            **hidden_fields(form),
            "category": random.choice(choices(form, "category")),
            **moment("occurred_on", "occurred_time", datetime.now(UK) - timedelta(minutes=10)),
            "text": f"Seen at school, settled and talking about friends ({marker}).",
        }
        if self.post("new entry (post)", url, data, f"/cases/{case}/"):
            CREATED["entry"].append(marker)
        return None

    @task(1)
    def placement(self) -> None:
        case = next(self.place_turn)
        if case is None:
            return self.case_page()
        url = f"/cases/{case}/placements/new/"
        form = self.page("placement (form)", url)
        if not form:
            return None
        marker = self.marker("placement")
        now = datetime.now(UK).replace(second=0, microsecond=0)
        data = {
            **hidden_fields(form),
            "area": random.choice(choices(form, "area")),
            "address": f"1 Synthetic Row, Testham ({marker})",
            "postcode": "ZX1 1AA",
            "provider_type": random.choice(choices(form, "provider_type")),
            **moment("started_on", "started_time", now),
        }
        if self.post("placement (post)", url, data, f"/cases/{case}/"):
            CREATED["placement"].append(marker)
        return None

    @task(1)
    def missing_report(self) -> None:
        if self.me["persona"] != "police":
            return self.case_page()
        case = self.a_case()
        url = f"/cases/{case}/missing/new/"
        form = self.page("missing report (form)", url)
        if not form:
            return None
        # One open episode a case: the child's last absence ends before the next report.
        if (open_episode := RETURN_LINK.search(form)) is not None:
            if not self.record_return(case, open_episode.group(1)):
                return None
            form = self.page("missing report (form)", url)
            if not form:
                return None
        marker = self.marker("missing")
        data = {
            **hidden_fields(form),
            **moment("last_seen_on", "last_seen_time", datetime.now(UK) - timedelta(hours=2)),
            "last_seen_where": "Testham bus station",
            "last_seen_area": random.choice(choices(form, "last_seen_area")),
            "circumstances": f"Did not come back after school ({marker}).",
            "risk": random.choice(choices(form, "risk")),
        }
        with self.client.post(
            url, data=data, name="missing report (post)", catch_response=True,
            allow_redirects=False,
        ) as r:  # fmt: skip
            location = r.headers.get("Location", "")
            if r.status_code in (302, 303) and location.startswith(f"/cases/{case}/"):
                CREATED["missing"].append(marker)
            elif r.status_code == 200 and "already missing" in r.text:
                # Another officer reported the same child a moment before: the page says so
                # and nothing is saved, as it should.
                r.success()
            else:
                r.failure(why(r) + f" -> {location}")
        return None

    def record_return(self, case: int, url: str) -> bool:
        form = self.page("return (form)", url)
        if not form:
            return False
        data = {
            **hidden_fields(form),
            **moment("returned_on", "returned_time", datetime.now(UK) - timedelta(minutes=5)),
            "how_found": "Came back to the placement by herself (synthetic).",
        }
        return self.post("return (post)", url, data, f"/cases/{case}/") is not None

"""The meeting pack (issue 22, item 4): for the person it is made for, each discussed
child whose case they may see, with the case's "At a glance" strip, the child's journey
(timeline), the chronology since the last meeting that discussed them, and the open
actions. Built only through the readers every page uses (cases.selectors.chronology,
cases.registry.case_flags, cases.journey), so it holds nothing the person could not read
on the case page: attendees from different agencies get different packs.

The PDF is the same HTML laid out by WeasyPrint, imported only when a PDF is asked for
(it needs Pango, which the Dockerfile installs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from cases import journey, registry
from cases.models import Case, Entry
from cases.selectors import chronology
from meetings.models import Action, Meeting
from meetings.selectors import children_seen, things_seen
from people.models import Person
from safeguarding import uk_time

# A pack is for a meeting: past this many entries a child's chronology is cut, newest kept.
ENTRY_LIMIT = 2000


@dataclass
class ChildPack:
    case: Case
    flags: list
    journey: object
    since: dt.date | None  # the day of the last meeting that discussed the child
    entries: list[Entry]
    truncated: bool
    actions: list[Action]


@dataclass
class Pack:
    meeting: Meeting
    person: Person
    made_at: dt.datetime
    children: list[ChildPack]
    things: list  # the people, vehicles and places discussed that the person may know of

    @property
    def entry_count(self) -> int:
        return sum(len(child.entries) for child in self.children)


def last_discussed(meeting: Meeting, case_ids) -> dict[int, dt.date]:
    """For each case, the day of the latest earlier meeting that discussed it (one query)."""
    rows = (
        Meeting.objects.filter(discussed__case_id__in=list(case_ids), held_at__lt=meeting.held_at)
        .values_list("discussed__case_id", "held_at")
        .order_by("discussed__case_id", "-held_at")
        .distinct("discussed__case_id")
    )
    return {case_id: uk_time.local(held).date() for case_id, held in rows}


def build(person: Person, meeting: Meeting, *, now: dt.datetime | None = None) -> Pack:
    """The pack for `person`: only what they may see of each child they may see."""
    now = now or timezone.now()
    cases = children_seen(person, meeting)
    flags = registry.case_flags(person, cases)
    since = last_discussed(meeting, [case.pk for case in cases])
    open_actions: dict[int, list[Action]] = {case.pk: [] for case in cases}
    for action in (
        Action.objects.filter(case__in=cases, status=Action.Status.OPEN)
        .select_related("owner")
        .order_by("due_on", "id")
    ):
        open_actions[action.case_id].append(action)
    children = []
    for case in cases:
        first = since.get(case.pk)
        entries = list(chronology(case, person, occurred_from=first)[: ENTRY_LIMIT + 1])
        truncated = len(entries) > ENTRY_LIMIT
        entries = entries[:ENTRY_LIMIT]
        days = journey.printed_days({"occurred_from": first, "occurred_to": None}, entries)
        children.append(ChildPack(
            case=case, flags=flags[case.pk], journey=journey.journey(person, case, *days, now=now),
            since=first, entries=entries, truncated=truncated, actions=open_actions[case.pk],
        ))  # fmt: skip
    return Pack(meeting=meeting, person=person, made_at=now, children=children,
                things=things_seen(person, meeting))  # fmt: skip


def html(pack: Pack, *, for_pdf: bool = False) -> str:
    """The pack's markup: the page's body, or a whole document for the PDF."""
    template = "meetings/pack_pdf.html" if for_pdf else "meetings/pack.html"
    return render_to_string(template, {"pack": pack, "user": pack.person})


class PdfUnavailable(Exception):
    """This server cannot lay out PDFs (WeasyPrint or Pango missing): print the HTML."""


def _static_fetcher():
    """WeasyPrint's fetcher: the Hub's own static files from disk, nothing from anywhere
    else (a pack never reaches out to the network)."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.staticfiles import finders
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            prefix = settings.STATIC_URL
            found = finders.find(path[len(prefix) :]) if path.startswith(prefix) else None
            if not found:
                raise ValueError(f"Not one of the Hub's static files: {url}")
            with open(found, "rb") as handle:
                body = handle.read()
            kind = "text/css" if found.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    return StaticOnly()


def pdf(pack: Pack) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as missing:
        raise PdfUnavailable(str(missing)) from missing
    document = HTML(
        string=html(pack, for_pdf=True), base_url="file:///", url_fetcher=_static_fetcher()
    )
    return document.write_pdf()

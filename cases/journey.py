"""The child's journey as a picture (issue 17): placements as bands, missing episodes as
marks with their length, contacts, decisions and strategy discussions as points, on one
time line, with a table of the same events for those who cannot see the picture or need
its detail.

It shows nothing the chronology would not show the same person. The points are entries
read through `selectors.chronology` (a restricted entry stays with its agency). The
placements and missing episodes belong to `missing`, which adds them through
`cases.registry`, each only where the person sees its own chronology entry
(`selectors.on_chronology`).

The drawing is worked out here, in the units of an SVG viewBox, so the template only
places shapes and the page needs no JavaScript. Two drawings are made of the same events,
one for narrow screens and one for wide ones and print: one drawing scaled down to a phone
would have unreadable labels.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.text import Truncator

from cases import registry, selectors
from cases.models import Case, Entry
from people.models import Person
from safeguarding import uk_time

# The range shown unless the person picks one, and the longest they may pick: beyond five
# years the bands and marks are too thin to read.
DEFAULT_MONTHS = 12
MAX_YEARS = 5
POINT_WORDS = 30


class Kind:
    PLACEMENT = "placement"
    MISSING = "missing"
    CONTACT = "contact"
    DECISION = "decision"
    STRATEGY = "strategy"

    LABELS = {
        PLACEMENT: "Placement",
        MISSING: "Missing episode",
        CONTACT: "Contact or concern",
        DECISION: "MASH decision",
        STRATEGY: "Strategy discussion",
    }
    PLURALS = {
        PLACEMENT: ("placement", "placements"),
        MISSING: ("missing episode", "missing episodes"),
        CONTACT: ("contact or concern", "contacts or concerns"),
        DECISION: ("MASH decision", "MASH decisions"),
        STRATEGY: ("strategy discussion", "strategy discussions"),
    }


# The chronology's categories drawn as points, by the kind of point.
POINTS = {
    Entry.Category.CONCERN: Kind.CONTACT,
    Entry.Category.MASH_CONTACT: Kind.CONTACT,
    Entry.Category.MASH_DECISION: Kind.DECISION,
    Entry.Category.STRATEGY_DISCUSSION: Kind.STRATEGY,
}


@dataclass(frozen=True)
class Event:
    """One thing on the journey. A point has no `end`; a band or mark still going on has
    `ongoing` and is drawn up to now. `title` is short (drawn where it fits); `detail` and
    `by` (who recorded or made it) are for the table."""

    kind: str
    start: dt.datetime
    end: dt.datetime | None = None
    ongoing: bool = False
    title: str = ""
    detail: str = ""
    by: str = ""

    @property
    def label(self) -> str:
        return Kind.LABELS[self.kind]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day where it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 months, to today."""
    today = today or timezone.localdate()
    return months_before(today, DEFAULT_MONTHS) + dt.timedelta(days=1), today


def too_long(first: dt.date, last: dt.date) -> bool:
    return first < months_before(last, MAX_YEARS * 12)


def printed_days(filters: dict, entries: list[Entry]) -> tuple[dt.date, dt.date]:
    """The journey printed with a chronology: the dates it was filtered to; without them,
    from the oldest entry printed (at most MAX_YEARS back) to today."""
    last = filters["occurred_to"] or timezone.localdate()
    first = filters["occurred_from"]
    if first is None:
        oldest = uk_time.local(entries[-1].occurred_at).date() if entries else last
        first = min(oldest, default_range(last)[0])
    return max(first, months_before(last, MAX_YEARS * 12) + dt.timedelta(days=1)), last


def _moment(day: dt.date) -> dt.datetime:
    """The start of a UK day."""
    return dt.datetime.combine(day, dt.time(), tzinfo=uk_time.uk_zone())


def _point(entry: Entry) -> Event:
    return Event(
        kind=POINTS[entry.category],
        start=entry.occurred_at,
        title=entry.get_category_display(),
        detail=Truncator(entry.text).words(POINT_WORDS),
        by=f"Recorded by {entry.agency.name}",
    )


@dataclass
class Journey:
    """The events of a case between two days, as the person may see them, and drawings."""

    first: dt.date
    last: dt.date
    events: list[Event]
    now: dt.datetime
    drawings: dict = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """What the picture shows, in words (its SVG description)."""
        said = []
        for kind, (one, many) in Kind.PLURALS.items():
            count = sum(1 for e in self.events if e.kind == kind)
            said.append(f"{count} {one if count == 1 else many}")
        return f"{', '.join(said[:-1])} and {said[-1]}. Each is listed in the table below."


def journey(
    person: Person, case: Case, first: dt.date, last: dt.date, *, now: dt.datetime | None = None
) -> Journey:
    """The child's journey from the start of `first` to the end of `last` (UK days), in a
    constant number of queries: the points' entries, and one query per registered provider.
    Events in the order they started (a journey reads from left to right)."""
    now = now or timezone.now()
    start, end = _moment(first), _moment(last + dt.timedelta(days=1))
    entries = (
        selectors.chronology(case, person, occurred_from=first, occurred_to=last)
        .filter(category__in=list(POINTS), superseded_by__isnull=True)
        .select_related(None)
        .select_related("agency")
    )
    events = [_point(entry) for entry in entries]
    events += registry.journey_events(person, case, start=start, end=end, now=now)
    events.sort(key=lambda e: (e.start, list(Kind.LABELS).index(e.kind)))
    result = Journey(first=first, last=last, events=events, now=now)
    result.drawings = {
        name: draw(events, start, end, now, width=width, prefix=f"journey-{name}")
        for name, width in (("wide", WIDE), ("narrow", NARROW))
    }
    return result


# --- the drawing, in viewBox units ---------------------------------------------------------

WIDE, NARROW = 960, 400
FONT = 16
# Roughly how wide a character of the labels is, in units of the font size.
CHAR = 0.56
GAP = 10
EDGE = 8
LANE_TOP = {"placements": 0, "missing": 84, "points": 184}
BAND = (26, 62)
MARK = (106, 130)
# Two rows for the episodes' lengths, so that episodes close together can both say theirs.
MARK_LABELS = (150, 170)
POINT_ROWS = {Kind.CONTACT: 210, Kind.DECISION: 232, Kind.STRATEGY: 254}
AXIS = 274
HEIGHT = 320


def text_width(text: str) -> float:
    return len(text) * FONT * CHAR


@dataclass
class Shape:
    x: float
    width: float = 0
    label: str = ""
    label_x: float = 0
    label_y: float = 0
    style: str = ""
    y: float = 0


@dataclass
class Drawing:
    prefix: str
    width: int
    height: int = HEIGHT
    bands: list[Shape] = field(default_factory=list)
    marks: list[Shape] = field(default_factory=list)
    points: list[Shape] = field(default_factory=list)
    ticks: list[Shape] = field(default_factory=list)
    years: list[Shape] = field(default_factory=list)
    band_y: tuple = BAND
    mark_y: tuple = MARK
    axis_y: int = AXIS
    lanes: list[Shape] = field(default_factory=list)


def draw(
    events: list[Event],
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    width: int,
    prefix: str,
) -> Drawing:
    """Where each event goes in a drawing `width` units wide; a label only where it fits
    without running into another."""
    span = (end - start).total_seconds()

    def x(when: dt.datetime) -> float:
        # Inset by EDGE, so a point or a mark at either end is drawn whole.
        when = min(max(when, start), end)
        return round(EDGE + (when - start).total_seconds() / span * (width - 2 * EDGE), 1)

    drawing = Drawing(prefix=prefix, width=width)
    drawing.lanes = [
        Shape(x=0, y=LANE_TOP["placements"] + 18, label="Placements"),
        Shape(x=0, y=LANE_TOP["missing"] + 16, label="Missing episodes"),
        Shape(x=0, y=LANE_TOP["points"] + 14, label="Contacts, decisions, discussions"),
    ]
    placements = [e for e in events if e.kind == Kind.PLACEMENT]
    for number, event in enumerate(placements):
        left, right = x(event.start), x(event.end or min(now, end))
        band = Shape(x=left, width=max(right - left, 2), style="ab"[number % 2])
        if text_width(event.title) + 2 * GAP <= band.width:
            band.label, band.label_x = event.title, left + GAP
        drawing.bands.append(band)
    # The newest episodes are labelled first: where the child is now matters most.
    taken: dict[int, list[tuple[float, float]]] = {row: [] for row in MARK_LABELS}
    for event in reversed([e for e in events if e.kind == Kind.MISSING]):
        left, right = x(event.start), x(event.end or min(now, end))
        mark = Shape(x=left, width=max(right - left, 3), style="ongoing" if event.ongoing else "")
        where = max(min(left, width - text_width(event.title)), 0)
        room = (where - GAP, where + text_width(event.title) + GAP)
        for row, used in taken.items():
            if all(room[1] <= a or room[0] >= b for a, b in used):
                mark.label, mark.label_x, mark.label_y = event.title, where, row
                used.append(room)
                break
        drawing.marks.insert(0, mark)
    for event in events:
        if event.kind in POINT_ROWS:
            drawing.points.append(
                Shape(x=x(event.start), y=POINT_ROWS[event.kind], style=event.kind)
            )
    _axis(drawing, start, end, x)
    return drawing


def _axis(drawing: Drawing, start: dt.datetime, end: dt.datetime, x) -> None:
    """Month ticks, labelled every month or every few, as room allows; the year under the
    first label and under each January."""
    first = uk_time.local(start).date()
    month = dt.date(first.year, first.month, 1)
    if month < first:
        month = months_before(month, -1)
    months = []
    while _moment(month) <= end:
        months.append(month)
        month = months_before(month, -1)
    room = drawing.width / max(len(months), 1)
    step = next((s for s in (1, 2, 3, 6, 12) if room * s >= text_width("Sep") + GAP), 24)
    labelled = [m for m in months if (m.month - 1) % step == 0] if step <= 12 else months[:1]
    for month in months:
        tick = Shape(x=x(_moment(month)))
        if month in labelled and tick.x + text_width("Sep") <= drawing.width:
            tick.label, tick.label_x = f"{month:%b}", tick.x + 3
        drawing.ticks.append(tick)
    year_end = -GAP
    for tick, month in zip(drawing.ticks, months, strict=True):
        if tick.label and (month == labelled[0] or month.month == 1) and tick.x >= year_end + GAP:
            drawing.years.append(Shape(x=tick.x, label=str(month.year), label_x=tick.x + 3))
            year_end = tick.x + text_width("2026")

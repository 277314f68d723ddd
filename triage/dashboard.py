"""The MASH dashboard's figures, as selectors (the side lists are in triage.selectors).

Every figure is an aggregate query on the MASH's own data (its contacts and the checks it
asked), or on the cases its agency may see: nothing about a child whose case the agency
cannot open is counted or listed. Days and weeks are local (Europe/London) days, truncated
in the database with the local time zone, so a contact at 00:30 BST counts on its own day.

The charts are drawn on the server as SVG (no script, nothing inline for the CSP to refuse):
`bar_chart` and `column_chart` turn figures into shapes the templates draw.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
)
from django.db.models.functions import Extract, TruncDate, TruncWeek
from django.utils import timezone

from people.models import Person
from triage.models import Contact, PartnerCheck, Rag
from triage.selectors import episodes_answered_for

DAYS = 30
WEEKS = 12


class Median(Aggregate):
    """PostgreSQL's continuous median: percentile_cont(0.5) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


def _hours(start: str, end: str):
    """Hours from one field to another, as a number (PostgreSQL EXTRACT(EPOCH ...)/3600)."""
    return (
        Extract(ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch")
        / 3600.0
    )


# --- the figures -----------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def contacts_per_day(person: Person, today: dt.date) -> list[tuple[dt.date, int]]:
    """Contacts received by the MASH on each of the last 30 local days, today included."""
    first = today - dt.timedelta(days=DAYS - 1)
    counts = dict(
        Contact.objects.filter(mash_id=person.agency_id, received_at__gte=_local_midnight(first))
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [(day, counts.get(day, 0)) for day in _days(first, DAYS)]


def _days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range(count)]


def decisions_by_outcome(person: Person, since: dt.datetime) -> list[tuple[str, str, int]]:
    """Each outcome (value, label, count) of the MASH's decisions since `since`."""
    counts = dict(
        Contact.objects.filter(mash_id=person.agency_id, decided_at__gte=since)
        .values("decision")
        .annotate(n=Count("id"))
        .values_list("decision", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in Contact.Decision.choices]


@dataclass
class Timeliness:
    rag: str
    label: str
    decided: int
    within: int
    median_hours: float | None

    @property
    def within_percent(self) -> int | None:
        return round(100 * self.within / self.decided) if self.decided else None


def time_to_decision(person: Person, since: dt.datetime) -> list[Timeliness]:
    """Per RAG rating, the contacts decided since `since`: how many, the median hours from
    receipt to decision, and how many were decided by their due time (the RAG target)."""
    rows = {
        row["rag"]: row
        for row in Contact.objects.filter(
            mash_id=person.agency_id, decided_at__gte=since, state=Contact.State.DECIDED
        )
        .values("rag")
        .annotate(
            decided=Count("id"),
            within=Count("id", filter=Q(decided_at__lte=F("due_at"))),
            median=Median(_hours("received_at", "decided_at")),
        )
    }
    return [
        Timeliness(
            rag=value,
            label=label,
            decided=rows.get(value, {}).get("decided", 0),
            within=rows.get(value, {}).get("within", 0),
            median_hours=rows.get(value, {}).get("median"),
        )
        for value, label in Rag.choices
    ]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def missing_per_week(person: Person, today: dt.date) -> list[tuple[dt.date, int]]:
    """Missing episodes reported in each of the last 12 local weeks (Monday first), in the
    authority's scope (area_episodes: returned episodes included)."""
    first = _monday(today) - dt.timedelta(weeks=WEEKS - 1)
    counts = {
        week.date() if isinstance(week, dt.datetime) else week: n
        for week, n in episodes_answered_for(person)
        .filter(reported_at__gte=_local_midnight(first))
        .annotate(week=TruncWeek("reported_at", tzinfo=timezone.get_current_timezone()))
        .values("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    }
    weeks = [first + dt.timedelta(weeks=n) for n in range(WEEKS)]
    return [(week, counts.get(week, 0)) for week in weeks]


@dataclass
class CheckTimes:
    agency: str
    asked: int
    answered: int
    on_time: int
    overdue: int
    median_hours: float | None

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.answered) if self.answered else None


def check_response_times(person: Person, since: dt.datetime, now: dt.datetime) -> list[CheckTimes]:
    """Per partner agency, the checks this MASH asked since `since`: how many asked and
    answered, the median hours to answer, how many answers came by the due time (of those
    answered), and how many are unanswered past their due time now."""
    rows = (
        PartnerCheck.objects.filter(contact__mash_id=person.agency_id, requested_at__gte=since)
        .values("agency__name")
        .annotate(
            asked=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            on_time=Count("id", filter=Q(answered_at__lte=F("due_at"))),
            overdue=Count("id", filter=PartnerCheck.overdue_q(now)),
            median=Median(_hours("requested_at", "answered_at")),
        )
        .order_by("agency__name")
    )
    return [
        CheckTimes(
            agency=row["agency__name"],
            asked=row["asked"],
            answered=row["answered"],
            on_time=row["on_time"],
            overdue=row["overdue"],
            median_hours=row["median"],
        )
        for row in rows
    ]


# --- charts ----------------------------------------------------------------------------------

LABEL_CHARACTERS = 36  # what fits left of a horizontal bar
COLOURS = {"red": "#d4351c", "amber": "#f47738", "green": "#00703c", "": "#1d70b8"}
BLUE = "#1d70b8"


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    colour: str = BLUE
    show_label: bool = True
    label_x: float = 0
    label_y: float = 0
    text_x: float = 0
    text_y: float = 0


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    axis: dict = field(default_factory=dict)
    ticks: list[dict] = field(default_factory=list)
    empty: bool = False


def _scale_max(values: list[float]) -> float:
    top = max(values, default=0)
    if top <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top <= step * 4:
            return step * 4 if top > step * 2 else step * 2 if top > step else step
    return top


def column_chart(
    title: str, description: str, bars: list[Bar], *, label_every: int = 1, y_label: str = ""
) -> Chart:
    """Vertical columns with the value above each and labels under every `label_every`th."""
    left, right, top, bottom = 48, 8, 24, 56
    width = max(320, left + right + 24 * len(bars))
    height = 260
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _scale_max([b.value for b in bars])
    slot = plot_w / max(len(bars), 1)
    for n, bar in enumerate(bars):
        bar.height = round(plot_h * bar.value / top_value, 1)
        bar.width = round(slot * 0.7, 1)
        bar.x = round(left + slot * n + slot * 0.15, 1)
        bar.y = round(top + plot_h - bar.height, 1)
        bar.text_x = round(bar.x + bar.width / 2, 1)
        bar.text_y = round(bar.y - 4, 1)
        bar.label_x = bar.text_x
        bar.label_y = top + plot_h + 16
        bar.show_label = n % label_every == 0 or n == len(bars) - 1
    ticks = [
        {"y": round(top + plot_h - plot_h * part / 2, 1), "text": _number(top_value * part / 2)}
        for part in (0, 1, 2)
    ]
    return Chart(
        title=title, description=description, width=width, height=height, bars=bars,
        axis={"x1": left, "x2": width - right, "y": top + plot_h, "top": top, "left": left,
              "label": y_label, "label_y": height - 8, "middle": left + plot_w / 2},
        ticks=ticks, empty=not any(b.value for b in bars),
    )  # fmt: skip


def bar_chart(title: str, description: str, bars: list[Bar], *, max_value: float | None = None):
    """Horizontal bars, a label to the left of each and its value to the right."""
    label_w, right, row = 260, 120, 32
    width = 640
    height = max(row * len(bars) + 16, 48)
    plot_w = width - label_w - right
    top_value = max_value or _scale_max([b.value for b in bars])
    for n, bar in enumerate(bars):
        if len(bar.label) > LABEL_CHARACTERS:  # in full in the table below the chart
            bar.label = bar.label[: LABEL_CHARACTERS - 1].rstrip() + "…"
        bar.x = label_w
        bar.y = 8 + row * n
        bar.height = row - 10
        bar.width = round(plot_w * min(bar.value, top_value) / top_value, 1)
        bar.label_x = label_w - 8
        bar.label_y = bar.y + bar.height / 2 + 5
        bar.text_x = round(label_w + bar.width + 6, 1)
        bar.text_y = bar.label_y
    return Chart(
        title=title, description=description, width=width, height=height, bars=bars,
        axis={"x": label_w, "top": 4, "bottom": height - 4},
        empty=not any(b.value for b in bars),
    )  # fmt: skip


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "–"
    return f"{hours:.1f} hours"


# --- everything the dashboard shows ----------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """A count per day or week, summed up in words: the dashboard shows the chart, this
    summary, and a table of only the days or weeks that had any (a 30-row table that is
    mostly zeros hides the few numbers that matter; the zeros are said in the caption)."""

    rows: list[tuple[dt.date, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.rows)

    @property
    def nonzero(self) -> list[tuple[dt.date, int]]:
        return [(when, n) for when, n in self.rows if n]

    @property
    def busiest(self) -> tuple[dt.date, int] | None:
        """The day or week with the most (the latest of equals), or None if all are 0."""
        found = max(self.rows, key=lambda row: (row[1], row[0]), default=None)
        return found if found and found[1] else None

    @property
    def average(self) -> float:
        return self.total / len(self.rows) if self.rows else 0.0


def figures(person: Person, now: dt.datetime | None = None) -> dict:
    """The dashboard's figures and its charts, in five queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = _local_midnight(today - dt.timedelta(days=DAYS - 1))
    per_day = contacts_per_day(person, today)
    outcomes = decisions_by_outcome(person, since)
    timeliness = time_to_decision(person, since)
    per_week = missing_per_week(person, today)
    checks = check_response_times(person, since, now)
    charts = {
        "per_day": column_chart(
            "Contacts received per day",
            f"Contacts received each day from {per_day[0][0]:%d %B} to {per_day[-1][0]:%d %B %Y}",
            [Bar(f"{day:%d %b}", n, str(n)) for day, n in per_day],
            label_every=5,
            y_label="Day received",
        ),
        "outcomes": bar_chart(
            "Decisions by outcome",
            "How many contacts were decided with each outcome in the last 30 days",
            [Bar(label, n, str(n)) for _, label, n in outcomes],
        ),
        "timeliness": bar_chart(
            "Decisions within the RAG target",
            "Percentage of contacts decided by their due time, for each RAG rating",
            [
                Bar(
                    f"{row.label} ({row.decided} decided)",
                    row.within_percent or 0,
                    f"{row.within_percent}%" if row.decided else "none decided",
                    colour=COLOURS[row.rag],
                )
                for row in timeliness
            ],
            max_value=100,
        ),
        "per_week": column_chart(
            "Missing episodes per week",
            f"Missing episodes reported each week from the week of {per_week[0][0]:%d %B}",
            [Bar(f"{week:%d %b}", n, str(n)) for week, n in per_week],
            label_every=2,
            y_label="Week beginning",
        ),
        "checks": bar_chart(
            "Median hours for partners to answer",
            "Median hours from a check being asked to its answer, for each partner agency",
            [
                Bar(row.agency, row.median_hours or 0, hours_text(row.median_hours))
                for row in checks
            ],
        ),
    }
    return {
        "since": since,
        "today": today,
        "per_day": per_day,
        "per_day_series": Series(per_day),
        "contacts_total": sum(n for _, n in per_day),
        "outcomes": outcomes,
        "decisions_total": sum(n for _, _, n in outcomes),
        "timeliness": timeliness,
        "per_week": per_week,
        "per_week_series": Series(per_week),
        "missing_total": sum(n for _, n in per_week),
        "checks": checks,
        "charts": charts,
    }

"""Working days: weekends, the bank holidays of an agency's nation, and its own closure days.

A deadline counted in working days follows the calendar of the agency that must act: a
MASH in Scotland does not work on 2 January, a trust closed on Christmas Eve does not
answer then. Bank holidays come from the `holidays` package (pinned in pyproject.toml),
which ships the rules and the one-off days (a coronation, a state funeral) as code, so
nothing is fetched at run time. Closure days are added by each agency's admin
(`people.models.ClosureDay`).

Times are UK local (Europe/London): "two working days" keeps the wall-clock time of day,
whatever clock change lies between.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db import models
from django.utils import timezone


class Nation(models.TextChoices):
    """The nations with their own bank holidays (codes as ISO 3166-2:GB subdivisions)."""

    ENGLAND = "ENG", "England"
    WALES = "WLS", "Wales"
    SCOTLAND = "SCT", "Scotland"
    NORTHERN_IRELAND = "NIR", "Northern Ireland"


# The first letter of an ONS area code names its nation (E10000020 is Norfolk, England).
ONS_NATIONS = {
    "E": Nation.ENGLAND,
    "W": Nation.WALES,
    "S": Nation.SCOTLAND,
    "N": Nation.NORTHERN_IRELAND,
}


def nation_of(ons_codes: Iterable[str]) -> str:
    """The nation of these areas: the one most of them are in, England if none say."""
    counts: dict[str, int] = {}
    for code in ons_codes:
        nation = ONS_NATIONS.get(code[:1].upper())
        if nation is not None:
            counts[nation] = counts.get(nation, 0) + 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else Nation.ENGLAND


@lru_cache(maxsize=64)
def bank_holidays(nation: str, year: int) -> dict[dt.date, str]:
    """The nation's bank holidays in a year, by date, with their names."""
    found = holidays.country_holidays("GB", subdiv=nation, years=year)
    return {day: name for day, name in sorted(found.items())}


@dataclass(frozen=True)
class Skipped:
    """A weekday that was not a working day, and why."""

    day: dt.date
    reason: str
    bank_holiday: bool


@dataclass(frozen=True)
class Calendar:
    """One agency's working days."""

    nation: str = Nation.ENGLAND
    closures: dict[dt.date, str] = field(default_factory=dict)

    def closed(self, day: dt.date) -> Skipped | None:
        """Why a weekday is not a working day (None if it is one, or is a weekend day)."""
        if day.weekday() >= 5:
            return None
        holiday = bank_holidays(self.nation, day.year).get(day)
        if holiday is not None:
            return Skipped(day, holiday, bank_holiday=True)
        closure = self.closures.get(day)
        if closure is not None:
            return Skipped(day, closure, bank_holiday=False)
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and self.closed(day) is None

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The same local time of day `days` working days after `start`.

        A time the clocks skip that day (01:30 on the last Sunday of March) cannot be a
        working day's deadline in practice; it would read as the hour after.
        """
        local = timezone.localtime(start)
        day = local.date()
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
        return timezone.make_aware(naive, timezone.get_current_timezone())

    def skipped(self, start: dt.datetime, due: dt.datetime) -> list[Skipped]:
        """The weekdays after `start`, up to `due`, that were not working days."""
        first = timezone.localtime(start).date() + dt.timedelta(days=1)
        last = timezone.localtime(due).date()
        found = []
        day = first
        while day <= last:
            closed = self.closed(day)
            if closed is not None:
                found.append(closed)
            day += dt.timedelta(days=1)
        return found

    def moved_by(self, start: dt.datetime, due: dt.datetime) -> str:
        """Why a deadline is later than weekdays alone would make it, in words ("" if not):
        "25 and 28 December are bank holidays; 24 December is a closure day"."""
        skipped = self.skipped(start, due)
        parts = []
        holidays_ = [s.day for s in skipped if s.bank_holiday]
        closures = [s.day for s in skipped if not s.bank_holiday]
        if holidays_:
            parts.append(f"{_days(holidays_)} {_are(holidays_)} bank {_noun(holidays_, 'holiday')}")
        if closures:
            parts.append(f"{_days(closures)} {_are(closures)} {_noun(closures, 'closure day')}")
        return "; ".join(parts)


def _are(days: list[dt.date]) -> str:
    return "is a" if len(days) == 1 else "are"


def _noun(days: list[dt.date], noun: str) -> str:
    return noun if len(days) == 1 else f"{noun}s"


def _days(days: list[dt.date]) -> str:
    """ "25 and 28 December", "31 December and 1 January", "25, 28 and 29 December"."""
    words = []
    for i, day in enumerate(days):
        following = days[i + 1] if i + 1 < len(days) else None
        same_month = following is not None and (following.year, following.month) == (
            day.year,
            day.month,
        )
        words.append(str(day.day) if same_month else f"{day.day} {day:%B}")
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"

"""Where higher layers take part in what `cases` does, without `cases` importing them.

A lower layer never imports a higher one (DESIGN.md, Layers). When a case is opened, the
agencies that must see it are given access by `sharing`; the case page shows what higher
apps add (the reader's own emergency access: `sharing`), and the "At a glance" flags of a
case come from several apps (cases.flags: `missing`, `notifications`, `triage`). The
case's other sections are pages of their own apps (placement and missing: `missing`;
access and activity: `reports`), and the child's journey (cases.journey) draws the
placements and missing episodes `missing` gives it. Each higher app registers its part
here from its `AppConfig.ready()`; `cases` calls whatever is registered, in that order.
"""

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from cases.flags import Flag, sorted_flags
from cases.models import Case
from people.models import Person

# handler(person, case): inside `open_case`'s transaction, after the case exists.
CaseOpenedHandler = Callable[..., None]
# provider(person, case, *, may_manage) -> extra template context for the case page.
CasePageContext = Callable[..., dict[str, Any]]
# provider(person, cases, *, brief) -> {case id: [Flag, ...]} for cases the person may see;
# with brief=True only the flags shown in lists, without detail or url (cases.flags.list_flag).
CaseFlagsProvider = Callable[..., dict[int, list[Flag]]]
# provider(person, case, *, start, end, now) -> list of cases.journey.Event in that time.
JourneyEvents = Callable[..., list]

# handler(kind, case_ids, subject_id, what): inside the transaction of what raised it.
ConcernHandler = Callable[[str, list[int], int, str], None]

_case_opened: list[CaseOpenedHandler] = []
_concerns: list[ConcernHandler] = []
_case_page: list[CasePageContext] = []
_case_flags: list[CaseFlagsProvider] = []
_journey: list[JourneyEvents] = []


def on_case_opened(handler: CaseOpenedHandler) -> CaseOpenedHandler:
    """Call `handler(person, case)` whenever a case is opened (once per handler)."""
    if handler not in _case_opened:
        _case_opened.append(handler)
    return handler


def case_opened(person: Person, case: Case) -> None:
    """Run the registered handlers; `open_case` calls this in its transaction."""
    for handler in _case_opened:
        handler(person, case)


def on_concern_raised(handler: ConcernHandler) -> ConcernHandler:
    """Call `handler(kind, case_ids, subject_id, what)` whenever something raises a concern
    about children that an exploitation meeting should hear of (meetings proposes it for
    its area's next MACE): a repeat-missing alert (`missing`), a risk level raised
    (`cases.assessments`), a match between cases (`links`)."""
    if handler not in _concerns:
        _concerns.append(handler)
    return handler


def concern_raised(kind: str, case_ids: list[int], subject_id: int, what: str) -> None:
    """Run the registered handlers. `what` names no child: it may reach people who do not
    see the cases."""
    for handler in _concerns:
        handler(kind, case_ids, subject_id, what)


def add_case_page_context(provider: CasePageContext) -> CasePageContext:
    """Let `provider(person, case, may_manage=...)` add to the case page's context."""
    if provider not in _case_page:
        _case_page.append(provider)
    return provider


def case_page_context(person: Person, case: Case, *, may_manage: bool) -> dict[str, Any]:
    """What the registered providers add to the case page.

    Two providers naming the same key is a mistake that would show one panel's data under
    the other's heading: it fails loudly instead. Each provider reads in a constant number
    of queries (the case page's query count must not grow with the case).
    """
    context: dict[str, Any] = {}
    for provider in _case_page:
        extra = provider(person, case, may_manage=may_manage)
        if clash := context.keys() & extra.keys():
            raise ValueError(f"Case page context {provider!r} repeats keys {sorted(clash)}")
        context |= extra
    return context


def add_case_flags(provider: CaseFlagsProvider) -> CaseFlagsProvider:
    """Let `provider(person, cases, brief=...)` add flags to cases (the strip, and tags in
    lists)."""
    if provider not in _case_flags:
        _case_flags.append(provider)
    return provider


def case_flags(
    person: Person,
    cases,
    *,
    leaving_out: Collection[CaseFlagsProvider] = (),
    brief: bool = False,
) -> dict[int, list[Flag]]:
    """Every registered provider's flags for many cases at once, each case's in order.

    The caller passes only cases the person may see (fetched through `cases.selectors`);
    each provider narrows to what the person's agency may see of them (their own
    notifications, contacts and checks) and reads in a constant number of queries
    whatever the number of cases, so a list of 25 costs what one case page costs.

    `brief=True` is for lists, which show a tag's words and colour and nothing else: each
    provider gives only its `in_lists` flags, with no detail or url, and may read less to
    do so (cases.flags.list_flag). What a list shows is the same either way.
    """
    cases = list(cases)
    flags: dict[int, list[Flag]] = {case.pk: [] for case in cases}
    if not cases:
        return flags
    for provider in _case_flags:
        if provider in leaving_out:  # a page that shows those flags its own way
            continue
        for case_id, extra in provider(person, cases, brief=brief).items():
            flags[case_id].extend(extra)
    return {case_id: sorted_flags(found) for case_id, found in flags.items()}


def add_journey_events(provider: JourneyEvents) -> JourneyEvents:
    """Let `provider(person, case, start=..., end=..., now=...)` add events to the child's
    journey (cases.journey): only what the person may see on the chronology."""
    if provider not in _journey:
        _journey.append(provider)
    return provider


def journey_events(
    person: Person, case: Case, *, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list:
    """The registered providers' events between `start` and `end`, each provider in a
    constant number of queries."""
    return [
        event
        for provider in _journey
        for event in provider(person, case, start=start, end=end, now=now)
    ]

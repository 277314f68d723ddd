"""Sections of the case page that higher layers fill, without `cases` importing them.

`cases` sits below `missing` (DESIGN.md, Layers), yet the case page shows the child's
current placement and missing episodes. So the case page offers this registry: an app
above registers a context function in its AppConfig.ready(), and the case page calls
every registered one, adding what it returns to the template's context. The template
decides where it shows; the panel decides what is read, in a constant number of queries
(the case page's query count must not grow with the case).
"""

from collections.abc import Callable

from cases.models import Case
from people.models import Person

PanelContext = Callable[[Case, Person], dict]

_panels: dict[str, PanelContext] = {}


def register(name: str, context: PanelContext) -> None:
    """Add the panel `name`; registering a name again replaces it (ready() may run twice)."""
    _panels[name] = context


def registered() -> list[str]:
    """The names of the panels registered, in the order they were first registered."""
    return list(_panels)


def context_for(case: Case, person: Person) -> dict:
    """Every panel's extra context for this case, as `person` sees it.

    Two panels naming the same key is a mistake that would show one panel's data under
    the other's heading: it fails loudly instead.
    """
    extra: dict = {}
    for name, panel in _panels.items():
        context = panel(case, person)
        if clash := extra.keys() & context.keys():
            raise ValueError(f"Case page panel {name!r} repeats context keys {sorted(clash)}")
        extra |= context
    return extra

"""The "Recent activity" section of a case's "Access and activity" page (reports/templates/
reports/case_access.html): who has been reading and changing the case, for those who
manage it.

The page reads it after recording its own read, so the list includes the read that shows
it. One query, whatever the log holds.
"""

from cases.models import Case
from people.models import Person
from reports import events

RECENT_ACTIVITY = 10


def recent_activity(person: Person, case: Case, *, may_manage: bool) -> dict:
    """The newest events about the case, each with the basis it was read under.

    Only for those who manage the case (its access history is theirs to read); others get
    an empty list and the page shows no section.
    """
    if not may_manage:
        return {"recent_activity": []}
    recent = list(events.case_events([case.pk])[:RECENT_ACTIVITY])
    for event in recent:
        event.under = events.under(event)
    return {"recent_activity": recent}

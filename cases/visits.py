"""Where a reader got to on a case, so what others recorded since their last visit is
flagged wherever it sits in the chronology (an entry recorded late lands on an old page).

A visit is a run of reads of the case page with no gap longer than VISIT_GAP: paging
through the chronology, or going to add an entry and coming back, keeps the same "since".
The gap is the idle sign-out (SESSION_IDLE_MINUTES): signing in again starts a new visit.
"""

import datetime as dt

from django.conf import settings
from django.db import connection

from cases.models import Case
from people.models import Person

VISIT_GAP = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)


def visit(person: Person, case: Case, now: dt.datetime) -> dt.datetime | None:
    """Note that the person is reading the case at `now`; return when their previous visit
    ended (None on their first). One statement (on cases.Visit's table), safe when two tabs
    read at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO cases_visit AS v (person_id, case_id, seen_at, previous_at)
            VALUES (%(person)s, %(case)s, %(now)s, NULL)
            ON CONFLICT (person_id, case_id) DO UPDATE SET
                previous_at = CASE WHEN EXCLUDED.seen_at - v.seen_at > %(gap)s
                                   THEN v.seen_at ELSE v.previous_at END,
                seen_at = GREATEST(v.seen_at, EXCLUDED.seen_at)
            RETURNING previous_at
            """,
            {"person": person.pk, "case": case.pk, "now": now, "gap": VISIT_GAP},
        )
        return cursor.fetchone()[0]

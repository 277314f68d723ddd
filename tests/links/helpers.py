"""Recording links in tests as a person would, with when and how it was learned."""

import datetime as dt

from links.services import record_link

LEARNED = {"learned_on": dt.date(2026, 11, 30), "learned_how": "sighting", "restricted": False}


def link(person, case, kind, **written):
    """`link(person, case, "vehicle", registration="AB12 CDE", restricted=True)`."""
    more = {k: written.pop(k) for k in ("restricted", "learned_how") if k in written}
    return record_link(person, case, kind=kind, written=written, **(LEARNED | more))

"""Logging filters: no query string reaches a log (SECURITY.md, logs and error pages).

A query can hold a child's name or NHS number. The production access log (gunicorn) is
configured without it (safeguarding/gunicorn_conf.py); this does the same for runserver's
request log (the `django.server` logger) used by the development stack.
"""

import logging
import re

# "GET /children/?name=x HTTP/1.1" -> "GET /children/ HTTP/1.1"
_QUERY = re.compile(r"^(\S+ [^?\s]*)\?\S*")


def without_query(text: str) -> str:
    """A request line with its query string (if any) removed."""
    return _QUERY.sub(r"\1", text)


class DropQueryStrings(logging.Filter):
    """Cuts the query string from the request line runserver logs (its first argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (without_query(record.args[0]), *record.args[1:])
        elif isinstance(record.msg, str) and not record.args:
            record.msg = without_query(record.msg)
        return True

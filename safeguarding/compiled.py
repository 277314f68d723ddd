"""Queries compiled once per process, run with the clock of each request.

Building a large ORM query costs far more Python than PostgreSQL spends running it: the
triage screen's counts are one statement of scalar subqueries that runs in 4.5 ms and
took 12 ms to build and compile on every request (issue 18). Where a query's shape depends
only on a few values known up front (an agency's id, a role) and on "now", it can be
compiled once for those values and run again with every time shifted to the new "now".

That holds only if every datetime parameter of the query is "now" moved by a fixed amount,
which is what `CompiledQuery` assumes and what each use's test checks: the SQL and the
parameters it produces for a later clock are exactly those of a fresh build at that clock
(tests/project/test_compiled.py and the use's own test). Anything that is not a datetime
(ids, states, codenames) is kept as it was compiled, so `key` must name everything the
query was built from other than the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from django.db import connections
from django.db.models import QuerySet

KEPT = 1024  # shapes kept per query: one per agency (and role), far more than a server meets


class CompiledQuery:
    """`build(now)` compiled once per `key`, then run with its times moved to each `now`."""

    def __init__(self, name: str, kept: int = KEPT):
        self.name = name
        self.kept = kept
        self._compiled: OrderedDict[Hashable, tuple[str, tuple, dt.datetime, str]] = OrderedDict()
        self._lock = Lock()

    def sql(
        self, key: Hashable, build: Callable[[dt.datetime], QuerySet], now: dt.datetime
    ) -> tuple[str, tuple, str]:
        """The statement and its parameters for `now`, and the database alias to run it on."""
        with self._lock:
            compiled = self._compiled.get(key)
            if compiled is not None:
                self._compiled.move_to_end(key)
        if compiled is None:
            queryset = build(now)
            sql, params = queryset.query.sql_with_params()
            compiled = (sql, tuple(params), now, queryset.db)
            with self._lock:
                self._compiled[key] = compiled
                while len(self._compiled) > self.kept:
                    self._compiled.popitem(last=False)
        sql, params, compiled_at, alias = compiled
        shift = now - compiled_at
        moved = tuple(p + shift if isinstance(p, dt.datetime) else p for p in params)
        return sql, moved, alias

    def rows(
        self, key: Hashable, build: Callable[[dt.datetime], QuerySet], now: dt.datetime
    ) -> list[tuple]:
        sql, params, alias = self.sql(key, build, now)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def forget(self) -> None:
        """Drop every compiled shape (tests that change what a key stands for)."""
        with self._lock:
            self._compiled.clear()

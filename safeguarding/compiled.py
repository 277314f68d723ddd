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
query was built from other than the clock and its slots.

A `Slot` is a value given afresh on every run, such as the cases of the page being drawn:
`build` is handed a `Slot` in its place and puts it where the value goes, usually as
`field__any=slot` (one array parameter, `field = ANY(%s)`, so the statement is the same
for any number of ids; `__in` writes one placeholder per id), or `field__equal_to=slot` for
one value. A plain `field=slot` is
refused as the query is built, because the field checks the value it is given: a single value
that shapes the query (the reader's agency) belongs in the key. A date that is not a
datetime does not move with the clock, so compiling refuses one: pass it as a slot.

`objects` gives model instances, with their `select_related` rows and annotations, as the
queryset would (the cases' flags, issue 18); `rows` gives tuples.

A query compiled with `generic=True` is also planned once per database connection: it is
sent as a prepared statement, and the connection's `plan_cache_mode` is
`force_generic_plan` (settings.DATABASES), which touches nothing else because nothing else
prepares statements. PostgreSQL then skips parsing and planning on every later run, which
on a case page cost more than running its statements (2.2 ms of planning against 0.7 ms of
execution, bench/README.md). Only for statements whose best plan does not depend on their
values: one case or a page's case ids, an agency's own rows by key. A statement whose plan
turns on the values (the triage screen's counts, which cannot see which agency or hour)
keeps being planned for each run: generic plans made that one 300 ms.

Unless it is compiled with `written_in=True` as well: then every value the key fixes (the
agency's id, its area codes, a filter's value) is written into the statement as a literal
once, as it is compiled, and only the times and the slots stay parameters. Each key is then
its own prepared statement on a connection, planned once with the agency in view, so the
plan fits that agency's rows; the times are what the plan does not see, which is safe where
they only bound "recent" or "overdue" against an index the agency's own values pick. The
triage screen's counts took 5.5 ms planned on each run and 2.3 ms so (issue 18, the ninth
session). A connection keeps at most PREPARED_KEPT statements, dropping the least recently
run, since each key of each such query is one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
from threading import Lock

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Field, ForeignObject, Lookup, Model, QuerySet, prefetch_related_objects
from django.db.models.query import get_related_populators

KEPT = 1024  # shapes kept per query: one per agency (and role), far more than a server meets


class Slot:
    """Where a value given on each run goes in a compiled query (see the module's doc)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class _AsGiven(Lookup):
    """A lookup whose value goes into the statement as one parameter, as given: not checked
    or converted by the field as the query is built, so it can be a Slot."""

    prepare_rhs = False
    operator = ""  # the SQL after the column, its one placeholder included

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} {self.operator}", [*lhs_params, self.rhs]


class AnyOf(_AsGiven):
    """`field__any=values`: `field = ANY(%s)` with the list as one parameter, so the
    statement's text does not change with the number of values."""

    lookup_name = "any"
    operator = "= ANY(%s)"


class EqualTo(_AsGiven):
    """`field__equal_to=slot`: `field = %s` with the value given on each run (a plain
    `field=slot` is refused): one case's id, say, for a query that is the same for every
    case."""

    lookup_name = "equal_to"
    operator = "= %s"


class Like(_AsGiven):
    """`field__like=slot`: `field LIKE %s` with the pattern given on each run, its `%`, `_`
    and `\\` escaped by the caller as it means them (Django's `contains` wraps and escapes
    a value as the query is built, which a slot cannot be)."""

    lookup_name = "like"
    operator = "LIKE %s"


for _lookup in (AnyOf, EqualTo, Like):
    Field.register_lookup(_lookup)
    ForeignObject.register_lookup(_lookup)  # `case_id__any`, `episode__case_id__any`


# The statements each open database connection has prepared, by the driver's connection
# object (a new connection starts with none), least recently run first. None: an error left
# it unknown which exist, so that connection runs every statement unprepared until it is
# replaced.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
PREPARED_KEPT = 128  # a connection's prepared statements: the queue's holds 0.4 MB of plan
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> str:
    """`sql` with its placeholders numbered for PREPARE ($1, $2...); a literal %% stays
    escaped, for the driver still formats the whole text."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group(0) == "%%":
            return "%%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def _written_in(cursor, sql: str, params: tuple) -> tuple[str, tuple[int, ...]]:
    """`sql` with every parameter that is neither a time nor a slot written in as the
    literal the driver would send (so escaped as it escapes), and the positions of the
    parameters left: the statement a `written_in` query prepares for its key."""
    kept: list[int] = []
    position = 0

    def write(match: re.Match) -> str:
        nonlocal position
        if match.group(0) == "%%":
            return "%%"
        param = params[position]
        position += 1
        if isinstance(param, Slot | dt.datetime):
            kept.append(position - 1)
            return "%s"
        return cursor.mogrify("%s", [param]).decode().replace("%", "%%")

    return _PLACEHOLDER.sub(write, sql), tuple(kept)


_BIGINT = range(-(2**63), 2**63)


def _typed_alike(params: tuple) -> bool:
    """Whether every whole number fits PostgreSQL's bigint. A prepared statement's
    parameter has its column's type, so a larger id (a URL's, say) would be an error there,
    where the same value written into the statement is only a number no row has."""
    for param in params:
        values = param if isinstance(param, list | tuple) else (param,)
        if any(isinstance(value, int) and value not in _BIGINT for value in values):
            return False
    return True


def statement_name(sql: str) -> str:
    """The name `sql` is prepared under on each connection: the same on every process."""
    return "cq_" + hashlib.blake2b(sql.encode(), digest_size=12).hexdigest()


def _execute(cursor, sql: str, params: tuple, generic: bool) -> None:
    """Run `sql`; if `generic`, as this connection's prepared statement, prepared in the same
    round trip as its first run (so a page sends as many statements the first time as the
    next; the query-count tests hold either way)."""
    raw = cursor.db.connection if generic and _typed_alike(params) else None
    names = _prepared.setdefault(raw, OrderedDict()) if raw is not None else None
    if names is None:
        cursor.execute(sql, params)
        return
    name = statement_name(sql)
    run = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    if name in names:
        names.move_to_end(name)
        cursor.execute(run, params)
        return
    dropped = ""
    if len(names) >= PREPARED_KEPT:
        dropped = f"DEALLOCATE {names.popitem(last=False)[0]}; "
    try:
        cursor.execute(f"{dropped}PREPARE {name} AS {_numbered(sql)}; {run}", params)
    except BaseException:
        # PREPARE outlives a rollback, so whether it exists is unknown now.
        _prepared[raw] = None
        raise
    names[name] = None


def execute_prepared(cursor, sql: str, params: tuple) -> None:
    """Run a fixed statement of the code's own (`%s` placeholders, no value written in) as
    this connection's prepared statement, planned once without its values: the rule of
    `generic=True` (see the module's doc) for a statement the ORM cannot write."""
    _execute(cursor, sql, params, True)


class _Shape:
    """What turning a compiled query's rows into model instances needs, as ModelIterable
    works it out on every run: worked out once with the statement."""

    def __init__(self, queryset: QuerySet, compiler):
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("A compiled query cannot prefetch: fetch the related rows apart")
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        self.model: type[Model] = klass_info["model"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, queryset.db)
        self.annotations = dict(compiler.annotation_col_map or {})
        self.converters = list(
            compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()
        )


class CompiledQuery:
    """`build(now)` compiled once per `key`, then run with its times moved to each `now`."""

    def __init__(
        self, name: str, kept: int = KEPT, *, generic: bool = False, written_in: bool = False
    ):
        self.name = name
        self.kept = kept
        # Planned once per connection, and with `written_in` once per key and connection,
        # with the key's values in view (see the module's doc).
        self.generic = generic or written_in
        self.written_in = written_in
        # key -> (statement or None when the query can match nothing, parameters, the clock
        # it was compiled at, database alias, _Shape or None, and with `written_in` the
        # statement as prepared and the positions of the parameters it still takes)
        self._compiled: OrderedDict[Hashable, tuple] = OrderedDict()
        self._lock = Lock()

    def _get(
        self, key: Hashable, build: Callable[..., QuerySet], now: dt.datetime, slots, mode: str
    ) -> tuple:
        """The compiled statement of `key` for `mode`: "rows", "objects" (with its _Shape) or
        "count" (the statement `QuerySet.count()` runs)."""
        stored = (mode == "count", key)
        with self._lock:
            compiled = self._compiled.get(stored)
            if compiled is not None:
                self._compiled.move_to_end(stored)
        shaped = mode == "objects"
        if compiled is None or (shaped and compiled[4] is None and compiled[0] is not None):
            queryset = build(now, **{name: Slot(name) for name in slots})
            shape = None
            if mode == "count":
                sql, params = _statement_of(queryset.count, queryset.db)
            else:
                compiler = queryset.query.get_compiler(using=queryset.db)
                try:
                    sql, params = compiler.as_sql()
                except EmptyResultSet:  # .none(), or a filter that can match nothing
                    sql, params = None, ()
                if shaped and sql is not None:
                    shape = _Shape(queryset, compiler)
            for param in params:
                if isinstance(param, dt.date) and not isinstance(param, dt.datetime):
                    raise TypeError(f"{self.name}: a date does not move with the clock: {param}")
            written = None
            if self.written_in and sql is not None:
                with connections[queryset.db].cursor() as cursor:
                    written = _written_in(cursor, sql, params)
            compiled = (sql, tuple(params), now, queryset.db, shape, written)
            with self._lock:
                self._compiled[stored] = compiled
                while len(self._compiled) > self.kept:
                    self._compiled.popitem(last=False)
        return compiled

    @staticmethod
    def _bound(compiled: tuple, now: dt.datetime, slots: dict) -> tuple:
        shift = now - compiled[2]
        return tuple(
            slots[p.name] if isinstance(p, Slot) else p + shift if isinstance(p, dt.datetime) else p
            for p in compiled[1]
        )

    def sql(
        self, key: Hashable, build: Callable[..., QuerySet], now: dt.datetime, **slots
    ) -> tuple[str | None, tuple, str]:
        """The statement and its parameters for `now` and `slots`, and the database alias to
        run it on. The statement is None when the query can match nothing."""
        compiled = self._get(key, build, now, slots, "rows")
        return compiled[0], self._bound(compiled, now, slots), compiled[3]

    def _run(self, cursor, compiled: tuple, now: dt.datetime, slots: dict) -> None:
        params = self._bound(compiled, now, slots)
        if compiled[5] is None:
            _execute(cursor, compiled[0], params, self.generic)
        else:
            sql, kept = compiled[5]
            _execute(cursor, sql, tuple(params[position] for position in kept), True)

    def rows(
        self, key: Hashable, build: Callable[..., QuerySet], now: dt.datetime, **slots
    ) -> list[tuple]:
        compiled = self._get(key, build, now, slots, "rows")
        if compiled[0] is None:
            return []
        with connections[compiled[3]].cursor() as cursor:
            self._run(cursor, compiled, now, slots)
            return cursor.fetchall()

    def objects(
        self, key: Hashable, build: Callable[..., QuerySet], now: dt.datetime, **slots
    ) -> list[Model]:
        """The model instances `build(now, **slots)` would give, as ModelIterable makes them
        (select_related rows and annotations included), from the statement compiled once."""
        compiled = self._get(key, build, now, slots, "objects")
        sql, _, _, alias, shape, _ = compiled
        if sql is None:
            return []
        connection = connections[alias]
        with connection.cursor() as cursor:
            self._run(cursor, compiled, now, slots)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            if shape.converters:
                row = list(row)
                for position, (converters, expression) in shape.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
            obj = shape.model.from_db(alias, shape.init_list, row[shape.start : shape.end])
            for populator in shape.related:
                populator.populate(row, obj)
            for name, position in shape.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def count(
        self, key: Hashable, build: Callable[..., QuerySet], now: dt.datetime, **slots
    ) -> int:
        """What `build(now, **slots).count()` gives, from the statement it runs compiled once."""
        compiled = self._get(key, build, now, slots, "count")
        if compiled[0] is None:
            return 0
        with connections[compiled[3]].cursor() as cursor:
            self._run(cursor, compiled, now, slots)
            return cursor.fetchone()[0]

    def forget(self) -> None:
        """Drop every compiled shape (tests that change what a key stands for)."""
        with self._lock:
            self._compiled.clear()


class _Captured(Exception):
    pass


def _statement_of(run: Callable[[], object], alias: str) -> tuple[str | None, tuple]:
    """The first statement `run()` sends to the database, caught before it is sent (its
    parameters may hold slots): the count Django builds, which no public API returns. None
    when it sends none (a count of a query that can match nothing is 0 without asking)."""
    connection = connections[alias]
    caught: list[tuple[str, tuple]] = []

    def catch(execute, sql, params, many, context):
        caught.append((sql, tuple(params or ())))
        raise _Captured

    # Outermost, so no other wrapper (the Server-Timing count) takes it for a query run.
    connection.execute_wrappers.insert(0, catch)
    logged = len(connection.queries_log)
    try:
        with suppress(_Captured):
            run()
    finally:
        connection.execute_wrappers.remove(catch)
    if caught and len(connection.queries_log) > logged:
        connection.queries_log.pop()  # DEBUG's log of it: it was never sent
    return caught[0] if caught else (None, ())


class CompiledRows:
    """A list Django's Paginator can page whose count and each page are compiled queries
    (`CompiledQuery.count` and `.objects`, the page's bounds in the key): a list page whose
    query costs more to build than to run (the triage queue, issue 18)."""

    def __init__(
        self,
        compiled: CompiledQuery,
        key: Hashable,
        build: Callable[..., QuerySet],
        now: dt.datetime,
        *,
        prefetch: tuple = (),
        **slots,
    ):
        self.compiled, self.key, self.build, self.now, self.slots = compiled, key, build, now, slots
        self.prefetch = prefetch  # fetched for each page's objects, after it (lookups, Prefetch)

    def count(self) -> int:
        return self.compiled.count(self.key, self.build, self.now, **self.slots)

    def __getitem__(self, window: slice) -> list[Model]:
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("CompiledRows gives pages: slice it with a start and a stop")
        build = self.build
        found = self.compiled.objects(
            (self.key, window.start, window.stop),
            lambda now, **slots: build(now, **slots)[window],
            self.now,
            **self.slots,
        )
        if self.prefetch:
            prefetch_related_objects(found, *self.prefetch)
        return found

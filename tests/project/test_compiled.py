"""safeguarding.compiled: a query compiled once gives what the queryset built afresh gives,
for other slots and a later clock (issue 18: the flags on every list are compiled once)."""

import datetime as dt

import pytest
from django.db.models import Count, F
from django.utils import timezone

from cases.models import Case, Entry
from safeguarding.compiled import CompiledQuery, CompiledRows, Slot, statement_name
from safeguarding.paging import paginate

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(open_case_for):
    return [
        open_case_for("social.worker", first_name=name, concern=f"Concern about {name}.")
        for name in ("Ada", "Bea", "Cal", "Dee")
    ]


def _cases(now, ids):
    return (
        Case.objects.filter(pk__any=ids, opened_at__lte=now)
        .select_related("child", "lead_agency")
        .annotate(entry_count=Count("entries"), first=F("child__first_name"))
        .order_by("-pk")
    )


def _seen(objects) -> list[tuple]:
    return [
        (c.pk, c.reference, c.child.first_name, c.child.pk, c.lead_agency.name, c.entry_count,
         c.first, c.opened_at)
        for c in objects
    ]  # fmt: skip


def test_objects_are_those_of_the_queryset_for_every_later_set_of_ids(cases):
    compiled = CompiledQuery("test")
    now = timezone.now()
    ids = [case.pk for case in cases]
    for chosen in (ids[:1], ids, ids[1:3], [], [ids[2], 10**9]):
        assert _seen(compiled.objects((), _cases, now, ids=chosen)) == _seen(_cases(now, chosen))
    assert len(compiled._compiled) == 1  # one statement served every list of ids
    first = compiled.objects((), _cases, now, ids=ids)[0]
    assert first._state.adding is False and first._state.db == "default"
    assert first.child._state.adding is False  # as loaded, so saving it updates its row


def test_the_clock_moves_every_datetime_and_rows_follow_it(cases):
    compiled = CompiledQuery("test")
    opened = min(case.opened_at for case in cases)
    before = opened - dt.timedelta(hours=1)
    ids = [case.pk for case in cases]
    assert compiled.objects((), _cases, before, ids=ids) == []  # compiled an hour before
    assert len(compiled.objects((), _cases, timezone.now(), ids=ids)) == len(cases)
    sql, params, _ = compiled.sql((), _cases, before + dt.timedelta(days=3), ids=ids)
    fresh_sql, fresh_params = _cases(before + dt.timedelta(days=3), ids).query.sql_with_params()
    assert (sql, params) == (fresh_sql, tuple(fresh_params))


def test_a_date_is_refused_because_it_would_not_move_with_the_clock(cases):
    compiled = CompiledQuery("test")
    with pytest.raises(TypeError, match="date does not move"):
        compiled.objects(
            (), lambda now: Case.objects.filter(opened_at__date=now.date()), timezone.now()
        )


def test_a_query_that_matches_nothing_runs_nothing(cases, django_assert_num_queries):
    compiled = CompiledQuery("test")
    with django_assert_num_queries(0):
        assert compiled.objects((), lambda now: Case.objects.none(), timezone.now()) == []
        assert compiled.rows((), lambda now: Case.objects.none(), timezone.now()) == []


def test_a_slot_takes_a_new_list_on_each_run(cases):
    compiled = CompiledQuery("test")

    def build(now, ids):
        return Entry.objects.filter(case_id__any=ids).order_by("pk")

    first, second = cases[0], cases[1]
    mine = compiled.objects((), build, timezone.now(), ids=[first.pk])
    assert [e.pk for e in mine] == list(first.entries.values_list("pk", flat=True).order_by("pk"))
    both = compiled.objects((), build, timezone.now(), ids=[first.pk, second.pk])
    assert len(both) == first.entries.count() + second.entries.count() > len(mine) > 0
    assert compiled.objects((), build, timezone.now(), ids=[]) == []
    assert repr(Slot("ids")) == "Slot('ids')"


def test_a_slot_in_a_lookup_that_checks_its_value_is_refused_as_it_is_built(cases):
    # Plain `=` prepares its value as the field would store it: a slot must go in `__any`,
    # and a single value the query is shaped by belongs in the key.
    with pytest.raises(TypeError, match="Slot"):
        CompiledQuery("test").objects(
            (), lambda now, agency: Entry.objects.filter(agency_id=agency), timezone.now(), agency=1
        )


def test_prefetching_is_refused(cases):
    with pytest.raises(ValueError, match="cannot prefetch"):
        CompiledQuery("test").objects(
            (), lambda now: Case.objects.prefetch_related("entries"), timezone.now()
        )


def test_a_count_is_the_querysets_for_every_set_of_ids_and_clock(cases):
    compiled = CompiledQuery("test")
    ids = [case.pk for case in cases]
    opened = min(case.opened_at for case in cases)
    for now in (opened - dt.timedelta(hours=1), timezone.now(), timezone.now()):
        for chosen in (ids, ids[:2], [], [10**9]):
            assert compiled.count((), _cases, now, ids=chosen) == _cases(now, chosen).count()
    assert compiled.count((), _cases, timezone.now(), ids=ids) == len(cases)
    assert len(compiled._compiled) == 1
    with_nothing = CompiledQuery("test")
    assert with_nothing.count((), lambda now: Case.objects.none(), timezone.now()) == 0


def test_compiled_rows_page_as_the_queryset_would(cases, rf):
    compiled = CompiledQuery("test")
    ids = [case.pk for case in cases]
    now = timezone.now()
    for number in ("1", "2", "3", "99", "x"):
        mine = paginate(
            rf.get("/", {"page": number}), CompiledRows(compiled, (), _cases, now, ids=ids), 3
        )
        theirs = paginate(rf.get("/", {"page": number}), _cases(now, ids), 3)
        assert _seen(mine) == _seen(theirs) and mine.number == theirs.number
        assert mine.paginator.count == len(cases) and mine.page_links == theirs.page_links
    with pytest.raises(TypeError, match="slice"):
        CompiledRows(compiled, (), _cases, now, ids=ids)[0]


# --- generic=True: prepared once per connection, planned once ---------------------------------


def _plans(sql: str) -> list[tuple]:
    """How often PostgreSQL planned this connection's prepared `sql` generically and for its
    values ([] if it is not prepared here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [statement_name(sql)],
        )
        return cursor.fetchall()


def test_a_generic_query_gives_what_the_queryset_gives_and_is_planned_once(cases):
    compiled = CompiledQuery("test: generic", generic=True)
    now = timezone.now()
    ids = [case.pk for case in cases]
    for chosen in (ids[:1], ids, ids[1:3], [], [ids[2], 10**9]):
        assert _seen(compiled.objects((), _cases, now, ids=chosen)) == _seen(_cases(now, chosen))
        assert compiled.count((), _cases, now, ids=chosen) == _cases(now, chosen).count()
    sql, _, _ = compiled.sql((), _cases, now, ids=ids)
    assert _plans(sql) == [(5, 0)]  # five runs, one plan made without their values


def test_a_generic_query_sends_one_statement_on_its_first_run_as_on_every_other(
    cases, django_assert_num_queries
):
    compiled = CompiledQuery("test: generic, counted", generic=True)
    ids = [case.pk for case in cases]
    rows = lambda now, ids: Case.objects.filter(pk__any=ids).values_list("pk").order_by("pk")  # noqa: E731
    for _ in range(3):  # prepared with the first, in the same round trip
        with django_assert_num_queries(1):
            assert compiled.rows((), rows, timezone.now(), ids=ids) == [(pk,) for pk in sorted(ids)]


def test_a_literal_percent_survives_preparing(cases):
    compiled = CompiledQuery("test: generic, percent", generic=True)
    cases[1].child.__class__.objects.filter(pk=cases[1].child_id).update(first_name="100%")
    like = lambda now, ids: (  # noqa: E731
        Case.objects.filter(pk__any=ids, child__first_name__endswith="%").values_list("pk")
    )
    ids = [case.pk for case in cases]
    assert compiled.rows((), like, timezone.now(), ids=ids) == [(cases[1].pk,)]
    assert compiled.rows((), like, timezone.now(), ids=ids) == [(cases[1].pk,)]


@pytest.fixture
def forgetting_prepared():
    """Afterwards, this connection's prepared statements are dropped and it prepares again,
    so a test that stops it preparing leaves the next test as it found it."""
    from django.db import connection

    from safeguarding import compiled

    yield
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # not undone by the test's rollback
    compiled._prepared.pop(connection.connection, None)


def test_after_an_error_while_preparing_the_connection_runs_unprepared_and_still_answers(
    cases, forgetting_prepared
):
    """PREPARE outlives the transaction that failed: whether the statement exists is not
    known after an error, so that connection stops preparing rather than fail again."""
    from django.db import DataError, transaction
    from django.db.models import Value

    failing = CompiledQuery("test: generic, failing", generic=True)
    divided = lambda now, ids: (  # noqa: E731
        Case.objects.filter(pk__any=ids).annotate(x=F("pk") / Value(0)).values_list("x")
    )
    with pytest.raises(DataError, match="division by zero"), transaction.atomic():
        failing.rows((), divided, timezone.now(), ids=[cases[0].pk])
    compiled = CompiledQuery("test: generic, after the failure", generic=True)
    rows = lambda now, ids: Case.objects.filter(pk__any=ids).values_list("pk")  # noqa: E731
    ids = [case.pk for case in cases]
    for _ in range(2):
        assert sorted(compiled.rows((), rows, timezone.now(), ids=ids)) == sorted(
            (pk,) for pk in ids
        )
    sql, _, _ = compiled.sql((), rows, timezone.now(), ids=ids)
    assert _plans(sql) == []  # run as a plain statement


def test_an_id_too_large_for_a_bigint_is_no_row_rather_than_an_error(cases):
    compiled = CompiledQuery("test: generic, huge id", generic=True)
    rows = lambda now, ids: Case.objects.filter(pk__any=ids).values_list("pk")  # noqa: E731
    for _ in range(2):
        assert compiled.rows((), rows, timezone.now(), ids=[10**30, cases[0].pk]) == [
            (cases[0].pk,)
        ]
    assert compiled.rows((), rows, timezone.now(), ids=[cases[0].pk]) == [(cases[0].pk,)]


def test_the_connection_plans_prepared_statements_generically_and_nothing_else():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)


def test_the_new_uses_with_a_clock_give_the_statement_a_fresh_build_gives(cases, people):
    """Each compiled use whose statement holds a time (issue 18, the eighth session): an
    emergency access's expiry, the cases a person may see among some, a child's contacts
    this year. A later clock, across the clocks going forward, gives exactly the statement
    built afresh at it."""
    from cases.selectors import _among, _emergency_ids
    from sharing.selectors import _mine
    from triage.selectors import _child_contacts

    worker = people["social.worker"]
    ids = [case.pk for case in cases]
    builds = {
        "emergency": (_emergency_ids, {"user": worker.pk}),
        "among": (_among(worker), {"ids": ids, "user": worker.pk}),
        "contacts": (_child_contacts, {"child": cases[0].child_id, "mash": worker.agency_id}),
        "emergency access": (_mine, {"case": cases[0].pk, "person": worker.pk}),
    }
    first = dt.datetime(2026, 3, 28, 9, 0, tzinfo=dt.UTC)  # the day before the clocks go forward
    for kind, (build, slots) in builds.items():
        compiled = CompiledQuery("test: clock", generic=True)
        compiled.sql((), build, first, **slots)
        for later in (first + dt.timedelta(hours=26, minutes=7, microseconds=5), timezone.now()):
            sql, params, _ = compiled.sql((), build, later, **slots)
            fresh_sql, fresh_params = build(later, **slots).query.sql_with_params()
            assert (sql, params) == (fresh_sql, tuple(fresh_params)), kind
            assert not any(isinstance(p, Slot) for p in params), kind


# --- written_in=True: the key's values written in, one plan per key and connection --------------


def _prepared_here() -> dict[str, tuple]:
    """This connection's prepared statements: name -> (parameter types, generic plans)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, parameter_types::text[], generic_plans FROM pg_prepared_statements"
        )
        return {name: (types, plans) for name, types, plans in cursor.fetchall()}


def _named(now, name):
    # The name is the key's value: written into the statement. The clock stays a parameter.
    return (
        Case.objects.filter(child__first_name=name, opened_at__lte=now)
        .values_list("pk", flat=False)
        .order_by("pk")
    )


HOSTILE = ["Ada", "O'Brien", "100%", "50%% off", "%s", "back\\slash", "Zoë-Ångström",
           "x'); DROP TABLE cases_case; --", "$1", "line\nbreak"]  # fmt: skip


def test_a_written_in_query_gives_what_the_queryset_gives_for_any_value_of_its_key(
    open_case_for, forgetting_prepared
):
    """Each name is written into its own statement as a literal, escaped as the driver
    escapes a parameter: quotes, percent signs, backslashes, placeholders and accents find
    the child with that name and nothing else, and every statement is planned once."""
    compiled = CompiledQuery("test: written in", written_in=True)
    made = {name: open_case_for("social.worker", first_name=name).pk for name in HOSTILE}
    for _ in range(2):
        for name in HOSTILE:
            now = timezone.now()
            rows = compiled.rows((name,), lambda at, name=name: _named(at, name), now)
            assert rows == [(made[name],)] == list(_named(now, name)), name
    prepared = _prepared_here()
    for name in HOSTILE:
        _, params, _ = compiled.sql((name,), lambda at, name=name: _named(at, name), now)
        assert name in params  # what `sql` gives (and the clock tests compare) is the ORM's
        written, _ = compiled._compiled[(False, (name,))][5]
        types, plans = prepared[statement_name(written)]
        assert types == ["timestamp with time zone"], name  # only the clock is a parameter
        assert plans == 2, name  # both runs used the one plan made when it was prepared
    assert Case.objects.count() >= len(HOSTILE)  # nothing was dropped


def test_a_written_in_query_with_a_slot_keeps_the_slot_a_parameter(cases, forgetting_prepared):
    compiled = CompiledQuery("test: written in, slot", written_in=True)
    ids = [case.pk for case in cases]
    now = timezone.now()
    for chosen in (ids[:1], ids, [], [ids[2], 10**30]):
        assert _seen(compiled.objects(("k",), _cases, now, ids=chosen)) == _seen(
            _cases(now, [i for i in chosen if i < 2**63])
        )
    written, kept = compiled._compiled[(False, ("k",))][5]
    assert len(kept) == 2 and "ANY(%s)" in written  # the clock and the ids


def test_a_connection_keeps_at_most_prepared_kept_statements_dropping_the_oldest(
    open_case_for, forgetting_prepared, monkeypatch, django_assert_num_queries
):
    """Every key of a written-in query is a statement with its plan in the server's memory:
    past the bound, the least recently run is dropped in the same round trip, and runs
    again (prepared afresh) when it is next asked for."""
    from safeguarding import compiled as module

    monkeypatch.setattr(module, "PREPARED_KEPT", 2)
    compiled = CompiledQuery("test: written in, bounded", written_in=True)
    made = {name: open_case_for("social.worker", first_name=name).pk for name in ("A", "B", "C")}

    def run(name):
        with django_assert_num_queries(1):
            return compiled.rows((name,), lambda at: _named(at, name), timezone.now())

    def names_prepared():
        return {
            key[1][0]
            for key, value in compiled._compiled.items()
            if statement_name(value[5][0]) in _prepared_here()
        }

    for name in ("A", "B", "A", "C"):  # C drops B, which ran less recently than A
        assert run(name) == [(made[name],)]
    assert names_prepared() == {"A", "C"}
    assert run("B") == [(made["B"],)]
    assert names_prepared() == {"C", "B"}

"""Lists ask for brief flags (issue 18): each provider gives only what a list shows, a tag's
words and colour, and may read less to do so. What a list shows must be the same as the
strip's flags would give it: checked on every case of the synthetic tiny tier, for people
of every kind of agency, at several moments as deadlines pass; and on cases built to sit
on each edge (withdrawn notices, closed checks, actions overdue, interviews due and
overdue at once)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import registry, risk, selectors
from cases.flags import for_lists
from missing.models import ReturnInterview
from missing.services import record_return
from notifications.models import Notification
from people.models import Person
from tests.cases.test_assessments import assess
from tests.cases.test_at_a_glance import _busy_case, ago, go_missing
from tests.cases.test_pages_audit_and_queries import FLAG_QUERIES
from triage.models import PartnerCheck

pytestmark = pytest.mark.django_db

ANCHOR = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def shown(flags) -> list[tuple[str, str, str]]:
    return [(flag.key, flag.label, flag.tone) for flag in for_lists(flags)]


def assert_lists_agree(person: Person, cases: list) -> int:
    """Brief flags say what the full flags say in a list, case by case; returns how many
    cases carry a tag."""
    tagged = 0
    for start in range(0, len(cases), 25):  # a page at a time, as the lists ask
        page = cases[start : start + 25]
        full = registry.case_flags(person, page)
        brief = registry.case_flags(person, page, brief=True)
        assert full.keys() == brief.keys()
        for case in page:
            assert shown(brief[case.pk]) == shown(full[case.pk]), (person, case.pk)
            assert all(not flag.detail and not flag.url for flag in brief[case.pk])
            tagged += bool(brief[case.pk])
    return tagged


def test_brief_flags_match_the_full_ones_on_the_synthetic_tier():
    call_command("generate_synthetic", tier="tiny", seed=7, anchor="2026-03-02T09:00", verbosity=0)
    people = []
    for role in Person.Role.values:  # one person of each role, each of a different agency
        found = (
            Person.objects.filter(role=role, is_active=True, agency__isnull=False)
            .exclude(agency__in=[p.agency_id for p in people])
            .order_by("id")
            .first()
        )
        if found:
            people.append(found)
    assert len(people) >= 4
    tagged = set()
    # At the anchor, and as deadlines pass: interviews, notices, contacts and checks go
    # from due to overdue, and reviews fall due.
    for moment in (ANCHOR, ANCHOR + dt.timedelta(days=3), ANCHOR + dt.timedelta(days=200)):
        with time_machine.travel(moment, tick=False):
            for person in people:
                cases = list(selectors.visible_cases(person).order_by("id"))
                assert_lists_agree(person, cases)
                tagged |= {
                    label
                    for case_flags in registry.case_flags(person, cases, brief=True).values()
                    for _, label, _ in shown(case_flags)
                }
    # The comparison met the tags that matter, not only empty lists.
    assert {"Missing now", "High CSE risk", "Interview overdue", "Check overdue"} <= tagged
    # (Notices and reviews are seen on the edges below: the tiny tier's people have none.)


def test_brief_flags_match_on_the_edges(
    people, open_case_for, share, partnership, agencies, make_contact
):
    cases = [
        _busy_case(open_case_for, share, people, partnership, agencies, make_contact, n)
        for n in range(3)
    ]
    first, second, third = cases
    # Interviews due and overdue on one case: both tags.
    for episode in first.missing_episodes.filter(returned_at__isnull=True):
        record_return(people["social.worker"], episode, returned_at=ago(hours=1), how_found=".")
    go_missing(people, first, hours=1)
    ReturnInterview.objects.filter(episode__case=first).update(due_at=ago(hours=2))
    first_open = first.missing_episodes.order_by("-reported_at").first()
    record_return(people["social.worker"], first_open, returned_at=ago(minutes=5), how_found=".")
    # A withdrawn notice past its time is waiting, not overdue; a closed check likewise.
    Notification.objects.filter(case=second).update(
        acknowledge_by=ago(hours=1), withdrawn_at=ago(minutes=30)
    )
    PartnerCheck.objects.filter(contact__child=second.child).update(
        due_at=ago(hours=1), closed_at=ago(minutes=30), closed_reason="No longer needed."
    )
    # An overdue check and notice on the third.
    PartnerCheck.objects.filter(contact__child=third.child).update(due_at=ago(hours=1))
    Notification.objects.filter(case=third).update(acknowledge_by=ago(hours=1))
    # A high-risk assessment whose review falls due tomorrow.
    assess(
        people["social.worker"],
        third,
        "high",
        review_by=timezone.localdate() + dt.timedelta(days=1),
    )
    everyone = ("mash.manager", "police.officer", "social.worker", "health.nurse")
    for who in everyone:
        assert_lists_agree(people[who], cases)

    def labels(case) -> set[str]:
        flags = registry.case_flags(people["mash.manager"], cases, brief=True)[case.pk]
        return {label for _, label, _ in shown(flags)}

    assert {"Interview overdue", "Interview due"} <= labels(first)
    assert {"Checks outstanding", "Not acknowledged"} <= labels(second)
    assert {"Check overdue", "Acknowledgement overdue", "High CSE risk"} <= labels(third)
    assert "Review overdue" not in labels(third)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        for who in everyone:
            assert_lists_agree(people[who], cases)
        assert "Review overdue" in labels(third)


def test_brief_flags_take_no_more_queries_for_many_cases(
    people, open_case_for, share, partnership, agencies, make_contact
):
    cases = [
        _busy_case(open_case_for, share, people, partnership, agencies, make_contact, n)
        for n in range(6)
    ]
    person = people["mash.manager"]
    registry.case_flags(person, cases[1:2], brief=True)  # permission ids, read once a process
    with CaptureQueriesContext(connection) as one:
        registry.case_flags(person, cases[:1], brief=True)
    with CaptureQueriesContext(connection) as six:
        registry.case_flags(person, cases, brief=True)
    # Placements and screenings are not read for a list: fewer than the strip's.
    assert len(one) == len(six) < FLAG_QUERIES, (
        [q["sql"][:60] for q in one],
        [q["sql"][:60] for q in six],
    )


def test_each_brief_statement_compiled_once_is_the_query_built_afresh_at_a_later_clock(
    people, open_case_for
):
    """The brief flags' statements are compiled once (safeguarding.compiled), their times
    moved to each request's clock: a day and a clock change later, each is exactly the
    statement a fresh build makes."""
    from meetings import flags as meetings_flags
    from missing import flags as missing_flags
    from notifications import flags as notification_flags
    from safeguarding.compiled import CompiledQuery, Slot
    from triage import flags as triage_flags

    case = open_case_for("social.worker", first_name="Clock")
    manager = people["mash.manager"]
    agency = manager.agency_id
    builds = {
        "reviews": risk._reviews,
        "episodes": missing_flags._episode_states,
        "interviews": missing_flags._interview_dates,
        "actions": meetings_flags._late,
        "notifications": lambda now, ids: notification_flags._soonest(manager, ids),
        "contacts": lambda now, ids: triage_flags._contacts_due(agency, ids),
        "checks": lambda now, ids: triage_flags._checks_due(agency, ids),
    }
    first = dt.datetime(2026, 3, 28, 9, 0, tzinfo=dt.UTC)  # the day before the clocks go forward
    ids = [case.pk, case.child_id]
    for kind, build in builds.items():
        compiled = CompiledQuery("test")
        compiled.sql((), build, first, ids=ids)
        for later in (first + dt.timedelta(hours=26, minutes=7, microseconds=5), timezone.now()):
            sql, params, _ = compiled.sql((), build, later, ids=ids)
            fresh_sql, fresh_params = build(later, ids).query.sql_with_params()
            assert (sql, params) == (fresh_sql, tuple(fresh_params)), kind
            assert not any(isinstance(p, Slot) for p in params)

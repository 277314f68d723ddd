"""Who sees a case: shares give derived permissions; anything else is 404."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.utils import timezone

from cases import selectors
from cases.models import CaseGroupObjectPermission, Entry
from cases.services import add_entry, amend_entry
from sharing.models import Share
from sharing.services import acknowledge_share, grant_emergency_access, revoke_share
from tests.conftest import scored_screening

pytestmark = pytest.mark.django_db


def test_the_opening_agency_manages_the_case_and_no_one_else_sees_it(open_case_for, people):
    case = open_case_for("social.worker", first_name="Amy")
    assert case.reference.startswith(f"CSE-{timezone.localdate():%Y}-")
    assert selectors.case_for(people["mash.manager"], case.pk, need="manage") == case
    for outsider in ["police.officer", "suffolk.officer", "health.nurse"]:
        with pytest.raises(Http404):
            selectors.case_for(people[outsider], case.pk)
    assert list(selectors.visible_cases(people["police.officer"])) == []


def test_a_share_gives_exactly_its_level_and_revoking_takes_it_away_at_once(
    open_case_for, share, people
):
    case = open_case_for("social.worker")
    granted = share(case, "norfolk_police", "view")
    officer = people["police.officer"]
    assert selectors.case_for(officer, case.pk) == case
    with pytest.raises(Http404):
        selectors.case_for(officer, case.pk, need="contribute")
    assert officer.has_perm("cases.view_case", case)
    assert not officer.has_perm("cases.contribute_case", case)

    share(case, "norfolk_police", "contribute")
    assert selectors.case_for(officer, case.pk, need="contribute") == case

    revoke_share(granted, people["social.worker"])
    # The contribute share still stands, so access stays at that level...
    assert selectors.case_for(officer, case.pk, need="contribute") == case
    revoke_share(Share.objects.get(case=case, level="contribute"), people["social.worker"])
    # ...and with no share left, nothing at all, at once.
    with pytest.raises(Http404):
        selectors.case_for(officer, case.pk)
    categories = list(case.entries.values_list("category", flat=True))
    assert categories.count("share") == 2
    assert categories.count("share_revoked") == 2


def test_permissions_always_equal_what_the_shares_give(open_case_for, share, agencies):
    case = open_case_for("social.worker")
    share(case, "norfolk_hospital", "contribute")
    police = share(case, "norfolk_police", "view")
    revoke_share(police, police.shared_by)

    def held(agency):
        return set(
            CaseGroupObjectPermission.objects.filter(
                content_object=case, group=agencies[agency].group
            ).values_list("permission__codename", flat=True)
        )

    assert held("norfolk_childrens") == {"view_case", "contribute_case", "manage_case"}
    assert held("norfolk_hospital") == {"view_case", "contribute_case"}
    assert held("norfolk_police") == set()


def test_restricted_entries_are_seen_only_by_their_agency(open_case_for, share, people):
    case = open_case_for("social.worker", concern="Seen with older men at the bus station")
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"], case, category="intelligence",
        occurred_at=timezone.now(), text="Vehicle ABC seen twice", restricted=True,
    )  # fmt: skip
    police_view = [e.text for e in selectors.chronology(case, people["police.officer"])]
    social_view = [e.text for e in selectors.chronology(case, people["social.worker"])]
    assert "Vehicle ABC seen twice" in police_view
    assert "Vehicle ABC seen twice" not in social_view
    assert "Seen with older men at the bus station" in social_view


def test_an_amendment_supersedes_and_both_remain(open_case_for, people):
    case = open_case_for("social.worker", concern="Met at 9pm")
    original = case.entries.get(category="concern")
    amended = amend_entry(
        people["social.worker"], original, text="Met at 10pm",
        occurred_at=original.occurred_at, category="concern", reason="Time was wrong",
    )  # fmt: skip
    texts = [e.text for e in selectors.chronology(case, people["mash.manager"])]
    assert "Met at 9pm" in texts and "Met at 10pm" in texts
    assert Entry.objects.get(pk=original.pk).superseded_by == amended


def test_entries_cannot_be_changed_or_removed_even_through_raw_sql(open_case_for, people):
    case = open_case_for("social.worker", concern="Original words")
    entry = case.entries.get(category="concern")
    scored_screening(case, people["social.worker"], "low", indicators=["missing"])
    for statement in [
        "UPDATE cases_entry SET text = 'rewritten' WHERE id = %s",
        "DELETE FROM cases_entry WHERE id = %s",
        "TRUNCATE cases_entry CASCADE",
        "UPDATE cases_screening SET risk_level = 'low'",
    ]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # Settle the test transaction's deferred FK checks, which TRUNCATE would trip on.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(statement, [entry.pk] if "%s" in statement else None)
    assert Entry.objects.get(pk=entry.pk).text == "Original words"


def test_emergency_access_is_for_one_person_for_a_limited_time(open_case_for, people, settings):
    case = open_case_for("social.worker")
    officer = people["suffolk.officer"]
    access = grant_emergency_access(case, officer, "Child found in Ipswich at 2am")
    assert selectors.case_for(officer, case.pk) == case
    with pytest.raises(Http404):
        selectors.case_for(officer, case.pk, need="contribute")
    # Not their colleagues, and not after it expires.
    assert selectors.emergency_case_ids(people["police.officer"]) == []
    type(access).objects.filter(pk=access.pk).update(expires_at=timezone.now())
    with pytest.raises(Http404):
        selectors.case_for(officer, case.pk)
    assert case.entries.filter(category="emergency_access").exists()


def test_levels_follow_the_clock_and_the_rows_whatever_was_read_before(
    open_case_for, share, people
):
    """The levels' statement is compiled once (selectors.HELD) and run with each request's
    clock, case and person: emergency access ends at its time, and a share given or taken
    away shows at once, for each person and case alike."""
    case, other = open_case_for("social.worker"), open_case_for("social.worker")
    officer, another = people["suffolk.officer"], people["police.officer"]
    access = grant_emergency_access(case, officer, "Child found in Ipswich at 2am")
    assert selectors.held(officer, case).needs == {"view"}
    assert selectors.held(officer, case).basis == {"via": "emergency_access", "access": access.pk}
    assert selectors.held(officer, other).needs == frozenset()
    assert selectors.held(another, case).needs == frozenset()
    with time_machine.travel(access.expires_at - dt.timedelta(seconds=1)):
        assert selectors.held(officer, case).needs == {"view"}
    with time_machine.travel(access.expires_at + dt.timedelta(seconds=1)):
        assert selectors.held(officer, case).needs == frozenset()
    given = share(other, "suffolk_police", "contribute")
    assert selectors.held(officer, other).needs == {"view", "contribute"}
    assert selectors.held(officer, other).basis == {
        "via": "share", "share": given.pk, "level": "contribute"
    }  # fmt: skip
    revoke_share(given, people["social.worker"])
    assert selectors.held(officer, other).needs == frozenset()
    assert selectors.held(people["social.worker"], other).needs == {"view", "contribute", "manage"}
    assert selectors.held(people["admin.ncc"], other).needs == frozenset()


def test_acknowledging_a_share_goes_on_the_chronology(open_case_for, share, people):
    case = open_case_for("social.worker")
    given = share(case, "norfolk_police")
    acknowledge_share(given, people["police.officer"])
    given.refresh_from_db()
    assert given.acknowledged_by == people["police.officer"]
    assert case.entries.filter(category="share_acknowledged").count() == 1


def test_search_is_partial_accent_and_case_insensitive_and_only_visible(
    open_case_for, share, people
):
    case = open_case_for(
        "social.worker", first_name="Zoë", last_name="Ashworth",
        date_of_birth=dt.date(2011, 3, 4), aliases=["Little Z"],
    )  # fmt: skip
    open_case_for("social.worker", first_name="Zoe", last_name="Hidden")
    share(case, "norfolk_police")
    officer = people["police.officer"]
    assert [c.last_name for c in selectors.search_children(officer, name="zoe")] == ["Ashworth"]
    assert [c.last_name for c in selectors.search_children(officer, name="ASHW")] == ["Ashworth"]
    assert [c.last_name for c in selectors.search_children(officer, name="little")] == ["Ashworth"]
    assert list(selectors.search_children(people["suffolk.officer"], name="zoe")) == []
    found = selectors.search_children(officer, date_of_birth=dt.date(2011, 3, 4))
    assert [c.first_name for c in found] == ["Zoë"]


def test_the_search_pages_find_what_the_search_finds_for_every_reader_and_term(
    open_case_for, share, people, django_assert_num_queries
):
    """The search page's compiled query (cases.selectors.search_pages: the name written
    into the statement, the date of birth a slot) finds, pages and counts what
    search_children does, with each page's aliases and visible cases, for any reader and
    any mix of terms, whatever a name holds."""
    born = dt.date(2011, 3, 4)
    for first, last in [("Zoë", "Ashworth"), ("Zoe", "Bell"), ("Ann_a", "O'Brien"),
                        ("Anna", "50% Smith"), ("Zed", "Back\\slash")]:  # fmt: skip
        case = open_case_for(
            "social.worker", first_name=first, last_name=last, date_of_birth=born,
            aliases=["Little Z"],
        )  # fmt: skip
        if last != "Bell":
            share(case, "norfolk_police")
    selectors.SEARCH.forget()
    terms = [{"name": "zoe"}, {"name": "ASHW"}, {"name": "little"}, {"name": "ann_a"},
             {"name": "50%"}, {"name": "%"}, {"name": "_"}, {"name": "\\"}, {"name": "'-"},
             {"date_of_birth": born}, {"name": "zo", "date_of_birth": born},
             {"date_of_birth": dt.date(2011, 3, 5)}]  # fmt: skip
    for reader in ("police.officer", "social.worker", "suffolk.officer"):
        person = people[reader]
        for term in terms:
            found = selectors.search_children(person, **term)
            rows = selectors.search_pages(person, **term)
            expected = [
                (c.pk, sorted(a.name for a in c.aliases.all()), [k.pk for k in c.visible_cases])
                for c in found
            ]
            assert rows.count() == len(expected), (reader, term)
            for start in range(0, 4, 2):
                page = [
                    (c.pk, sorted(a.name for a in c.aliases.all()), [k.pk for k in c.visible_cases])
                    for c in rows[start : start + 2]
                ]
                assert page == expected[start : start + 2], (reader, term)
    # Per reader: five names ("%", "_", "\\" and "'-" are only punctuation, searchable()
    # keeps letters and digits), a date alone and a name with a date, each counted and
    # paged in two windows. Another date of birth is the same statement.
    assert len(selectors.SEARCH._compiled) == 3 * (5 + 2) * 3
    with django_assert_num_queries(3):  # the page, its aliases and its visible cases
        assert len(selectors.search_pages(people["police.officer"], name="ashworth")[0:2]) == 1

"""MASH triage rules (triage.services): deadlines, ratings, checks, answers, decisions."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from notifications.models import Notification
from tests.conftest import events
from triage.models import Contact, PartnerCheck
from triage.services import (
    answer_check,
    assign_contact,
    check_due,
    decide_contact,
    decision_due,
    rate_contact,
    request_checks,
)

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


class TestDeadlines:
    def test_red_and_amber_are_elapsed_hours(self):
        received = at(2026, 11, 25, 9, 30)
        assert decision_due("red", received, None) == at(2026, 11, 25, 13, 30)
        assert decision_due("amber", received, None) == at(2026, 11, 26, 9, 30)

    def test_green_skips_the_weekend(self):
        # Received on a Friday afternoon: three working days is the Wednesday after.
        assert decision_due("green", at(2026, 11, 27, 16, 0), None) == at(2026, 12, 2, 16, 0)
        # Received on a Saturday: Monday, Tuesday, Wednesday.
        assert decision_due("green", at(2026, 11, 28, 10, 0), None) == at(2026, 12, 2, 10, 0)

    def test_amber_across_the_clocks_going_back_is_24_real_hours(self):
        # BST ends at 02:00 on Sunday 25 October 2026: the wall clock shows 23 hours later.
        received = at(2026, 10, 24, 12, 0)
        due = decision_due("amber", received, None)
        assert due - received == dt.timedelta(hours=24)
        assert timezone.localtime(due, LONDON).hour == 11

    def test_red_across_the_clocks_going_forward(self):
        # BST starts at 01:00 GMT on Sunday 29 March 2026 (clocks jump to 02:00).
        received = at(2026, 3, 29, 0, 30)
        due = decision_due("red", received, None)
        assert due - received == dt.timedelta(hours=4)
        assert timezone.localtime(due, LONDON).strftime("%H:%M") == "05:30"

    def test_green_across_a_clock_change_keeps_the_time_of_day(self):
        # Friday 23 October 2026 10:00 BST -> Wednesday 28 October 10:00 GMT.
        due = decision_due("green", at(2026, 10, 23, 10, 0), None)
        assert timezone.localtime(due, LONDON) == at(2026, 10, 28, 10, 0)

    def test_checks_are_due_by_rating(self):
        asked = at(2026, 11, 27, 15, 0)  # a Friday
        assert check_due("red", asked, None) == at(2026, 11, 27, 17, 0)
        assert check_due("amber", asked, None) == at(2026, 11, 28, 3, 0)
        assert check_due("green", asked, None) == at(2026, 12, 1, 15, 0)


class TestOverdueFlags:
    def test_a_green_contact_received_on_friday_is_not_overdue_over_the_weekend(
        self, make_contact, people
    ):
        from triage.selectors import triage_queue

        with time_machine.travel(at(2026, 11, 27, 16, 0), tick=False):
            contact = make_contact(rag="green")
        agency = people["mash.manager"].agency
        monday = at(2026, 11, 30, 9, 0)
        row = triage_queue(agency, now=monday).get(pk=contact.pk)
        assert not row.overdue
        thursday = at(2026, 12, 3, 9, 0)
        assert triage_queue(agency, now=thursday).get(pk=contact.pk).overdue

    def test_an_amber_contact_over_the_clock_change_is_overdue_after_24_hours(
        self, make_contact, people
    ):
        from triage.selectors import triage_queue

        with time_machine.travel(at(2026, 10, 24, 12, 0), tick=False):
            contact = make_contact(rag="amber")
        agency = people["mash.manager"].agency
        # Received 12:00 BST (11:00 UTC); due 11:00 GMT on the Sunday, 24 real hours on.
        assert not triage_queue(agency, now=at(2026, 10, 25, 10, 59)).get(pk=contact.pk).overdue
        assert triage_queue(agency, now=at(2026, 10, 25, 11, 1)).get(pk=contact.pk).overdue


class TestRating:
    def test_an_unrated_contact_is_due_as_if_red(self, make_contact):
        contact = make_contact()
        assert contact.state == Contact.State.NEW
        assert contact.due_at == decision_due("red", contact.received_at, None)

    def test_rating_and_rerating_are_kept_with_reasons(self, make_contact, people):
        contact = make_contact(rag="amber")
        contact = rate_contact(people["mash.manager"], contact, "red", "Now missing too.")
        assert contact.rag == "red" and contact.state == Contact.State.OPEN
        assert [(r.rag, r.reason) for r in contact.ratings.order_by("pk")] == [
            ("amber", "Rated in a test."), ("red", "Now missing too."),
        ]  # fmt: skip
        assert [e.detail["previous"] for e in events(Action.CONTACT_RATED)] == [None, "amber"]

    @pytest.mark.parametrize("username", ["social.worker", "police.mash", "health.nurse"])
    def test_only_the_receiving_mash_managers_rate(self, make_contact, people, username):
        contact = make_contact()
        with pytest.raises(PermissionDenied):
            rate_contact(people[username], contact, "red", "Trying.")

    def test_a_reason_is_required(self, make_contact, people):
        with pytest.raises(ValidationError):
            rate_contact(people["mash.manager"], make_contact(), "red", "  ")

    def test_rerating_moves_open_checks(self, make_contact, people, agencies):
        contact = make_contact(rag="green")
        (check,) = request_checks(
            people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?"
        )
        rate_contact(people["mash.manager"], contact, "red", "Escalated.")
        check.refresh_from_db()
        assert check.due_at == check_due("red", check.requested_at, None)
        notification = Notification.objects.get(kind="partner_check", subject_id=check.pk)
        assert notification.acknowledge_by == check.due_at


class TestAssigning:
    def test_to_a_colleague_at_the_mash(self, make_contact, people):
        contact = assign_contact(people["mash.manager"], make_contact(),
                                 people["social.worker"])  # fmt: skip
        assert contact.assigned_to == people["social.worker"]

    def test_not_to_someone_elsewhere(self, make_contact, people):
        with pytest.raises(ValidationError):
            assign_contact(people["mash.manager"], make_contact(), people["police.officer"])


class TestChecks:
    def test_each_partner_is_told_in_its_inbox(self, make_contact, people, agencies):
        contact = make_contact(rag="amber")
        checks = request_checks(
            people["mash.manager"], contact,
            [agencies["norfolk_police"], agencies["norfolk_hospital"]], "What do you hold?",
        )  # fmt: skip
        told = Notification.objects.filter(kind="partner_check").order_by("agency__name")
        assert [n.agency for n in told] == [
            agencies["norfolk_police"],
            agencies["norfolk_hospital"],
        ]
        assert all(n.reference == contact.reference and n.case is None for n in told)
        assert {n.subject_id for n in told} == {c.pk for c in checks}
        assert "Testchild" not in told[0].summary

    def test_not_before_rating_nor_twice(self, make_contact, people, agencies):
        manager = people["mash.manager"]
        police = [agencies["norfolk_police"]]
        with pytest.raises(ValidationError):
            request_checks(manager, make_contact(), police, "Known?")
        contact = make_contact(rag="red")
        request_checks(manager, contact, police, "Known?")
        with pytest.raises(ValidationError):
            request_checks(manager, contact, police, "Again?")

    def test_only_the_agency_asked_answers_once(self, make_contact, people, agencies):
        contact = make_contact(rag="amber")
        (check,) = request_checks(people["mash.manager"], contact,
                                  [agencies["norfolk_police"]], "Known?")  # fmt: skip
        with pytest.raises(PermissionDenied):
            answer_check(people["health.nurse"], check, "Not ours.")
        answer_check(people["police.officer"], check, "Two reports.", "An informant.")
        check.refresh_from_db()
        assert check.answered and check.restricted_answer == "An informant."
        notification = Notification.objects.get(kind="partner_check", subject_id=check.pk)
        assert notification.acknowledged_by == people["police.officer"]
        with pytest.raises(ValidationError):
            answer_check(people["police.officer"], check, "Again.")


class TestDecisions:
    def test_strategy_discussion_opens_the_case_with_the_whole_story(
        self, make_contact, people, agencies
    ):
        manager = people["mash.manager"]
        contact = make_contact(rag="amber")
        police, hospital = agencies["norfolk_police"], agencies["norfolk_hospital"]
        checks = request_checks(manager, contact, [police, hospital], "Known?")
        police_check = next(c for c in checks if c.agency == police)
        answer_check(people["police.officer"], police_check, "Two missing reports.", "Informant.")
        contact = decide_contact(manager, contact, "strategy_discussion", "Risk of CSE.")
        assert contact.state == Contact.State.DECIDED and contact.case is not None
        story = list(Entry.objects.filter(case=contact.case).order_by("occurred_at", "pk"))
        categories = [e.category for e in story]
        for category in ["case_opened", "mash_contact", "mash_rating", "partner_check",
                         "mash_decision"]:  # fmt: skip
            assert category in categories
        restricted = [e for e in story if e.restricted]
        assert len(restricted) == 1 and restricted[0].agency == police
        outcome = Notification.objects.get(kind="contact_outcome")
        assert outcome.agency == agencies["norfolk_hospital"] and outcome.case == contact.case
        assert events(Action.CONTACT_DECIDED)[0].detail["case"] == contact.case.pk

    def test_a_late_answer_is_refused_not_put_on_the_chronology(
        self, make_contact, people, agencies
    ):
        """The decision closed the check (tests/triage/test_checks_overtaken.py)."""
        manager = people["mash.manager"]
        contact = make_contact(rag="red")
        (check,) = request_checks(manager, contact, [agencies["norfolk_police"]], "Known?")
        contact = decide_contact(manager, contact, "assessment", "Needs assessing.")
        with pytest.raises(ValidationError):
            answer_check(people["police.officer"], check, "Late answer.")
        # On the chronology, the check is only the closure the decision made: no answer.
        [entry] = Entry.objects.filter(case=contact.case, category="partner_check")
        assert "closed its check" in entry.text and "Late answer" not in entry.text

    def test_an_open_case_is_linked_not_duplicated(self, make_contact, people, open_case_for):
        case = open_case_for("social.worker")
        contact = make_contact(child=case.child, rag="green")
        contact = decide_contact(people["mash.manager"], contact, "early_help", "Support.")
        assert contact.case == case

    def test_no_further_action_opens_no_case(self, make_contact, people):
        contact = decide_contact(people["mash.manager"], make_contact(rag="green"),
                                 "no_further_action", "Nothing to suggest harm.")  # fmt: skip
        assert contact.case is None
        assert Notification.objects.get(kind="contact_outcome").subject_id == contact.pk

    def test_transfer_puts_a_contact_in_the_other_queue(self, make_contact, people, agencies):
        suffolk = agencies["suffolk_childrens"]
        decide_contact(people["mash.manager"], make_contact(rag="green"), "transfer",
                       "Family moved to Suffolk.", transfer_to=suffolk)  # fmt: skip
        moved = Contact.objects.get(mash=suffolk)
        assert moved.state == Contact.State.NEW and "Family moved" in moved.concern

    def test_decided_is_final(self, make_contact, people):
        manager = people["mash.manager"]
        contact = decide_contact(manager, make_contact(rag="green"), "advice", "Advice.")
        with pytest.raises(ValidationError):
            rate_contact(manager, contact, "red", "Too late.")
        with pytest.raises(ValidationError):
            decide_contact(manager, contact, "advice", "Again.")

    def test_only_managers_decide(self, make_contact, people):
        with pytest.raises(PermissionDenied):
            decide_contact(people["social.worker"], make_contact(rag="red"), "advice", "x")


def test_checks_do_not_leak_the_child_name_in_the_partner_notification(make_contact, people,
                                                                      agencies):  # fmt: skip
    contact = make_contact(rag="red", first_name="Zebedee")
    request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?")
    assert "Zebedee" not in Notification.objects.get().summary
    assert PartnerCheck.objects.get().due_at == check_due(
        "red", PartnerCheck.objects.get().requested_at, agencies["norfolk_police"]
    )

"""Closing a partner check with a reason (triage.services.close_check): the MASH stops
waiting for an answer, the request stops escalating, the partner is told through its inbox
and reads why, the closure is audited and joins the chronology of the case the decision
opens, like the MASH's other steps. The same steps as a decision's automatic close
(test_checks_overtaken.py), but by the manager and with their reason.
"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from notifications.models import Notification
from notifications.tasks import escalate
from tests.conftest import events, verify_second_factor
from tests.idempotency.test_forms import token_of
from triage.models import PartnerCheck
from triage.selectors import outstanding_checks, triage_queue
from triage.services import (
    answer_check,
    close_check,
    decide_contact,
    rate_contact,
    request_checks,
)

pytestmark = pytest.mark.django_db
REASON = "Decided on the police answer; the hospital's is not needed."


@pytest.fixture
def asked(make_contact, people, agencies):
    """An amber contact about Zinnia with checks asked of the police and the hospital."""
    contact = make_contact(rag="amber", first_name="Zinnia")
    checks = request_checks(
        people["mash.manager"], contact,
        [agencies["norfolk_police"], agencies["norfolk_hospital"]], "What do you hold?",
    )  # fmt: skip
    by_agency = {c.agency.name: c for c in checks}
    return (
        contact,
        by_agency["Norfolk Constabulary"],
        by_agency["Norfolk and Norwich University Hospitals NHS Foundation Trust"],
    )


class TestClosing:
    def test_a_closed_check_is_no_longer_outstanding_and_says_who_when_why(self, asked, people):
        contact, police, hospital = asked
        now = timezone.now()
        closed = close_check(people["mash.manager"], hospital, f"  {REASON}  ", now=now)
        assert (closed.closed_at, closed.closed_by, closed.closed_reason) == (
            now,
            people["mash.manager"],
            REASON,
        )
        assert (
            closed.closed
            and not closed.outstanding
            and not closed.overdue(now + dt.timedelta(days=9))
        )
        assert list(outstanding_checks(contact)) == [police]
        row = triage_queue(contact.mash, now=now).get(pk=contact.pk)
        assert (row.checks_asked, row.checks_outstanding) == (2, 1)

    def test_the_partner_is_told_in_its_inbox_without_the_child_or_the_reason(
        self, asked, people, agencies
    ):
        contact, _, hospital = asked
        close_check(people["mash.manager"], hospital, f"Zinnia is safe. {REASON}")
        told = Notification.objects.get(kind=Notification.Kind.CHECK_CLOSED)
        assert told.agency == agencies["norfolk_hospital"]
        assert told.subject_id == hospital.pk and told.reference == contact.reference
        assert told.case is None  # no case yet: the contact's reference names it
        # The summary may be emailed: no child's name, and the reason stays behind sign-in.
        assert "Zinnia" not in told.summary and "safe" not in told.summary
        assert "closed" in told.summary and contact.reference in told.summary
        assert told.deliveries.count() >= 1  # through the outbox, like every notification

    def test_the_closure_is_audited_without_its_free_text(self, asked, people, agencies):
        contact, _, hospital = asked
        close_check(people["mash.manager"], hospital, REASON)
        [event] = events(Action.CHECK_CLOSED)
        assert event.actor_username == "mash.manager"
        assert (event.target_type, event.target_id) == ("contact", str(contact.pk))
        assert event.detail == {
            "check": hospital.pk, "agency": agencies["norfolk_hospital"].pk, "overtaken": False,
        }  # fmt: skip

    def test_the_closure_joins_the_chronology_of_the_case_the_decision_opens(self, asked, people):
        contact, police, hospital = asked
        manager = people["mash.manager"]
        answer_check(people["police.officer"], police, "Two call-outs.")
        close_check(manager, hospital, REASON)
        contact = decide_contact(manager, contact, "strategy_discussion", "Risk of CSE.")
        [closure] = Entry.objects.filter(case=contact.case, text__contains="closed its check")
        assert closure.category == Entry.Category.PARTNER_CHECK
        assert closure.occurred_at == PartnerCheck.objects.get(pk=hospital.pk).closed_at
        assert closure.recorded_by == manager and closure.agency_id == contact.mash_id
        assert "Norfolk and Norwich" in closure.text and REASON in closure.text
        assert not closure.restricted
        story = list(
            Entry.objects.filter(case=contact.case).order_by("occurred_at", "pk")
            .values_list("category", flat=True)
        )  # fmt: skip
        # Closed before the decision, so before it on the chronology.
        assert story.index("partner_check") < story.index("mash_decision")

    def test_its_request_is_withdrawn_and_stops_escalating(self, asked, people):
        """The request notice no longer chases the partner once the manager closed it."""
        _, police, hospital = asked
        now = timezone.now()
        close_check(people["mash.manager"], hospital, REASON, now=now)
        request = Notification.objects.get(kind="partner_check", subject_id=hospital.pk)
        assert request.withdrawn_at == now and request.acknowledged_at is None
        assert not request.waiting
        escalate((police.due_at + dt.timedelta(hours=1)).isoformat())
        request.refresh_from_db()
        assert request.escalated_at is None
        still = Notification.objects.get(kind="partner_check", subject_id=police.pk)
        assert still.escalated_at is not None  # the open one is chased, as before

    def test_after_the_decision_nothing_is_left_to_close(self, asked, people):
        """The decision closed the open check as overtaken (item 6): a manager's close
        comes too late and changes nothing."""
        contact, _, hospital = asked
        manager = people["mash.manager"]
        contact = decide_contact(manager, contact, "assessment", "Needs assessing.")
        closed = PartnerCheck.objects.get(pk=hospital.pk)
        assert closed.closed and closed.closed_by is None and "overtaken" in closed.closed_reason
        with pytest.raises(ValidationError, match="has been decided"):
            close_check(manager, hospital, REASON)
        assert PartnerCheck.objects.get(pk=hospital.pk).closed_reason == closed.closed_reason
        assert Notification.objects.filter(kind="check_closed", subject_id=hospital.pk).count() == 1

    def test_rerating_leaves_a_closed_check_alone(self, asked, people):
        contact, police, hospital = asked
        close_check(people["mash.manager"], hospital, REASON)
        before = PartnerCheck.objects.get(pk=hospital.pk).due_at
        rate_contact(people["mash.manager"], contact, "red", "Worse.")
        assert PartnerCheck.objects.get(pk=hospital.pk).due_at == before
        assert PartnerCheck.objects.get(pk=police.pk).due_at != police.due_at


class TestRefusals:
    @pytest.mark.parametrize("username", ["social.worker", "police.mash", "police.officer"])
    def test_only_the_receiving_mash_managers_close(self, asked, people, username):
        _, _, hospital = asked
        with pytest.raises(PermissionDenied):
            close_check(people[username], hospital, REASON)
        assert PartnerCheck.objects.get(pk=hospital.pk).closed_at is None
        assert not Notification.objects.filter(kind="check_closed").exists()

    @pytest.mark.parametrize("reason", ["", "   \n "])
    def test_a_reason_is_required(self, asked, people, reason):
        _, _, hospital = asked
        with pytest.raises(ValidationError, match="why you are closing"):
            close_check(people["mash.manager"], hospital, reason)
        assert PartnerCheck.objects.get(pk=hospital.pk).closed_at is None

    def test_not_an_answered_check_nor_one_closed_already(self, asked, people):
        _, police, hospital = asked
        answer_check(people["police.officer"], police, "Nothing held.")
        with pytest.raises(ValidationError, match="has answered"):
            close_check(people["mash.manager"], police, REASON)
        close_check(people["mash.manager"], hospital, REASON)
        with pytest.raises(ValidationError, match="already closed"):
            close_check(people["mash.manager"], hospital, "Again.")
        assert Notification.objects.filter(kind="check_closed").count() == 1
        assert len(events(Action.CHECK_CLOSED)) == 1

    def test_a_closed_check_cannot_be_answered(self, asked, people):
        _, _, hospital = asked
        close_check(people["mash.manager"], hospital, REASON)
        with pytest.raises(ValidationError, match=f"closed on .*: {REASON}"):
            answer_check(people["health.nurse"], hospital, "Late, but here.")
        assert PartnerCheck.objects.get(pk=hospital.pk).answered_at is None

    def test_the_database_refuses_a_check_both_answered_and_closed_or_closed_without_why(
        self, asked, people
    ):
        from django.db import IntegrityError, transaction

        _, police, _ = asked
        answer_check(people["police.officer"], police, "Nothing held.")
        with pytest.raises(IntegrityError), transaction.atomic():
            PartnerCheck.objects.filter(pk=police.pk).update(
                closed_at=timezone.now(), closed_reason="x"
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            PartnerCheck.objects.filter(pk=asked[2].pk).update(closed_at=timezone.now())


def _signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    verify_second_factor(client, person)
    return client


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_the_close_form_close_together_close_once(make_contact, people,
                                                                     agencies):  # fmt: skip
    """The same form sent twice at the same moment, each on its own connection: the second
    waits for the first's claim and closes nothing, tells nobody twice."""
    contact = make_contact(rag="red")
    (check,) = request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "?")
    url = reverse("contact-check-close", args=[contact.pk, check.pk])
    first = _signed_in(people["mash.manager"])
    token = token_of(first.get(url))
    second = Client()
    second.cookies = first.cookies
    start = threading.Barrier(2)
    answers = []

    def send(client: Client) -> None:
        try:
            start.wait()
            answers.append(client.post(url, {"once": token, "reason": REASON}))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [302, 302]
    assert {a["Location"] for a in answers} == {reverse("contact", args=[contact.pk])}
    assert PartnerCheck.objects.get(pk=check.pk).closed_reason == REASON
    assert Notification.objects.filter(kind="check_closed").count() == 1
    assert len(events(Action.CHECK_CLOSED)) == 1

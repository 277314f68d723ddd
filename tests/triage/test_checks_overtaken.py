"""A partner whose check is overtaken by the MASH's decision is told, and the check closes
(issue 17 item 6): state closed with the reason and when, its request stops escalating,
the partner gets a notification through the outbox, and an answer sent afterwards is
refused politely (triage.services: nothing is recorded; the refusal says where to go).
"""

import datetime as dt
import re
import zoneinfo
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from audit.models import Action
from cases.models import Entry
from notifications.models import Delivery, Notification
from notifications.services import unacknowledged_count, waiting_for
from notifications.tasks import escalate
from tests.conftest import events
from triage.models import PartnerCheck
from triage.services import CheckClosed, answer_check, decide_contact, request_checks

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
# A Friday afternoon: the decision is said as "on 4 December 2026".
DECIDED = dt.datetime(2026, 12, 4, 15, 7, tzinfo=LONDON)
REASON = "overtaken by the decision on 4 December 2026"


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def decided(make_contact, people, agencies):
    """A red contact: the police answered, the hospital had not when the MASH decided."""
    with time_machine.travel(DECIDED - dt.timedelta(hours=1), tick=False):
        contact = make_contact(rag="red", first_name="Zebedee")
        checks = request_checks(
            people["mash.manager"], contact,
            [agencies["norfolk_police"], agencies["norfolk_hospital"]], "Known?",
        )  # fmt: skip
        police = next(c for c in checks if c.agency == agencies["norfolk_police"])
        answer_check(people["police.officer"], police, "Two missing reports.")
    with time_machine.travel(DECIDED, tick=False):
        contact = decide_contact(people["mash.manager"], contact, "assessment", "Assess.")
    hospital = PartnerCheck.objects.get(contact=contact, agency=agencies["norfolk_hospital"])
    police.refresh_from_db()
    return contact, hospital, police


def request_of(check: PartnerCheck) -> Notification:
    return Notification.objects.get(kind=Notification.Kind.PARTNER_CHECK, subject_id=check.pk)


def test_the_open_check_closes_with_the_reason_and_the_answered_one_stays(decided):
    _, hospital, police = decided
    assert hospital.closed and not hospital.outstanding and not hospital.answered
    assert hospital.closed_at == DECIDED and hospital.closed_reason == REASON
    assert hospital.closed_by is None  # closed by the decision, not by hand
    assert not police.closed and police.answered


def test_its_request_is_withdrawn_and_stops_escalating(decided, make_contact, people, agencies):
    _, hospital, _ = decided
    request = request_of(hospital)
    assert request.withdrawn_at == DECIDED and request.acknowledged_at is None
    assert not request.waiting and not request.overdue(DECIDED + dt.timedelta(days=1))
    # A check on another contact, still open, is escalated at the same moment: the sweep
    # would have chased the closed one too.
    with time_machine.travel(DECIDED, tick=False):
        other = make_contact(rag="red")
        (still_open,) = request_checks(
            people["mash.manager"], other, [agencies["norfolk_hospital"]], "Known?"
        )
    after_both_were_due = DECIDED + dt.timedelta(hours=3)
    assert escalate(after_both_were_due.isoformat()) == 1
    assert request_of(still_open).escalated_at is not None
    request.refresh_from_db()
    assert request.escalated_at is None
    assert not Delivery.objects.filter(
        notification=request, channel=Delivery.Channel.ESCALATION
    ).exists()


def test_the_partner_is_told_through_the_outbox(decided, agencies):
    contact, hospital, _ = decided
    told = Notification.objects.get(kind=Notification.Kind.CHECK_CLOSED)
    assert told.agency == agencies["norfolk_hospital"] and told.subject_id == hospital.pk
    assert told.reference == contact.reference and told.created_at == DECIDED
    # Safe for an email: no child, and the reason is read on the check's page.
    assert "Zebedee" not in told.summary and REASON not in told.summary
    assert "no longer needs an answer" in told.summary
    # Delivered like every notification: an email row the worker and the sweep send.
    assert Delivery.objects.filter(notification=told, channel=Delivery.Channel.EMAIL).exists()
    # The police, who answered, are told nothing of the kind.
    assert not Notification.objects.filter(
        kind=Notification.Kind.CHECK_CLOSED, agency=agencies["norfolk_police"]
    ).exists()
    (closed,) = events(Action.CHECK_CLOSED)
    assert closed.detail == {"check": hospital.pk, "agency": hospital.agency_id,
                             "overtaken": True}  # fmt: skip
    # The header count no longer asks for the withdrawn request: only for the notice and
    # (the hospital made the contact) the decision's outcome.
    hospital_agency = agencies["norfolk_hospital"]
    assert sorted(waiting_for(hospital_agency).values_list("kind", flat=True)) == [
        "check_closed", "contact_outcome",
    ]  # fmt: skip
    assert unacknowledged_count(hospital_agency) == 2
    assert Notification.objects.filter(agency=hospital_agency, acknowledged_at=None).count() == 3


def test_an_answer_afterwards_is_refused_and_nothing_is_recorded(decided, people):
    contact, hospital, _ = decided
    with pytest.raises(CheckClosed, match="closed on 4 December 2026 at 3:07pm"):
        answer_check(people["health.nurse"], hospital, "Late answer.")
    hospital.refresh_from_db()
    assert hospital.answer == "" and hospital.answered_at is None
    assert not Entry.objects.filter(case=contact.case, text__contains="Late answer").exists()
    assert not events(Action.CHECK_ANSWERED, target_id=contact.pk)[1:]


def test_the_partners_pages_say_it_closed_and_take_no_answer(decided, sign_in):
    _, hospital, _ = decided
    client = sign_in("health.nurse")
    page = text(client.get(reverse("check", args=[hospital.pk])))
    assert f"This check was closed on 4 December 2026 at 3:07pm, unanswered: {REASON}" in page
    assert "Send the answer to the MASH" not in page and "record a contact" in page
    response = client.post(
        reverse("check", args=[hospital.pk]), {"answer": "Late answer."}, follow=True
    )
    refused = text(response)
    assert "No answer is needed now, and none was recorded" in refused
    hospital.refresh_from_db()
    assert hospital.answer == ""
    listed = text(client.get(reverse("checks")))
    assert f"Closed 4 December 2026 at 3:07pm, no answer needed: {REASON}" in listed
    inbox = text(client.get(reverse("inbox")))
    assert "See why the check was closed for contact" in inbox and "No longer needed" in inbox
    assert "MASH check closed: no answer needed" in inbox


def test_the_api_refuses_an_answer_with_the_reason(decided, sign_in):
    _, hospital, _ = decided
    response = sign_in("health.nurse").post(
        reverse("api-check-answer", args=[hospital.pk]),
        {"answer": "Late answer."},
        content_type="application/json",
        headers={"Idempotency-Key": "late-answer-1"},
    )
    assert response.status_code == 409
    assert REASON in response.json()["detail"]
    hospital.refresh_from_db()
    assert hospital.answer == ""


def test_the_mash_sees_which_checks_closed(decided, sign_in):
    contact, _, _ = decided
    page = text(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
    assert f"Closed 4 December 2026 at 3:07pm, unanswered: {REASON}" in page


def test_the_overtaken_check_is_on_the_chronology_before_the_decision(decided, people):
    """Closed by the decision, nobody closed it by hand: the entry is the decider's."""
    contact, hospital, _ = decided
    closure = Entry.objects.get(case=contact.case, text__contains="closed its check")
    assert hospital.agency.name in closure.text
    assert closure.occurred_at == DECIDED and REASON in closure.text
    assert closure.recorded_by == people["mash.manager"]
    story = list(
        Entry.objects.filter(case=contact.case).order_by("occurred_at", "pk")
        .values_list("category", flat=True)
    )  # fmt: skip
    assert story.index("partner_check") < story.index("mash_decision")


def test_deciding_on_the_page_with_a_check_out_closes_it_as_overtaken(
    make_contact, people, agencies, sign_in
):
    """The decide page warns (test_decision_support_pages.py) but lets the manager decide:
    the check still out is then closed by the decision, as the service does, where the API
    asks for close_open_checks instead (test_api_contacts.py)."""
    contact = make_contact(rag="red")
    (check,) = request_checks(
        people["mash.manager"], contact, [agencies["norfolk_hospital"]], "Known?"
    )
    response = sign_in("mash.manager").post(
        reverse("contact-decide", args=[contact.pk]),
        {"decision": "assessment", "rationale": "Assess now."},
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.closed and check.closed_by is None
    assert check.closed_reason.startswith("overtaken by the decision on ")
    assert request_of(check).withdrawn_at == check.closed_at
    assert Notification.objects.filter(kind="check_closed", subject_id=check.pk).count() == 1

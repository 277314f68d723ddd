"""One deadline per partner check, wherever it is said: the inbox, the check page, the
partner's list of checks, the email, the webhook and the API all say the check's `due_at`,
and a re-rating moves every one of them (issue 17 item 6: the inbox said 03:07 from text
written when the check was asked, the check page 01:07 after it moved).

Times straddle the night the clocks go back (Sunday 25 October 2026, 2am BST -> 1am GMT),
where a wall-clock reading happens twice and the Hub names its zone.
"""

import datetime as dt
import json
import re
import zoneinfo
from html import unescape

import pytest
from django.urls import reverse

from notifications.models import Delivery, Notification
from notifications.tasks import attempt, webhook_body
from safeguarding.uk_time import said
from triage.models import PartnerCheck
from triage.services import rate_contact, request_checks

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = dt.UTC

# Asked at 1:07pm UTC (2:07pm BST) on the Saturday before the clocks go back.
ASKED = dt.datetime(2026, 10, 24, 13, 7, tzinfo=UTC)
# Amber: 12 elapsed hours -> 1:07am UTC on the Sunday, which is 1:07am GMT, the second time
# 1:07am happened that night.
AMBER_DUE = dt.datetime(2026, 10, 25, 1, 7, tzinfo=UTC)
# Red: 2 elapsed hours -> 3:07pm UTC, 4:07pm BST on the Saturday.
RED_DUE = dt.datetime(2026, 10, 24, 15, 7, tzinfo=UTC)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def asked(make_contact, people, agencies) -> PartnerCheck:
    """An amber contact, Norfolk Constabulary asked what it holds, across the clock change."""
    received = ASKED - dt.timedelta(hours=1)
    contact = make_contact(received_at=received, now=ASKED)
    rate_contact(people["mash.manager"], contact, "amber", "Concerning.", now=ASKED)
    (check,) = request_checks(
        people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?", now=ASKED
    )
    return check


def notification_of(check: PartnerCheck) -> Notification:
    return Notification.objects.get(kind=Notification.Kind.PARTNER_CHECK, subject_id=check.pk)


def test_the_deadlines_say_the_zone_of_the_repeated_hour():
    assert said(AMBER_DUE) == "25 October 2026 at 1:07am GMT"
    assert said(RED_DUE) == "24 October 2026 at 4:07pm"


def test_the_notification_text_carries_no_deadline_to_go_stale(asked):
    notification = notification_of(asked)
    assert notification.summary == (
        f"Contact {asked.contact.reference}: the MASH asks what your agency holds on a child"
    )
    assert asked.due_at == AMBER_DUE and notification.acknowledge_by == AMBER_DUE


def test_every_page_says_the_one_deadline_and_a_rerating_moves_them_all(asked, sign_in, people):
    client = sign_in("police.officer")
    for page in (reverse("inbox"), reverse("checks"), reverse("check", args=[asked.pk])):
        assert said(AMBER_DUE) in text(client.get(page)), page

    rate_contact(people["mash.manager"], asked.contact, "red", "Now missing.", now=ASKED)

    asked.refresh_from_db()
    assert asked.due_at == RED_DUE
    assert notification_of(asked).acknowledge_by == RED_DUE
    for page in (reverse("inbox"), reverse("checks"), reverse("check", args=[asked.pk])):
        shown = text(client.get(page))
        assert said(RED_DUE) in shown, page
        assert said(AMBER_DUE) not in shown and "1:07am" not in shown, page


def test_an_acknowledged_notification_moves_with_its_check(asked, people):
    from notifications.services import acknowledge_notification

    acknowledge_notification(notification_of(asked), people["police.officer"])
    rate_contact(people["mash.manager"], asked.contact, "red", "Now missing.", now=ASKED)
    assert notification_of(asked).acknowledge_by == RED_DUE


def test_the_api_says_the_same_instant(asked, sign_in, people):
    rate_contact(people["mash.manager"], asked.contact, "red", "Now missing.", now=ASKED)
    client = sign_in("police.officer")
    listed = client.get(reverse("api-notifications")).json()
    (row,) = [n for n in listed["results"] if n["kind"] == "partner_check"]
    assert dt.datetime.fromisoformat(row["acknowledge_by"]) == RED_DUE
    manager = sign_in("mash.manager")
    contact = manager.get(reverse("api-contact", args=[asked.contact_id])).json()
    assert dt.datetime.fromisoformat(contact["checks"][0]["due_at"]) == RED_DUE


def test_the_email_and_webhook_sent_after_a_rerating_say_the_new_deadline(
    asked, people, mailoutbox
):
    rate_contact(people["mash.manager"], asked.contact, "red", "Now missing.", now=ASKED)
    notification = notification_of(asked)
    email = Delivery.objects.get(notification=notification, channel=Delivery.Channel.EMAIL)
    email.next_attempt_at = ASKED
    email.save(update_fields=["next_attempt_at"])
    assert attempt(email.pk) == "sent"
    (sent,) = mailoutbox
    assert f"by {said(RED_DUE)}" in sent.body and "1:07am" not in sent.body + sent.subject
    payload = json.loads(webhook_body(notification))
    assert dt.datetime.fromisoformat(payload["acknowledge_by"]) == RED_DUE

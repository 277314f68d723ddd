"""One acknowledgement per event (issue 17 item 6): a placement notice and the view share it
gave the agencies covering the area are acknowledged together, from whichever page (or the
API) the agency uses. Both acknowledgements are audited, the chronology says it once, and a
notice taken in through its share stops escalating.

Design: the notification is linked to the share its event made (`Notification.share`);
acknowledging the notification acknowledges the share (when the person's role may
acknowledge shares), and acknowledging the share acknowledges the notification through
the hook `sharing.registry` offers. A share the agency already held is not the event's.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from notifications.models import Notification
from notifications.services import acknowledge_notification, unacknowledged_count
from notifications.tasks import escalate
from people.models import Person
from sharing.models import LawfulBasis, Share
from tests.conftest import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(open_case_for, place, agencies):
    """A Norfolk child placed in Suffolk: Suffolk police are told and given view access."""
    case = open_case_for("social.worker", first_name="Placed", last_name="Onceacknowledged")
    placement = place(case, "suffolk")
    suffolk = agencies["suffolk_police"]
    notice = Notification.objects.get(agency=suffolk, kind="placement", subject_id=placement.pk)
    share = Share.objects.get(case=case, agency=suffolk)
    return case, notice, share


def acknowledgements(case) -> list[str]:
    return list(
        Entry.objects.filter(
            case=case, category__in=["notification_acknowledged", "share_acknowledged"]
        ).values_list("text", flat=True)
    )


def test_the_notice_carries_the_share_its_placement_made(placed):
    _, notice, share = placed
    assert notice.share == share
    assert share.lawful_basis == LawfulBasis.PLACEMENT_NOTIFICATION
    assert share.acknowledged_at is None


def test_acknowledging_the_notice_in_the_inbox_acknowledges_the_share(placed, sign_in, people):
    case, notice, share = placed
    inbox = sign_in("suffolk.officer").get(reverse("inbox")).content.decode()
    assert "This also acknowledges the access to the case it gave your agency." in inbox
    response = sign_in("suffolk.officer").post(reverse("inbox-acknowledge", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    share.refresh_from_db()
    officer = people["suffolk.officer"]
    assert notice.acknowledged_by == officer and share.acknowledged_by == officer
    # Both audited, the chronology says it once.
    (ack,) = events(Action.NOTIFICATION_ACKNOWLEDGED)
    assert ack.detail == {"notification": notice.pk, "kind": "placement", "share": share.pk,
                          "with_share": True}  # fmt: skip
    (shared,) = events(Action.SHARE_ACKNOWLEDGED)
    assert shared.detail["share"] == share.pk and shared.detail["with_notice"] is True
    (entry,) = acknowledgements(case)
    assert "acknowledged by Suffolk Constabulary" in entry and "access it gave" in entry
    # Nothing left to acknowledge on the shares page (the inbox said it would be so).
    shares = sign_in("suffolk.officer").get(reverse("shares")).content.decode()
    assert f'action="{reverse("share-acknowledge", args=[share.pk])}"' not in shares


def test_acknowledging_the_share_acknowledges_the_notice_and_stops_its_escalation(
    placed, sign_in, people
):
    case, notice, share = placed
    client = sign_in("suffolk.officer")
    assert client.post(reverse("share-acknowledge", args=[share.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == people["suffolk.officer"]
    assert unacknowledged_count(share.agency) == 0
    # (Suffolk's other agencies, told too, are escalated: not this one.)
    escalate((notice.acknowledge_by + dt.timedelta(hours=1)).isoformat())
    notice.refresh_from_db()
    assert notice.escalated_at is None
    (ack,) = events(Action.NOTIFICATION_ACKNOWLEDGED)
    assert ack.detail["share"] == share.pk and ack.detail["with_share"] is True
    (shared,) = events(Action.SHARE_ACKNOWLEDGED)
    assert shared.detail["with_notice"] is False
    (entry,) = acknowledgements(case)
    assert "acknowledged the share" in entry
    inbox = client.get(reverse("inbox")).content.decode()
    assert f'action="{reverse("inbox-acknowledge", args=[notice.pk])}"' not in inbox


def test_the_api_acknowledges_both_too(placed, sign_in):
    _, notice, share = placed
    response = sign_in("suffolk.officer").post(reverse("api-share-acknowledge", args=[share.pk]))
    assert response.status_code == 200, response.content
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None


def test_without_the_share_a_later_escalation_still_happens(placed):
    """The control for the test above: left alone, the notice is escalated."""
    _, notice, _ = placed
    escalate((notice.acknowledge_by + dt.timedelta(hours=1)).isoformat())
    notice.refresh_from_db()
    assert notice.escalated_at is not None


def test_a_role_that_may_not_acknowledge_shares_leaves_the_share(placed, agencies):
    _, notice, share = placed
    admin = Person.objects.create(username="suffolk.admin", first_name="Sam", last_name="Admin",
                                  agency=agencies["suffolk_police"],
                                  role=Person.Role.AGENCY_ADMIN)  # fmt: skip
    acknowledge_notification(notice, admin)
    share.refresh_from_db()
    assert share.acknowledged_at is None
    assert events(Action.NOTIFICATION_ACKNOWLEDGED)[0].detail["with_share"] is False
    assert not events(Action.SHARE_ACKNOWLEDGED)


def test_a_share_the_agency_already_held_is_not_the_events(open_case_for, share, place,
                                                          agencies, people):  # fmt: skip
    case = open_case_for("social.worker")
    earlier = share(case, "suffolk_police", "contribute")
    placement = place(case, "suffolk")
    notice = Notification.objects.get(agency=agencies["suffolk_police"], subject_id=placement.pk)
    assert notice.share is None
    acknowledge_notification(notice, people["suffolk.officer"])
    earlier.refresh_from_db()
    assert earlier.acknowledged_at is None


def test_a_missing_report_that_gives_access_links_it_too(open_case_for, place, missing,
                                                         agencies):  # fmt: skip
    case = open_case_for("social.worker")
    place(case, "suffolk")
    Share.objects.filter(case=case, agency=agencies["suffolk_police"]).update(
        revoked_at=timezone.now()
    )
    episode = missing(case, by="social.worker")
    notice = Notification.objects.get(
        agency=agencies["suffolk_police"], kind="missing", subject_id=episode.pk
    )
    assert notice.share is not None and notice.share.revoked_at is None

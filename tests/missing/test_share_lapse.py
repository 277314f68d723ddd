"""A placement notice's share lapses once the child has left the area (issue 19, item 6):
set to lapse PLACEMENT_SHARE_LAPSE_DAYS after the move or the end of the placement, renewed
by the agency holding it with a reason, or revoked by the sweep when due. Time is fixed in
the test: the sweep takes `now`."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.actions import Action
from cases.selectors import can
from missing.services import end_placement
from missing.tasks import lapse_placement_shares
from notifications.models import Notification
from sharing.models import Share
from sharing.services import NotLapsing, renew_share
from tests.conftest import events
from tests.missing.test_pages import client_for, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(placed_case):
    return placed_case


def suffolk_share(case) -> Share:
    return Share.objects.get(case=case, agency__name="Suffolk Constabulary")


def test_a_move_away_sets_the_old_areas_shares_to_lapse_and_says_so(case, place, people):
    moved = timezone.now()
    place(case, "norfolk", at=moved)
    share = suffolk_share(case)
    assert share.lapses_at == moved + dt.timedelta(days=settings.PLACEMENT_SHARE_LAPSE_DAYS)
    told = Notification.objects.get(kind="placement_ended", agency__name="Suffolk Constabulary")
    assert "your access lapses" in told.summary
    assert events(Action.SHARE_LAPSE_SET)[-1].detail["because"] == "moved away"
    # The agencies of the new area keep theirs: nothing is set to lapse for them.
    assert not Share.objects.filter(case=case, agency__name="Norfolk Constabulary",
                                    lapses_at__isnull=False).exists()  # fmt: skip


def test_the_sweep_revokes_a_share_due_and_leaves_one_renewed(case, people, agencies):
    ended = timezone.now()
    end_placement(people["social.worker"], case, ended_at=ended, reason="Came home")
    police, council = (
        suffolk_share(case),
        Share.objects.get(case=case, agency__name="Suffolk County Council Children's Services"),
    )
    assert police.lapses_at and council.lapses_at
    officer = people["suffolk.officer"]
    renewed = renew_share(police, officer, "An investigation into adults here is still open",
                          now=ended + dt.timedelta(days=20))  # fmt: skip
    assert renewed.lapses_at == ended + dt.timedelta(days=20 + settings.PLACEMENT_SHARE_LAPSE_DAYS)
    entry = case.entries.filter(category="share").latest("recorded_at")
    assert "renewed its access" in entry.text and "still open" in entry.text

    due = ended + dt.timedelta(days=settings.PLACEMENT_SHARE_LAPSE_DAYS, minutes=1)
    assert lapse_placement_shares(due.isoformat()) == 1
    council.refresh_from_db()
    assert council.revoked_at == due and "Lapsed" in council.revoke_reason
    assert can(people["suffolk.officer"], case, "view")  # the police renewed: still in
    [lapsed] = events(Action.SHARE_LAPSED)
    assert lapsed.actor_id is None and lapsed.detail["share"] == council.pk
    assert "access lapsed" in case.entries.filter(category="share_revoked").latest("id").text
    assert lapse_placement_shares(due.isoformat()) == 0  # safe to run again


def test_a_share_not_set_to_lapse_is_not_renewed(case, people, share):
    police = share(case, "norfolk_police", "view")
    with pytest.raises(NotLapsing):
        renew_share(police, people["police.officer"], "We want it longer")


def test_the_holder_keeps_access_from_the_shares_page_with_a_reason(case, people):
    end_placement(people["social.worker"], case, ended_at=timezone.now(), reason="Came home")
    share = suffolk_share(case)
    client = client_for("suffolk.officer")
    page = text_of(client.get(reverse("shares")))
    assert "Lapses" in page and "Keep access" in page
    url = reverse("share-renew", args=[share.pk])
    refused = client.post(url, {"reason": ""})
    assert "Enter why your agency still needs to see this case" in text_of(refused)
    kept = client.post(url, {"reason": "Our investigation is still open"})
    assert kept.status_code == 302
    share.refresh_from_db()
    assert share.renewed_by == people["suffolk.officer"]
    # Anyone else: the share is not theirs to see.
    assert client_for("social.worker").get(url).status_code == 404

"""Passing on only what you may pass on (issue 15, item 7; SECURITY.md, "Passing on").

Norfolk children's services lead a case on a child and share it with Norfolk police. The
police open a case of their own on that child: the council is told, and the council's case
records it for its access reports. Sharing the police's own case onward passes the child's
identity on: refused while the police only view the council's case, allowed once they may
contribute to it.
"""

import pytest
from django.urls import reverse

from audit.actions import Action
from cases.services import close_case, open_case
from notifications.models import Notification
from reports.selectors import report_events
from sharing.models import Share
from sharing.services import PassingOnRefused, share_case
from tests.conftest import events

pytestmark = pytest.mark.django_db

PURPOSE = "Joint visit with Suffolk colleagues"


@pytest.fixture
def council_case(open_case_for):
    return open_case_for("social.worker", first_name="Passon", last_name="Testchild")


@pytest.fixture
def police_case(council_case, share, people):
    """The police's own case on the council's child, opened while they may only view."""
    share(council_case, "norfolk_police", "view")
    return open_case(people["police.officer"], council_case.child, concern="Seen at night")


def onward(client, case, agencies, **headers):
    return client.post(
        reverse("api-case-shares", args=[case.pk]),
        {"agency": agencies["suffolk_police"].pk, "level": "view",
         "lawful_basis": "ca2004_s11", "purpose": PURPOSE},
        content_type="application/json", **headers,
    )  # fmt: skip


def test_opening_a_case_on_a_child_seen_through_a_share_tells_the_managing_agency(
    council_case, police_case, agencies, people
):
    told = Notification.objects.get(kind=Notification.Kind.OWN_CASE_OPENED)
    assert told.agency == agencies["norfolk_childrens"]
    assert told.case == council_case
    assert told.subject_id == police_case.pk
    assert police_case.reference in told.summary and "Testchild" not in told.summary
    # One event, about the council's case, so its access reports show it.
    (event,) = events(Action.OWN_CASE_OPENED)
    assert event.target_id == str(council_case.pk)
    assert event.detail["case"] == police_case.pk
    for reader in ("ig.officer", "social.worker"):
        shown = report_events(people[reader], case_ids=[council_case.pk])
        assert shown.filter(pk=event.pk).exists(), reader


def test_opening_a_case_on_a_child_you_recorded_yourself_tells_nobody(open_case_for, people):
    case = open_case_for("police.officer")
    close_case(people["police.officer"], case, "Opened in error")  # one open case an agency
    open_case(people["police.officer"], case.child)
    assert not Notification.objects.filter(kind=Notification.Kind.OWN_CASE_OPENED).exists()
    assert events(Action.OWN_CASE_OPENED) == []


def test_a_view_only_partner_cannot_share_its_own_case_on_the_child(
    sign_in, police_case, council_case, agencies, people
):
    response = onward(sign_in("police.officer"), police_case, agencies)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert council_case.reference in detail and "contribute access" in detail
    with pytest.raises(PassingOnRefused):
        share_case(police_case, people["police.mash"], agencies["norfolk_hospital"], "view",
                   "ca2004_s11", PURPOSE)  # fmt: skip
    assert not Share.objects.filter(case=police_case).exclude(agency=agencies["norfolk_police"])


def test_the_share_page_says_why_and_keeps_what_was_typed(
    sign_in, police_case, council_case, agencies
):
    client = sign_in("police.officer")
    response = client.post(
        reverse("case-share", args=[police_case.pk]),
        {"agency": agencies["suffolk_police"].pk, "level": "view",
         "lawful_basis": "ca2004_s11", "purpose": PURPOSE},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert f"Your agency knows this child through case {council_case.reference}" in page
    assert PURPOSE in page
    assert not Share.objects.filter(case=police_case, agency=agencies["suffolk_police"]).exists()


def test_with_contribute_access_the_partner_may_pass_the_child_on(
    sign_in, police_case, council_case, share, agencies
):
    share(council_case, "norfolk_police", "contribute")
    response = onward(sign_in("police.officer"), police_case, agencies)
    assert response.status_code == 201, response.content
    assert Share.objects.filter(case=police_case, agency=agencies["suffolk_police"]).exists()


def test_the_managing_agency_itself_may_still_share_its_case(sign_in, police_case, council_case,
                                                             agencies):  # fmt: skip
    response = onward(sign_in("social.worker"), council_case, agencies)
    assert response.status_code == 201, response.content

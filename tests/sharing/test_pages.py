"""The sharing pages: sharing a case, revoking a share (never the lead agency's own), the
shares an agency received and acknowledging them, and break-glass emergency access."""

import re

import pytest
from django.urls import reverse

from audit.models import Action
from safeguarding.uk_time import said
from sharing.models import EmergencyAccess, Share
from tests.cases.page_helpers import html, text_of
from tests.conftest import events

pytestmark = pytest.mark.django_db


# Sharing --------------------------------------------------------------------------------


def test_sharing_a_case(sign_in, open_case_for, people, agencies):
    case = open_case_for("social.worker")
    client = sign_in("mash.manager")
    url = reverse("case-share", args=[case.pk])
    form = html(client.get(url))
    assert "Norfolk Constabulary" in form
    assert f'value="{agencies["norfolk_childrens"].pk}"' not in form
    page = html(
        client.post(
            url,
            {
                "agency": agencies["norfolk_police"].pk,
                "level": "view",
                "lawful_basis": "",
                "purpose": "Strategy meeting",
            },
        )
    )
    assert "Select the lawful basis" in page and "Strategy meeting</textarea>" in page
    assert re.search(r'value="view"\s+checked', page)
    response = client.post(
        url,
        {
            "agency": agencies["norfolk_police"].pk,
            "level": "view",
            "lawful_basis": "ca1989_s47",
            "purpose": "Strategy meeting",
        },
    )
    assert response.status_code == 302
    share = Share.objects.get(case=case, agency=agencies["norfolk_police"])
    assert (share.level, share.lawful_basis, share.shared_by) == (
        "view",
        "ca1989_s47",
        people["mash.manager"],
    )
    refused = html(
        client.post(
            url,
            {
                "agency": agencies["norfolk_childrens"].pk,
                "level": "view",
                "lawful_basis": "ca1989_s47",
                "purpose": "x",
            },
        )
    )
    assert "Select the agency to share with" in refused


def test_revoking_a_share_takes_access_away_at_once(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker")
    police = share(case, "norfolk_police", "contribute")
    url = reverse("case", args=[case.pk])
    assert sign_in("police.officer").get(url).status_code == 200
    client = sign_in("social.worker")
    # The shares are on the case's "Access and activity" tab, which the revoke returns to.
    access = reverse("case-access", args=[case.pk])
    page = html(client.get(access))
    assert reverse("share-revoke", args=[police.pk]) in page
    lead = Share.objects.get(case=case, agency=case.lead_agency)
    assert reverse("share-revoke", args=[lead.pk]) not in page
    # The access tab's button asks for a confirmation and a reason; nothing changes yet.
    confirm = client.post(reverse("share-revoke", args=[police.pk]))
    assert confirm.status_code == 200
    assert "Revoke Norfolk Constabulary’s access" in text_of(confirm)
    assert sign_in("police.officer").get(url).status_code == 200
    client = sign_in("social.worker")
    missing_reason = client.post(reverse("share-revoke", args=[police.pk]), {"reason": " "})
    assert "Enter why you are revoking this access" in text_of(missing_reason)
    response = client.post(
        reverse("share-revoke", args=[police.pk]), {"reason": "The enquiry has ended"}
    )
    assert response.status_code == 302 and response["Location"] == access
    assert "Norfolk Constabulary no longer has this access" in text_of(client.get(access))
    police.refresh_from_db()
    assert police.revoke_reason == "The enquiry has ended"
    entry = case.entries.get(category="share_revoked")
    assert entry.text.endswith("revoked. Reason: The enquiry has ended")
    assert sign_in("police.officer").get(url).status_code == 404
    assert sign_in("police.officer").get(reverse("entry-new", args=[case.pk])).status_code == 404


def test_the_lead_agencys_own_share_cannot_be_revoked(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    lead = Share.objects.get(case=case, agency=case.lead_agency)
    client = sign_in("mash.manager")
    response = client.post(reverse("share-revoke", args=[lead.pk]), {"reason": "Handover"})
    assert response.status_code == 302
    assert "cannot be revoked" in text_of(client.get(response["Location"]))
    lead.refresh_from_db()
    assert lead.revoked_at is None


def test_shares_received_unacknowledged_first_and_acknowledging(
    sign_in, open_case_for, share, people
):
    older = open_case_for("social.worker", first_name="Older")
    newer = open_case_for("social.worker", first_name="Newer")
    first = share(older, "norfolk_police")
    second = share(newer, "norfolk_police")
    client = sign_in("police.officer")
    page = text_of(client.get(reverse("shares")))
    assert page.index(newer.reference) < page.index(older.reference)
    assert "Children Act 1989 s.47" in page and "Strategy discussion" in page
    response = client.post(reverse("share-acknowledge", args=[second.pk]),
                           {"next": reverse("shares")})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("shares")
    page = text_of(client.get(reverse("shares")))
    assert f"You acknowledged {newer.reference}" in page
    table = page[page.index("2 shares") :]
    assert table.index(older.reference) < table.index(newer.reference)
    assert "by Dana Wells" in page
    second.refresh_from_db()
    assert second.acknowledged_by == people["police.officer"]
    assert newer.entries.filter(category="share_acknowledged").exists()
    assert [e.detail["list"] for e in events(Action.CASE_LISTED)] == ["shares_received"] * 2
    # A share to another agency is not this agency's to acknowledge.
    assert (
        sign_in("health.nurse").post(reverse("share-acknowledge", args=[first.pk])).status_code
        == 404
    )


# Emergency access -----------------------------------------------------------------------


def test_emergency_access_needs_a_real_reference_and_a_reason(sign_in, open_case_for, people):
    client = sign_in("suffolk.officer")
    page = text_of(client.get(reverse("emergency-access")))
    assert "ends after 4 hours" in page and "shown to the agency that manages the case" in page
    page = html(
        client.post(
            reverse("emergency-access"), {"reference": "CSE-2026-999999", "reason": "Too short"}
        )
    )
    assert "Why you need to see this case must be 20 characters or more" in page
    page = html(
        client.post(
            reverse("emergency-access"),
            {"reference": "CSE-2026-999999", "reason": "Found alone at 2am at the station"},
        )
    )
    assert "No case has that reference" in page
    assert 'value="CSE-2026-999999"' in page and "alone at 2am" in page
    assert EmergencyAccess.objects.count() == 0


def test_emergency_access_opens_the_case_for_that_person_and_tells_the_manager(
    sign_in, open_case_for, people
):
    case = open_case_for("social.worker", concern="Seen with older men")
    client = sign_in("suffolk.officer")
    assert client.get(reverse("case", args=[case.pk])).status_code == 404
    response = client.post(
        reverse("emergency-access"),
        {"reference": case.reference.lower(), "reason": "Found alone at 2am at Ipswich station"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("case", args=[case.pk])
    page = text_of(client.get(response["Location"]))
    assert "You are using emergency access until" in page
    access = EmergencyAccess.objects.get()
    until = said(access.expires_at)
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}(:\d\d)?[ap]m( GMT| BST)?", until)
    assert f"You have emergency access to {case.reference} until {until}." in page
    [used] = case.entries.filter(category="emergency_access")
    assert f"until {until}. Reason: Found alone at 2am" in used.text
    assert "Seen with older men" in page
    assert client.get(reverse("entry-new", args=[case.pk])).status_code == 404
    manager = text_of(sign_in("mash.manager").get(reverse("case-access", args=[case.pk])))
    assert "Emergency access, by person" in manager
    assert "Robin Marsh, Suffolk Constabulary" in manager and "Found alone at 2am" in manager
    # Someone whose agency can already see the case is simply taken to it.
    again = sign_in("social.worker").post(
        reverse("emergency-access"),
        {"reference": case.reference, "reason": "Checking the case for the meeting"},
    )
    assert again["Location"] == reverse("case", args=[case.pk])
    assert EmergencyAccess.objects.count() == 1


def test_revoking_twice_revokes_once(sign_in, open_case_for, share, people):
    """The same confirmation sent twice (a double click, the back button): one revocation,
    one chronology entry, one audit event; the second goes where the first went."""
    from audit.models import Action
    from idempotency.forms import FIELD
    from tests.conftest import events

    case = open_case_for("social.worker")
    police = share(case, "norfolk_police", "view")
    client = sign_in("social.worker")
    url = reverse("share-revoke", args=[police.pk])
    form = {"reason": "No longer needed", FIELD: "a-once-token-for-this-revocation"}
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert case.entries.filter(category="share_revoked").count() == 1
    assert len(events(Action.SHARE_REVOKED)) == 1
    # Even with a fresh token, an access already revoked is not revoked again.
    again = client.post(url, {"reason": "Again", FIELD: "another-once-token-for-this-one"})
    assert again.status_code == 302
    assert case.entries.filter(category="share_revoked").count() == 1

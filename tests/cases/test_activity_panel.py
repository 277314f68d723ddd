"""The "recent activity" panel, on the case's "Access and activity" tab: for those who
manage the case, nobody else."""

import pytest
from django.urls import reverse

from audit.models import Action, Event

pytestmark = pytest.mark.django_db


def _panel(page: str) -> str:
    return page[page.index('id="recent-activity"') :]


def test_a_manager_sees_who_read_the_case_and_under_which_share(
    open_case_for, share, sign_in, client
):
    case = open_case_for("social.worker", first_name="Panel")
    police = share(case, "norfolk_police", "view")
    assert sign_in("police.officer").get(reverse("case", args=[case.pk])).status_code == 200
    client.logout()
    manager = sign_in("social.worker")
    # The case page leads with the chronology; the panel is one tab away.
    page = manager.get(reverse("case", args=[case.pk])).content.decode()
    assert "Recent activity on this case" not in page
    assert reverse("case-access", args=[case.pk]) in page
    page = manager.get(reverse("case-access", args=[case.pk])).content.decode()
    assert "Recent activity on this case" in page
    panel = _panel(page)
    assert "police.officer, Norfolk Constabulary" in panel
    assert f"Under share #{police.pk} (view)" in panel
    assert "Viewed a case" in panel and "Shared a case" in panel
    assert reverse("case-access-history", args=[case.pk]) in panel
    # Newest first: this very read, then the manager's case page, then the police officer's.
    assert panel.index("social.worker") < panel.index("police.officer")


def test_the_panel_shows_only_the_latest_ten(open_case_for, sign_in):
    case = open_case_for("social.worker", first_name="Busy")
    client = sign_in("social.worker")
    for _ in range(12):
        client.get(reverse("case", args=[case.pk]))
    page = client.get(reverse("case-access", args=[case.pk])).content.decode()
    assert _panel(page).count("Viewed a case") == 10
    assert Event.objects.filter(action=Action.CASE_VIEWED, target_id=str(case.pk)).count() == 13


def test_those_who_only_view_or_contribute_do_not_see_it(open_case_for, share, sign_in):
    case = open_case_for("social.worker", first_name="Hidden")
    share(case, "norfolk_police", "contribute")
    client = sign_in("police.officer")
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Recent activity on this case" not in page
    assert reverse("case-access", args=[case.pk]) not in page
    assert reverse("case-access-history", args=[case.pk]) not in page
    hidden = client.get(reverse("case-access", args=[case.pk]))
    assert hidden.status_code == 404 and "Hidden" not in hidden.content.decode()

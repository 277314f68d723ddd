"""Emergency-access reviews: information governance reviews each break-glass access to a
case its agency manages, once, with a note, through the pages and the API; those awaiting
review come first, in a constant number of queries.

The world (tests/reports/conftest.py): social.worker (Norfolk children's services) opened a
case for Amy, which her agency manages, and shared it `view` with Norfolk Constabulary;
suffolk.officer opened a case for Sam, which Suffolk Constabulary manages. ig.officer is
information governance at Norfolk children's services.
"""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import Action
from cases.models import Entry
from safeguarding import problems
from sharing.models import EmergencyAccess
from sharing.services import grant_emergency_access
from tests.conftest import events
from tests.problems import problem
from tests.reports.helpers import NOTE, REASON, count_queries, signed_in_as

pytestmark = pytest.mark.django_db


# --- emergency access reviews ----------------------------------------------------------------


@pytest.fixture
def glass(world, people) -> EmergencyAccess:
    """suffolk.officer broke the glass on Norfolk's case."""
    return grant_emergency_access(world.amy, people["suffolk.officer"], REASON)


def test_reviewing_marks_it_reviewed_records_it_and_puts_it_on_the_chronology(world, glass):
    client = signed_in_as("ig.officer")
    listing = client.get(reverse("emergency-reviews"))
    assert REASON in listing.content.decode()
    assert "1 awaiting review" in listing.content.decode()
    assert events(Action.ACCESS_REPORT_VIEWED)[-1].detail["accesses"] == [glass.pk]
    # Granted on a summer morning, as the chronology will say it.
    EmergencyAccess.objects.filter(pk=glass.pk).update(
        granted_at=dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)
    )

    response = client.post(reverse("emergency-review", args=[glass.pk]), {"note": NOTE})
    assert response.status_code == 302
    glass.refresh_from_db()
    assert glass.reviewed_at is not None
    assert glass.reviewed_by.username == "ig.officer"
    assert glass.review_note == NOTE
    [reviewed] = events(Action.EMERGENCY_ACCESS_REVIEWED)
    assert (reviewed.target_type, reviewed.target_id) == ("case", str(world.amy.pk))
    assert reviewed.detail["access"] == glass.pk
    assert NOTE not in str(reviewed.detail)
    entry = Entry.objects.filter(case=world.amy, category="emergency_access").latest("id")
    assert "from 1 July 2026 at 9:05am was reviewed by Riley Quinn" in entry.text
    assert "Robin Marsh" in entry.text
    assert NOTE not in entry.text
    after = client.get(reverse("emergency-reviews")).content.decode()
    assert "None awaiting review" in after and NOTE in after


def test_reviewing_twice_changes_nothing_and_says_so(world, glass, people):
    client = signed_in_as("ig.officer")
    client.post(reverse("emergency-review", args=[glass.pk]), {"note": NOTE})
    EmergencyAccess.objects.filter(pk=glass.pk).update(
        reviewed_at=dt.datetime(2026, 12, 4, 15, 7, 30, tzinfo=dt.UTC)
    )
    again = client.post(
        reverse("emergency-review", args=[glass.pk]), {"note": "Second thoughts"}, follow=True
    )
    assert (
        "already reviewed by Riley Quinn on 4 December 2026 at 3:07pm. Nothing was changed."
    ) in again.content.decode()
    assert "Nothing was changed" in again.content.decode()
    glass.refresh_from_db()
    assert glass.review_note == NOTE
    assert len(events(Action.EMERGENCY_ACCESS_REVIEWED)) == 1
    api = client.post(
        reverse("api-audit-emergency-access-review", args=[glass.pk]),
        {"note": "Second thoughts"},
        content_type="application/json",
    )
    assert problem(api, 409) == problems.body(
        409, "This emergency access has already been reviewed."
    )
    assert len(events(Action.EMERGENCY_ACCESS_REVIEWED)) == 1


def test_a_review_needs_a_note_of_bounded_length(world, glass):
    client = signed_in_as("ig.officer")
    too_long = "The review note must be 1,000 characters or fewer"
    for note, message in [("  ", "Enter a review note"), ("x" * 1001, too_long)]:
        response = client.post(reverse("emergency-review", args=[glass.pk]), {"note": note})
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page and message in page
    glass.refresh_from_db()
    assert glass.reviewed_at is None
    api = client.post(
        reverse("api-audit-emergency-access-review", args=[glass.pk]),
        {"note": ""},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert events(Action.EMERGENCY_ACCESS_REVIEWED) == []


def test_an_emergency_access_to_a_case_the_agency_does_not_manage_is_not_found(world, people):
    theirs = grant_emergency_access(world.sam, people["police.officer"], REASON)
    client = signed_in_as("ig.officer")
    assert client.get(reverse("emergency-review", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("emergency-review", args=[theirs.pk]), {"note": NOTE}).status_code
        == 404
    )
    api = client.post(
        reverse("api-audit-emergency-access-review", args=[theirs.pk]),
        {"note": NOTE},
        content_type="application/json",
    )
    assert api.status_code == 404
    listing = client.get(reverse("emergency-reviews")).context["page_obj"]
    assert theirs.pk not in [access.pk for access in listing]
    theirs.refresh_from_db()
    assert theirs.reviewed_at is None


def test_those_awaiting_review_come_first(world, glass, people):
    client = signed_in_as("ig.officer")
    client.post(reverse("emergency-review", args=[glass.pk]), {"note": NOTE})
    later = grant_emergency_access(world.amy, people["health.nurse"], REASON)
    listing = client.get(reverse("emergency-reviews"))
    assert [a.pk for a in listing.context["page_obj"]] == [later.pk, glass.pk]
    landing = client.get(reverse("access-reports")).content.decode()
    assert "1 emergency access awaiting review" in landing

    api = client.get(reverse("api-audit-emergency-accesses"), {"reviewed": "false"}).json()
    assert [a["id"] for a in api["results"]] == [later.pk]
    api = client.get(reverse("api-audit-emergency-accesses"), {"reviewed": "true"}).json()
    [reviewed] = api["results"]
    assert reviewed["id"] == glass.pk
    assert reviewed["reviewed_by"] == "Riley Quinn"
    assert reviewed["person"]["username"] == "suffolk.officer"
    assert reviewed["reference"] == world.amy.reference


def test_reviewing_through_the_api(world, glass):
    response = signed_in_as("ig.officer").post(
        reverse("api-audit-emergency-access-review", args=[glass.pk]),
        {"note": NOTE},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["review_note"] == NOTE
    assert response.json()["reviewed_at"]
    assert len(events(Action.EMERGENCY_ACCESS_REVIEWED)) == 1


def test_the_review_list_takes_as_many_queries_for_1_access_as_for_30(
    world, people, django_assert_max_num_queries
):
    grant_emergency_access(world.amy, people["suffolk.officer"], REASON)
    client = signed_in_as("ig.officer")
    path = reverse("emergency-reviews")
    few = count_queries(client, path, {}, django_assert_max_num_queries)
    for _ in range(29):
        grant_emergency_access(world.amy, people["health.nurse"], REASON)
    with django_assert_max_num_queries(few):
        response = client.get(path)
    assert len(response.context["page_obj"]) == 25

"""When someone breaks the glass on a case, the agencies that manage it get an inbox item,
not only a chronology line (issue 19, item 6): to check the access was needed.

The case: Norfolk children's services (social.worker) manage it; suffolk.officer, who
cannot see it, breaks the glass.
"""

import pytest
from django.urls import reverse

from notifications.models import Notification
from sharing.services import grant_emergency_access
from tests.missing.test_pages import client_for, text_of

pytestmark = pytest.mark.django_db

REASON = "Found in Ipswich at 2am; need to know who the child is"


@pytest.fixture
def case(open_case_for):
    return open_case_for("social.worker", first_name="Glass", last_name="Testchild")


def test_the_managing_agencies_are_told_and_nobody_else(case, people, share, agencies):
    share(case, "norfolk_hospital", "manage")
    share(case, "norfolk_police", "view")
    access = grant_emergency_access(case, people["suffolk.officer"], REASON)
    told = Notification.objects.filter(kind="emergency_access", subject_id=access.pk)
    assert sorted(told.values_list("agency__name", flat=True)) == [
        "Norfolk County Council Children's Services",
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
    ]
    for notice in told:
        # What an email may carry: the agency that broke the glass, not the child or why.
        assert (
            notice.summary
            == f"Case {case.reference}: emergency access used by Suffolk Constabulary"
        )
        assert notice.acknowledge_by > notice.created_at


def test_it_is_in_the_managers_inbox_with_a_link_to_the_case(case, people):
    grant_emergency_access(case, people["suffolk.officer"], REASON)
    page = client_for("social.worker").get(reverse("inbox"))
    assert "Emergency access used on your case" in text_of(page)
    assert reverse("case", args=[case.pk]) in page.content.decode()
    police = text_of(client_for("suffolk.officer").get(reverse("inbox")))
    assert "Emergency access used" not in police


def test_breaking_the_glass_twice_through_the_api_tells_once(case, sign_in):
    client = sign_in("suffolk.officer")
    url = reverse("api-case-emergency-access", args=[case.pk])
    body = {"reason": REASON}
    first = client.post(url, body, content_type="application/json")
    second = client.post(url, body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 409)  # they can see it now
    assert Notification.objects.filter(kind="emergency_access").count() == 1

"""What the access reports' tests share (tests/reports/test_access_reports.py and
test_emergency_access_reviews.py): a reason and a review note, a signed-in client, a read
as the case pages record it, the events a page lists, and a page's query count."""

from django.test import Client
from django.utils import timezone

from audit.models import Action, Event
from people.models import Person
from tests.conftest import verify_second_factor

REASON = "Found at 2am in Lowestoft; need the history before the interview"


NOTE = "Checked with the duty inspector: a genuine out-of-hours emergency."


def signed_in_as(username: str) -> Client:
    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


def viewed(person, case, when=None, **detail) -> Event:
    """A read of a case as the case pages record it (the basis given in `detail`)."""
    return Event.objects.create(
        occurred_at=when or timezone.now(),
        action=Action.CASE_VIEWED,
        actor_id=person.pk,
        actor_username=person.username,
        actor_agency_id=person.agency_id,
        actor_agency=person.agency.name,
        target_type="case",
        target_id=str(case.pk),
        detail={"view": "case", **detail},
    )


def listed(response) -> list[int]:
    """The ids of the events a page or an API answer lists."""
    if response["Content-Type"].startswith("application/json"):
        return [row["id"] for row in response.json()["results"]]
    return [event.pk for event in response.context["page_obj"]]


def count_queries(client, path, query, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path, query).status_code == 200
    return len(captured.captured_queries)

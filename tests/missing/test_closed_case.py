"""A closed case takes no new placement or missing report (issue 19, item 6): not from the
services, the pages or the API, each saying why and losing nothing typed. A return on an
episode still open, and ending a placement, stay possible: they close what was open.

The case: a looked-after Norfolk child managed by social.worker, shared `view` with Norfolk
Constabulary, then closed by social.worker.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Case, Entry
from cases.services import CaseClosed, close_case
from missing.models import MissingEpisode, Placement
from missing.services import end_placement, record_placement, record_return, report_missing
from notifications.models import Notification
from tests.conftest import events
from tests.missing import api_helpers as api
from tests.missing.test_pages import client_for, missing_form, placement_form, text_of
from tests.problems import kind, problem

pytestmark = pytest.mark.django_db

CLOSED = "is closed, so no placement or missing report can be recorded on it"


@pytest.fixture
def case(open_case_for, agencies, share):
    case = open_case_for(
        "social.worker",
        first_name="Closed",
        last_name="Testchild",
        looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )
    share(case, "norfolk_police", "view")
    return case


def close(case, people) -> Case:
    return close_case(people["social.worker"], case, "No further action")


def nothing_was_recorded(case) -> None:
    assert not MissingEpisode.objects.filter(case=case).exists()
    assert not Placement.objects.filter(case=case).exists()
    assert not case.entries.filter(
        category__in=[Entry.Category.MISSING, Entry.Category.PLACEMENT]
    ).exists()
    assert not Notification.objects.filter(case=case).exists()
    assert not events(Action.MISSING_REPORTED) and not events(Action.PLACEMENT_RECORDED)


# --- the services ---------------------------------------------------------------------------


def test_the_services_refuse_a_closed_case_even_when_handed_an_old_copy(case, people, partnership):
    stale = Case.objects.get(pk=case.pk)  # read while open, as a page's request would have
    close(case, people)
    assert stale.status == Case.Status.OPEN
    with pytest.raises(CaseClosed, match=CLOSED):
        report_missing(
            people["police.officer"], stale, last_seen_at=timezone.now() - dt.timedelta(hours=1),
            last_seen_where="Outside the home", circumstances="Ran off.", risk="low",
        )  # fmt: skip
    with pytest.raises(CaseClosed, match=case.reference):
        record_placement(
            people["social.worker"], stale, area=partnership.areas["suffolk"],
            address="1 Test Street", postcode="IP1 1AA", provider_type="childrens_home",
            started_at=timezone.now(),
        )  # fmt: skip
    nothing_was_recorded(case)


def test_what_was_open_when_the_case_closed_can_still_be_closed(case, people, place, missing):
    placement = place(case)
    episode = missing(case)
    close(case, people)
    returned = record_return(
        people["social.worker"], episode, returned_at=timezone.now(), how_found="Came home."
    )
    assert returned.returned_at is not None
    ended = end_placement(
        people["social.worker"], case, ended_at=timezone.now(), reason="Moved home."
    )
    assert ended.pk == placement.pk and ended.ended_at is not None


# --- the pages ------------------------------------------------------------------------------


def test_the_section_says_why_and_offers_neither_form(case, people):
    close(case, people)
    client = client_for("social.worker")
    page = text_of(client.get(reverse("case-missing", args=[case.pk])))
    assert "This case is closed, so no placement or missing report can be recorded" in page
    assert "Report the child missing" not in page and "Record a placement" not in page

    for form in ("missing-new", "placement-new"):
        response = client.get(reverse(form, args=[case.pk]))
        assert response.status_code == 302, form
        assert response["Location"] == reverse("case-missing", args=[case.pk])
        assert CLOSED in text_of(client.get(response["Location"]))


def test_a_form_posted_after_the_case_closed_keeps_what_was_typed(case, people, partnership):
    client = client_for("social.worker")
    assert client.get(reverse("missing-new", args=[case.pk])).status_code == 200
    close(case, people)  # by a colleague, while the form was being filled in

    response = client.post(reverse("missing-new", args=[case.pk]), missing_form())
    page = text_of(response)
    assert "There is a problem" in page and CLOSED in page and "Nothing was saved." in page
    assert 'value="Ipswich railway station"' in response.content.decode()
    assert "Did not come back after school." in page

    response = client.post(
        reverse("placement-new", args=[case.pk]), placement_form(partnership.areas)
    )
    page = text_of(response)
    assert CLOSED in page and "The Willows, 4 Example Lane, Ipswich" in page
    nothing_was_recorded(case)


# --- the API --------------------------------------------------------------------------------


def test_the_api_answers_a_409_problem_and_the_same_again_for_a_resent_key(
    sign_in, case, people, partnership
):
    close(case, people)
    client = sign_in("social.worker")
    world = type("World", (), {"areas": partnership.areas})
    for name, body in (
        ("api-case-missing-episodes", api.missing()),
        ("api-case-placements", api.placement(world)),
    ):
        url = reverse(name, args=[case.pk])
        answers = [
            client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=name)
            for _ in range(2)
        ]
        for answer in answers:
            assert kind(answer, 409) == "case-closed", name
            assert CLOSED in problem(answer)["detail"]
            assert "Location" not in answer and "episode" not in problem(answer)
    nothing_was_recorded(case)


def test_someone_who_may_not_see_the_case_still_gets_a_404(sign_in, case, people):
    close(case, people)
    answer = sign_in("suffolk.officer").post(
        reverse("api-case-missing-episodes", args=[case.pk]), api.missing(),
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 404
    assert "closed" not in answer.content.decode().lower()

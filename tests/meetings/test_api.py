"""The meetings API (issue 22, item 5): a police system pulls its agency's actions and
closes one; a meeting reads as the page does; creating records once per key."""

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from tests.at_once import at_once
from tests.idempotency.test_api import send
from tests.idempotency.test_forms import signed_in_client
from tests.meetings.helpers import strategy_discussion

pytestmark = pytest.mark.django_db


def test_a_police_system_pulls_its_actions_and_closes_one(aimee, people, agencies, sign_in):
    meeting = strategy_discussion(people, agencies, aimee)
    action = services.add_action(
        people["mash.manager"], meeting, case_id=aimee.pk, text="Find the keeper.",
        owner=agencies["norfolk_police"], owner_person=None, due_on=timezone.localdate(),
    )  # fmt: skip
    police = sign_in("police.officer")
    listed = police.get(reverse("api-actions") + "?status=open").json()["results"]
    assert [row["id"] for row in listed] == [action.pk]
    assert listed[0]["case_reference"] == aimee.reference and listed[0]["overdue"] is False
    url = reverse("api-action-close", args=[action.pk])
    closed = send(police, url, {"status": "done", "note": "Keeper found."}, key="close-1")
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    again = send(police, url, {"status": "dropped", "note": "x"}, key="close-2")
    assert again.status_code == 409 and again.json()["type"].endswith("action-closed")
    assert police.get(reverse("api-actions") + "?status=open").json()["results"] == []
    assert police.get(reverse("api-actions") + "?state=open").status_code == 400  # a typo


def test_the_meeting_names_only_children_the_reader_may_see(aimee, people, agencies, sign_in):
    meeting = strategy_discussion(people, agencies, aimee)
    police = sign_in("police.officer").get(reverse("api-meeting", args=[meeting.pk])).json()
    assert [child["child_name"] for child in police["children"]] == ["Aimee Example"]
    health = sign_in("health.nurse").get(reverse("api-meeting", args=[meeting.pk]))
    assert health.status_code == 200
    assert health.json()["children"] == [] and "Aimee" not in health.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_key_schedule_once(open_case_for, people):
    case = open_case_for("social.worker")
    body = {"kind": "review", "held_at": timezone.now().isoformat(), "cases": [case.pk]}
    clients = [signed_in_client(people["social.worker"]) for _ in range(2)]
    answers = at_once(clients, lambda c: send(c, reverse("api-meetings"), body, key="m-once"))
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert Meeting.objects.count() == 1


def test_an_action_may_name_someone_of_the_owner_only(aimee, people, agencies, sign_in):
    meeting = strategy_discussion(people, agencies, aimee)
    manager = sign_in("mash.manager")
    url = reverse("api-meeting-actions", args=[meeting.pk])
    body = {"case": aimee.pk, "text": "Find the keeper.", "owner": agencies["norfolk_police"].pk,
            "due_on": timezone.localdate().isoformat()}  # fmt: skip
    wrong = send(manager, url, {**body, "owner_person": people["health.nurse"].pk}, key="a")
    assert wrong.status_code == 400 and "owner_person" in wrong.json()["errors"]
    named = send(manager, url, {**body, "owner_person": people["police.officer"].pk}, key="b")
    assert named.status_code == 201 and named.json()["owner_person"] == "Dana Wells"

"""Where an event came from is set once (middleware, task, command), not passed to services."""

import pytest
from celery import shared_task

from audit.actions import Action
from audit.context import audit_context, current
from audit.models import Event
from audit.services import record

pytestmark = pytest.mark.django_db


def test_an_event_recorded_with_no_request_takes_the_context_it_runs_in():
    with audit_context("req-12345678", "192.0.2.7", "Browser/1.0"):
        event = record(Action.CASE_VIEWED, target_type="case", target_id=1)
    saved = Event.objects.get(pk=event.pk)
    assert (saved.request_id, saved.client_address, saved.user_agent) == (
        "req-12345678",
        "192.0.2.7",
        "Browser/1.0",
    )


def test_contexts_nest_and_the_outer_one_comes_back():
    with audit_context("outer-123456"):
        with audit_context("inner-123456"):
            assert current().request_id == "inner-123456"
        assert current().request_id == "outer-123456"
    assert current().request_id == ""


def test_the_middleware_sets_the_context_for_a_whole_request(client):
    response = client.post(
        "/sign-in/",
        {"username": "nobody", "password": "wrong"},
        HTTP_X_REQUEST_ID="given-by-proxy-1",
        HTTP_USER_AGENT="Browser/2.0",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response["X-Request-ID"] == "given-by-proxy-1"
    event = Event.objects.get(action=Action.SIGN_IN_FAILED)
    assert (event.request_id, event.client_address, event.user_agent) == (
        "given-by-proxy-1",
        "198.51.100.4",
        "Browser/2.0",
    )
    # Once the request is over, nothing of it is left for the next piece of work.
    assert current().request_id == ""


@shared_task
def _record_in_a_task() -> int:
    return record(Action.CASE_VIEWED, target_type="case", target_id=2).pk


def test_a_tasks_events_carry_the_tasks_own_id():
    result = _record_in_a_task.apply(task_id="abc-task-id")
    assert Event.objects.get(pk=result.get()).request_id == "task-abc-task-id"

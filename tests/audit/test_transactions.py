"""A change and its audit event commit together or not at all; a read is recorded even if
the page then fails.

These run with real transactions (not the test's wrapping one), so a rollback here is the
rollback production would see. The failures are forced by making a step inside the
service raise after its writes: the database, the permissions and the audit code are real.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from cases.models import Case, Child, Entry
from sharing.models import Share

pytestmark = pytest.mark.django_db(transaction=True)


class Forced(Exception):
    pass


@pytest.fixture
def failing_client(sign_in):
    """A signed-in client that returns the 500 page instead of re-raising."""

    def _for(username: str) -> Client:
        client = sign_in(username)
        client.raise_request_exception = False
        return client

    return _for


def _raise_after(real, action):
    """`record`, but raising right after writing the event of `action`."""

    def record(*args, **kwargs):
        event = real(*args, **kwargs)
        if args and args[0] == action:
            raise Forced(f"forced failure after {action}")
        return event

    return record


def test_a_change_that_fails_after_writing_leaves_neither_change_nor_event(
    open_case_for, failing_client, monkeypatch
):
    import cases.services

    case = open_case_for("social.worker", first_name="Rollback")
    client = failing_client("social.worker")
    entries_before = Entry.objects.filter(case=case).count()
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first()
    monkeypatch.setattr(
        cases.services, "record", _raise_after(cases.services.record, Action.ENTRY_ADDED)
    )
    when = timezone.localtime() - dt.timedelta(hours=1)
    response = client.post(
        reverse("entry-new", args=[case.pk]),
        {
            "category": "note",
            "occurred_on_day": str(when.day),
            "occurred_on_month": str(when.month),
            "occurred_on_year": str(when.year),
            "occurred_time": f"{when:%H:%M}",
            "text": "Never saved",
        },
    )
    assert response.status_code == 500
    assert "Never saved" not in response.content.decode()
    assert Entry.objects.filter(case=case).count() == entries_before
    assert not Entry.objects.filter(text="Never saved").exists()
    # The entry's event was written, then rolled back with the entry.
    assert list(Event.objects.filter(id__gt=last_event)) == []


def test_opening_a_case_that_fails_at_its_last_step_leaves_nothing(
    people, failing_client, monkeypatch
):
    """Child, case, lead share, permissions, chronology and four events: all or nothing."""
    import cases.services

    monkeypatch.setattr(
        cases.services, "record", _raise_after(cases.services.record, Action.CASE_OPENED)
    )
    client = failing_client("social.worker")
    before = {
        "events": Event.objects.count(),
        "children": Child.objects.count(),
        "cases": Case.objects.count(),
        "shares": Share.objects.count(),
        "entries": Entry.objects.count(),
    }
    response = client.post(
        reverse("api-children"),
        {"first_name": "Never", "last_name": "Opened", "concern": "Not kept"},
        content_type="application/json",
    )
    assert response.status_code == 500
    assert "forced" not in response.content.decode().lower()  # no traceback shown
    after = {
        "events": Event.objects.count(),
        "children": Child.objects.count(),
        "cases": Case.objects.count(),
        "shares": Share.objects.count(),
        "entries": Entry.objects.count(),
    }
    assert after == before
    assert not Event.objects.filter(
        action__in=[Action.CHILD_CREATED, Action.SHARED, Action.CASE_OPENED, Action.ENTRY_ADDED]
    ).exists()


def test_the_same_change_without_the_failure_commits_both(people, sign_in):
    """The control for the two above: the same request, not forced to fail."""
    response = sign_in("social.worker").post(
        reverse("api-children"),
        {"first_name": "Now", "last_name": "Opened", "concern": "Kept"},
        content_type="application/json",
    )
    assert response.status_code == 201
    case = Case.objects.get(child__first_name="Now")
    opened = Event.objects.get(action=Action.CASE_OPENED)
    assert opened.target_id == str(case.pk)
    assert Event.objects.filter(action=Action.CHILD_CREATED, target_id=str(case.child_id))


def test_a_read_is_recorded_even_when_the_page_then_fails(
    open_case_for, failing_client, monkeypatch
):
    import cases.views.case

    case = open_case_for("social.worker", first_name="Broken")

    def broken_render(*args, **kwargs):
        raise Forced("the template failed")

    monkeypatch.setattr(cases.views.case, "render", broken_render)
    response = failing_client("social.worker").get(reverse("case", args=[case.pk]))
    assert response.status_code == 500
    assert "Broken" not in response.content.decode()
    viewed = Event.objects.get(action=Action.CASE_VIEWED)
    assert viewed.target_id == str(case.pk)
    assert viewed.actor_username == "social.worker"

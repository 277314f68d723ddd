"""Meetings, their minutes and actions (issue 22): who sees what, the chronology, and the
actions each agency owns and is chased for."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action as Audit
from cases.models import Entry
from cases.registry import case_flags
from meetings import services
from meetings.tasks import escalate_actions
from notifications.models import Notification
from tests.conftest import events
from tests.meetings.helpers import strategy_discussion

pytestmark = pytest.mark.django_db


def test_an_attendee_sees_only_the_children_whose_cases_they_may_see(
    aimee, people, agencies, client, sign_in
):
    meeting = strategy_discussion(people, agencies, aimee)
    sign_in("police.officer")
    page = client.get(reverse("meeting", args=[meeting.pk]))
    assert page.status_code == 200 and "Aimee" in page.content.decode()
    sign_in("health.nurse")  # asked, but the hospital cannot see Aimee's case
    page = client.get(reverse("meeting", args=[meeting.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Aimee" not in body and aimee.reference not in body
    sign_in("suffolk.officer")  # not asked: the meeting does not exist for them
    assert client.get(reverse("meeting", args=[meeting.pk])).status_code == 404


def test_published_minutes_reach_the_chronology_items_about_the_child_only(
    aimee, open_case_for, people, agencies
):
    other = open_case_for("social.worker", first_name="Other")
    meeting = services.schedule_meeting(
        people["mash.manager"], kind="strategy_discussion", held_at=timezone.now(),
        cases=[aimee, other], agencies=[agencies["norfolk_police"]],
    )  # fmt: skip
    services.add_item(people["mash.manager"], meeting, case_id=aimee.pk,
                      text="Section 47 agreed.", decision=True, restricted=False)  # fmt: skip
    services.add_item(people["police.officer"], meeting, case_id=aimee.pk,
                      text="Operation name given.", decision=False, restricted=True)  # fmt: skip
    services.add_item(people["mash.manager"], meeting, case_id=other.pk,
                      text="About the other child.", decision=False, restricted=False)  # fmt: skip
    made = services.publish(people["mash.manager"], meeting)
    assert len(made) == 3
    everyone = Entry.objects.get(case=aimee, category="meeting", restricted=False)
    assert "Section 47 agreed." in everyone.text
    assert "Operation name" not in everyone.text and "other child" not in everyone.text
    police = Entry.objects.get(case=aimee, category="meeting", restricted=True)
    assert police.agency == agencies["norfolk_police"] and "Operation name" in police.text
    # Publishing again with nothing changed writes nothing; a correction supersedes.
    assert services.publish(people["mash.manager"], meeting) == []
    services.add_item(people["mash.manager"], meeting, case_id=aimee.pk,
                      text="Correction: enquiry led by the council.", decision=False,
                      restricted=False)  # fmt: skip
    [corrected] = services.publish(people["mash.manager"], meeting)
    assert corrected.supersedes == everyone and "Correction" in corrected.text
    assert corrected.amendment_reason


def test_only_the_chair_publishes_and_only_attendees_write_minutes(aimee, people, agencies):
    meeting = strategy_discussion(people, agencies, aimee)
    with pytest.raises(PermissionDenied):
        services.publish(people["social.worker"], meeting)
    with pytest.raises(PermissionDenied):
        services.add_item(people["suffolk.officer"], meeting, case_id=None, text="x",
                          decision=False, restricted=False)  # fmt: skip
    with pytest.raises(ValidationError):  # the hospital cannot see Aimee: no item about her
        services.add_item(people["health.nurse"], meeting, case_id=aimee.pk, text="x",
                          decision=False, restricted=False)  # fmt: skip


def test_an_action_lands_with_its_owner_and_only_the_owner_closes_it(aimee, people, agencies):
    meeting = strategy_discussion(people, agencies, aimee)
    action = services.add_action(
        people["mash.manager"], meeting, case_id=aimee.pk, text="Check the car's owner.",
        owner=agencies["norfolk_police"], owner_person=None,
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )  # fmt: skip
    [notice] = Notification.objects.filter(kind="meeting_action", subject_id=action.pk)
    assert notice.agency == agencies["norfolk_police"] and "Aimee" not in notice.summary
    with pytest.raises(PermissionDenied):
        services.close_action(people["social.worker"], action, status="done", note="x")
    with pytest.raises(ValidationError):
        services.close_action(people["police.officer"], action, status="done", note="  ")
    services.close_action(people["police.officer"], action, status="done",
                          note="Registered keeper identified.")  # fmt: skip
    action.refresh_from_db()
    assert action.status == "done" and action.closed_by == people["police.officer"]
    notice.refresh_from_db()
    assert notice.acknowledged_by == people["police.officer"]  # taken in, by closing it
    with pytest.raises(services.ActionClosed):
        services.close_action(people["police.officer"], action, status="dropped", note="x")
    assert [e.action for e in events(Audit.ACTION_CLOSED)] == [Audit.ACTION_CLOSED]


def test_lists_tag_only_actions_overdue_and_say_how_many(aimee, people, agencies):
    from cases.flags import for_lists
    from meetings.models import Action

    meeting = strategy_discussion(people, agencies, aimee)
    for text in ("Visit school.", "Check the address.", "Call the carer."):
        services.add_action(
            people["mash.manager"], meeting, case_id=aimee.pk, text=text,
            owner=agencies["norfolk_police"], owner_person=None, due_on=timezone.localdate(),
        )  # fmt: skip

    def tags(brief: bool) -> list[str]:
        flags = case_flags(people["social.worker"], [aimee], brief=brief)[aimee.pk]
        return [f.label for f in for_lists(flags) if f.key == "actions"]

    assert tags(brief=True) == tags(brief=False) == []  # open, not yet overdue: no tag
    late = list(Action.objects.filter(case=aimee).order_by("id").values_list("id", flat=True))
    Action.objects.filter(pk__in=late[:2]).update(
        overdue_from=timezone.now() - dt.timedelta(minutes=1)
    )
    assert tags(brief=True) == tags(brief=False) == ["2 actions overdue"]


def test_the_strip_shows_open_then_done(aimee, people, agencies):
    meeting = strategy_discussion(people, agencies, aimee)
    action = services.add_action(
        people["mash.manager"], meeting, case_id=aimee.pk, text="Visit school.",
        owner=agencies["norfolk_police"], owner_person=None, due_on=timezone.localdate(),
    )  # fmt: skip
    [flag] = [f for f in case_flags(people["social.worker"], [aimee])[aimee.pk]
              if f.key == "actions"]  # fmt: skip
    assert flag.label == "1 open action" and "Norfolk Constabulary" in flag.detail
    services.close_action(people["police.officer"], action, status="done", note="Visited.")
    [flag] = [f for f in case_flags(people["social.worker"], [aimee])[aimee.pk]
              if f.key == "actions"]  # fmt: skip
    assert flag.label == "Action done" and "Visited" not in flag.detail


UK = dt.UTC  # December: UK time is UTC


def test_an_overdue_action_escalates_after_a_weekend_and_a_bank_holiday(aimee, people, agencies):
    """Due Friday 25 December 2026 (Christmas Day): the owner's first working day on or
    after it is Tuesday 29 December (the 26th and 27th are a weekend, the 28th is the
    Boxing Day substitute holiday), so it is overdue from Wednesday 30 December."""
    with time_machine.travel(dt.datetime(2026, 12, 23, 10, tzinfo=UK), tick=False):
        meeting = strategy_discussion(people, agencies, aimee)
        action = services.add_action(
            people["mash.manager"], meeting, case_id=aimee.pk, text="Speak to the school.",
            owner=agencies["norfolk_police"], owner_person=None, due_on=dt.date(2026, 12, 25),
        )  # fmt: skip
    assert action.overdue_from == dt.datetime(2026, 12, 30, tzinfo=UK)
    for still_in_time in ("2026-12-26T09:00:00+00:00", "2026-12-28T12:00:00+00:00",
                          "2026-12-29T23:59:00+00:00"):  # fmt: skip
        assert escalate_actions(still_in_time) == 0
    assert escalate_actions("2026-12-30T00:01:00+00:00") == 1
    [late] = Notification.objects.filter(kind="meeting_action_overdue")
    assert late.agency == agencies["norfolk_police"] and late.escalated_at is not None
    assert escalate_actions("2026-12-31T09:00:00+00:00") == 0  # once


def test_the_suggested_due_date_is_two_working_days_on(agencies):
    friday = dt.datetime(2026, 12, 24, 10, tzinfo=UK)  # Thursday, Christmas Eve
    assert services.suggested_due(agencies["norfolk_police"], friday) == dt.date(2026, 12, 30)


def test_the_worklist_shows_the_owners_open_actions(aimee, people, agencies, client, sign_in):
    meeting = strategy_discussion(people, agencies, aimee)
    services.add_action(
        people["mash.manager"], meeting, case_id=aimee.pk, text="Check the car's owner.",
        owner=agencies["norfolk_police"], owner_person=None, due_on=timezone.localdate(),
    )  # fmt: skip
    sign_in("police.officer")
    home = client.get(reverse("home")).content.decode()
    section = home.split('data-testid="waiting-actions"')[1][:1200]
    assert "Check the car" in section and aimee.reference in section
    sign_in("health.nurse")
    assert 'data-testid="waiting-actions"' not in client.get(reverse("home")).content.decode()


def test_a_closed_action_cannot_be_closed_again_by_a_second_click(aimee, people, agencies,
                                                                  client, sign_in):  # fmt: skip
    meeting = strategy_discussion(people, agencies, aimee)
    action = services.add_action(
        people["mash.manager"], meeting, case_id=aimee.pk, text="Check.",
        owner=agencies["norfolk_police"], owner_person=None, due_on=timezone.localdate(),
    )  # fmt: skip
    sign_in("police.officer")
    url = reverse("action-close", args=[action.pk])
    empty = client.post(url, {"status": "done", "note": ""})
    assert empty.status_code == 200 and "Say what was done" in empty.content.decode()
    first = client.post(url, {"status": "done", "note": "Checked."})
    assert first.status_code == 302
    again = client.post(url, {"status": "dropped", "note": "Second click."})
    assert again.status_code == 200
    action.refresh_from_db()
    assert (action.status, action.note) == ("done", "Checked.")
    sign_in("social.worker")  # not the owner: the action does not exist for them
    assert client.get(url).status_code == 404


def test_from_a_case_the_form_offers_and_ticks_the_agencies_sharing_it(
    aimee, share, client, sign_in
):
    share(aimee, "suffolk_childrens", "view")  # outside Norfolk's partnership
    sign_in("mash.manager")
    page = client.get(reverse("meeting-new") + f"?case={aimee.pk}").content.decode()
    assert aimee.reference in page
    suffolk = page.split("Suffolk County Council")[0].rsplit("<input", 1)[1]
    assert "checked" in suffolk
    typed = client.post(
        reverse("meeting-new") + f"?case={aimee.pk}",
        {"kind": "review", "references": "CSE-2026-1", "held_time": "25:00"},
    )
    body = typed.content.decode()
    assert typed.status_code == 200 and "CSE-2026-1" in body  # what was typed stays
    assert "is not a case reference" in body or "is not a case you can see" in body

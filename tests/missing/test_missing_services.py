"""Missing episodes, returns and return home interviews through missing.services directly:
what each writes, who is told, who owes the interview, and what is refused a second time.

The world: social.worker (Norfolk children's services) opens a case; police.officer
(Norfolk Constabulary) reports the child missing unless a test says otherwise.
"""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from missing.models import MissingEpisode, ReturnInterview
from missing.services import (
    AlreadyReturned,
    InterviewAlreadyRecorded,
    record_return,
    record_return_interview,
    report_missing,
)
from notifications.models import Delivery, Notification
from sharing.models import LawfulBasis, Share
from tests.conftest import events

pytestmark = pytest.mark.django_db


def told(kind: str, subject_id: int) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind, subject_id=subject_id).values_list(
            "agency__name", flat=True
        )
    )


def names(*agencies) -> list[str]:
    return sorted(a.name for a in agencies)


def report(person, case, *, last_seen_at=None, risk=MissingEpisode.Risk.HIGH) -> MissingEpisode:
    return report_missing(
        person,
        case,
        last_seen_at=last_seen_at or timezone.now() - dt.timedelta(hours=2),
        last_seen_where="  Norwich bus station  ",
        circumstances="  Did not come back from school.  ",
        risk=risk,
    )


def test_a_missing_report_is_recorded_with_its_entry_and_event_and_tells_the_placement_area(
    open_case_for, place, people, agencies
):
    case = open_case_for("social.worker")
    place(case, "suffolk")
    seen = timezone.now() - dt.timedelta(hours=2)

    episode = report(people["police.officer"], case, last_seen_at=seen)

    episode.refresh_from_db()
    assert episode.still_missing
    assert episode.last_seen_at == seen
    assert episode.last_seen_where == "Norwich bus station"
    assert episode.circumstances == "Did not come back from school."
    assert episode.reported_by == people["police.officer"]
    assert episode.reporting_agency == agencies["norfolk_police"]
    [entry] = case.entries.filter(category=Entry.Category.MISSING)
    assert entry.text.startswith("Reported missing by Norfolk Constabulary (high risk). ")
    assert "at Norwich bus station. Did not come back from school." in entry.text
    [event] = events(Action.MISSING_REPORTED)
    # The host force (Suffolk, where the child lives) is given the missing-from-care profile.
    assert event.detail == {
        "episode": episode.pk, "risk": "high", "last_seen_area": None,
        "profile_released_to": [agencies["suffolk_police"].pk],
    }  # fmt: skip
    assert event.actor_id == people["police.officer"].pk
    assert event.target_id == str(case.pk)
    # Where the child is placed (Suffolk), the placing authority; not the reporter itself.
    assert told(Notification.Kind.MISSING, episode.pk) == names(
        agencies["suffolk_police"], agencies["suffolk_childrens"], agencies["norfolk_childrens"]
    )
    assert (
        Delivery.objects.filter(
            notification__kind=Notification.Kind.MISSING, channel=Delivery.Channel.EMAIL
        ).count()
        == 3
    )


def test_without_a_placement_the_placing_authoritys_own_area_is_told_and_may_open_the_case(
    open_case_for, people, agencies
):
    case = open_case_for("social.worker")
    assert not Share.objects.filter(case=case, agency=agencies["norfolk_hospital"]).exists()

    episode = report(people["police.officer"], case)

    assert told(Notification.Kind.MISSING, episode.pk) == names(
        agencies["norfolk_childrens"], agencies["norfolk_hospital"]
    )
    share = Share.objects.get(case=case, agency=agencies["norfolk_hospital"])
    assert share.level == Share.Level.VIEW
    assert share.lawful_basis == LawfulBasis.CA2004_S11
    assert share.purpose == "Child reported missing in Norfolk"


def test_a_return_is_recorded_and_the_placing_authority_owes_an_interview_in_72_hours(
    open_case_for, place, missing, share, people, agencies
):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    place(case, "suffolk")
    episode = missing(case)
    returned = timezone.now() - dt.timedelta(minutes=10)

    record_return(people["suffolk.officer"], episode, returned_at=returned,
                  how_found="  Found by officers at a friend's address  ")  # fmt: skip

    episode.refresh_from_db()
    assert episode.returned_at == returned and not episode.still_missing
    assert episode.how_found == "Found by officers at a friend's address"
    assert episode.return_recorded_by == people["suffolk.officer"]
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.agency == agencies["norfolk_childrens"]  # the placing authority
    assert interview.due_at == returned + dt.timedelta(hours=settings.RETURN_INTERVIEW_HOURS)
    assert interview.due_at - returned == dt.timedelta(hours=72)
    assert interview.completed_at is None
    [entry] = case.entries.filter(category=Entry.Category.RETURNED)
    assert "How found: Found by officers at a friend's address." in entry.text
    assert f"Return home interview by {agencies['norfolk_childrens'].name} due " in entry.text
    [event] = events(Action.RETURN_RECORDED)
    assert event.detail == {"episode": episode.pk, "interview": interview.pk}
    assert event.actor_id == people["suffolk.officer"].pk
    # Suffolk police recorded it, so it is not told; Norfolk police, which reported the
    # child missing and shares the case, is.
    assert told(Notification.Kind.RETURNED, episode.pk) == names(
        agencies["suffolk_childrens"], agencies["norfolk_childrens"], agencies["norfolk_police"]
    )


def test_the_responsible_authority_owes_the_interview_when_there_is_no_placement(
    open_case_for, people, agencies
):
    case = open_case_for("social.worker", looked_after=True,
                         responsible_authority=agencies["suffolk_childrens"])  # fmt: skip
    episode = report(people["police.officer"], case)

    record_return(people["police.officer"], episode, returned_at=timezone.now(),
                  how_found="Came home")  # fmt: skip

    assert ReturnInterview.objects.get(episode=episode).agency == agencies["suffolk_childrens"]


def test_a_return_before_the_child_was_last_seen_is_taken_as_the_last_sighting(
    open_case_for, missing, people
):
    case = open_case_for("social.worker")
    episode = missing(case)

    record_return(people["police.officer"], episode,
                  returned_at=episode.last_seen_at - dt.timedelta(hours=3),
                  how_found="Recorded late")  # fmt: skip

    episode.refresh_from_db()
    assert episode.returned_at == episode.last_seen_at


def test_a_return_is_recorded_once_even_from_a_stale_copy(open_case_for, missing, people):
    case = open_case_for("social.worker")
    episode = missing(case)
    stale = MissingEpisode.objects.get(pk=episode.pk)  # read before the return
    record_return(people["police.officer"], episode, returned_at=timezone.now(),
                  how_found="Found at a friend's")  # fmt: skip

    with pytest.raises(AlreadyReturned):
        record_return(people["social.worker"], stale, returned_at=timezone.now(),
                      how_found="Came home by herself")  # fmt: skip

    episode.refresh_from_db()
    assert episode.how_found == "Found at a friend's"
    assert episode.return_recorded_by == people["police.officer"]
    assert ReturnInterview.objects.filter(episode=episode).count() == 1
    assert case.entries.filter(category=Entry.Category.RETURNED).count() == 1
    assert len(events(Action.RETURN_RECORDED)) == 1
    assert Notification.objects.filter(kind=Notification.Kind.RETURNED).count() == len(
        told(Notification.Kind.MISSING, episode.pk)
    )


def returned_episode(case, people, missing, returned_at) -> MissingEpisode:
    episode = missing(case)
    return record_return(people["police.officer"], episode, returned_at=returned_at,
                         how_found="Came home")  # fmt: skip


def test_a_return_home_interview_is_recorded_with_its_entry_and_event(
    open_case_for, missing, people
):
    case = open_case_for("social.worker")
    returned = timezone.now() - dt.timedelta(hours=5)
    interview = returned_episode(case, people, missing, returned).return_interview
    held = timezone.now() - dt.timedelta(hours=1)

    record_return_interview(people["social.worker"], interview, held_on=held,
                            summary="  Talked about who she was with.  ")  # fmt: skip

    interview.refresh_from_db()
    assert interview.completed_at is not None
    assert interview.completed_by == people["social.worker"]
    assert interview.held_on == held
    assert interview.summary == "Talked about who she was with."
    [entry] = case.entries.filter(category=Entry.Category.RETURN_INTERVIEW)
    assert "(after it was due)" not in entry.text
    assert entry.text.endswith(". Talked about who she was with.")
    [event] = events(Action.RETURN_INTERVIEW_RECORDED)
    assert event.detail == {
        "interview": interview.pk,
        "late": False,
        "outcome": "held",
        "covers": [],
    }


def test_an_interview_recorded_after_72_hours_is_marked_late(open_case_for, missing, people):
    case = open_case_for("social.worker")
    returned = timezone.now() - dt.timedelta(hours=1)
    interview = returned_episode(case, people, missing, returned).return_interview

    with time_machine.travel(returned + dt.timedelta(hours=73), tick=False):
        record_return_interview(people["social.worker"], interview,
                                held_on=timezone.now(), summary="Held late.")  # fmt: skip

    [entry] = case.entries.filter(category=Entry.Category.RETURN_INTERVIEW)
    assert "Norfolk County Council Children's Services (after it was due). Held late." in (
        entry.text
    )
    [event] = events(Action.RETURN_INTERVIEW_RECORDED)
    assert event.detail["late"] is True


def test_a_return_home_interview_is_recorded_once_even_from_a_stale_copy(
    open_case_for, missing, people
):
    case = open_case_for("social.worker")
    interview = returned_episode(case, people, missing, timezone.now()).return_interview
    stale = ReturnInterview.objects.get(pk=interview.pk)
    record_return_interview(people["social.worker"], interview, held_on=timezone.now(),
                            summary="First.")  # fmt: skip

    with pytest.raises(InterviewAlreadyRecorded):
        record_return_interview(people["mash.manager"], stale, held_on=timezone.now(),
                                summary="Second.")  # fmt: skip

    interview.refresh_from_db()
    assert interview.summary == "First."
    assert interview.completed_by == people["social.worker"]
    assert case.entries.filter(category=Entry.Category.RETURN_INTERVIEW).count() == 1
    assert len(events(Action.RETURN_INTERVIEW_RECORDED)) == 1


def test_a_missing_report_and_its_notifications_commit_or_roll_back_together(
    open_case_for, place, people, django_capture_on_commit_callbacks
):
    case = open_case_for("social.worker")
    place(case, "suffolk")
    notifications_before = Notification.objects.count()
    entries_before = case.entries.count()
    shares_before = Share.objects.filter(case=case).count()

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        episode = report(people["police.officer"], case)
        assert told(Notification.Kind.MISSING, episode.pk)
        raise Abandon

    assert not MissingEpisode.objects.exists()
    assert Notification.objects.count() == notifications_before
    assert case.entries.count() == entries_before
    assert Share.objects.filter(case=case).count() == shares_before
    assert events(Action.MISSING_REPORTED) == []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        episode = report(people["police.officer"], case)
    assert len(told(Notification.Kind.MISSING, episode.pk)) == 3
    assert callbacks  # sending waits for the commit

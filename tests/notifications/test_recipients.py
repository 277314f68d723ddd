"""Who is told, without a worker: the agencies a placement or a missing report notifies,
the view access they are given so they can open the case, one notification per agency and
event, the deliveries each gets; and that the outbox commits with the event or not at all
(nothing is queued for what was rolled back).
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Entry
from missing.models import MissingEpisode
from missing.services import record_placement, report_missing
from notifications.models import Delivery, Notification
from notifications.services import recipients
from safeguarding.health import redis_client
from sharing.models import LawfulBasis, Share
from sharing.services import revoke_share
from tests.notifications.helpers import names, told

# Recipients --------------------------------------------------------------------------------


def test_a_placement_in_suffolk_tells_suffolk_police_and_childrens_services_and_sharers(
    open_case_for, place, share, agencies
):
    case = open_case_for("social.worker")
    share(case, "norfolk_police")
    share(case, "norfolk_hospital")
    placement = place(case, "suffolk")

    assert told(Notification.Kind.PLACEMENT, placement.pk) == names(
        agencies["suffolk_police"],
        agencies["suffolk_childrens"],
        agencies["norfolk_police"],
        agencies["norfolk_hospital"],
    )
    # The placing authority recorded it, so it is not told about its own placement.
    assert not Notification.objects.filter(agency=agencies["norfolk_childrens"]).exists()


def test_the_agencies_covering_the_placement_area_get_view_access_on_the_placement_basis(
    open_case_for, place, agencies
):
    case = open_case_for("social.worker")
    place(case, "suffolk")
    for key in ("suffolk_police", "suffolk_childrens"):
        share = Share.objects.get(case=case, agency=agencies[key], revoked_at__isnull=True)
        assert share.level == Share.Level.VIEW
        assert share.lawful_basis == LawfulBasis.PLACEMENT_NOTIFICATION


def test_a_missing_report_tells_the_placing_authority_area_agencies_and_sharers_not_the_reporter(
    open_case_for, place, share, missing, agencies
):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    share(case, "norfolk_hospital")
    place(case, "suffolk")
    episode = missing(case, by="police.officer")

    assert told(Notification.Kind.MISSING, episode.pk) == names(
        agencies["norfolk_childrens"],  # the placing authority
        agencies["suffolk_police"],
        agencies["suffolk_childrens"],
        agencies["norfolk_hospital"],  # a sharer
    )


def test_recipients_never_include_an_agency_twice_or_the_causing_agency_or_a_revoked_share(
    open_case_for, share, partnership, people, agencies
):
    case = open_case_for("social.worker")
    # Suffolk police: covers the area *and* holds a share. Norfolk hospital: share revoked.
    share(case, "suffolk_police")
    revoke_share(share(case, "norfolk_hospital"), people["social.worker"])

    found = recipients(
        case,
        caused_by=agencies["suffolk_childrens"],
        area=partnership.areas["suffolk"],
        placing_authority=agencies["norfolk_childrens"],
    )

    assert [a.pk for a in found] == list(dict.fromkeys(a.pk for a in found))
    assert names(*found) == names(agencies["suffolk_police"], agencies["norfolk_childrens"])


def test_the_database_refuses_a_second_notification_of_one_event_to_one_agency(
    open_case_for, missing, agencies, people
):
    case = open_case_for("social.worker")
    episode = missing(case)
    first = Notification.objects.filter(kind=Notification.Kind.MISSING).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            agency=first.agency,
            case=case,
            kind=Notification.Kind.MISSING,
            summary="again",
            subject_id=episode.pk,
            caused_by=people["police.officer"],
            caused_by_agency=agencies["norfolk_police"],
            acknowledge_by=timezone.now(),
        )


def test_each_notification_gets_an_email_delivery_and_a_webhook_where_the_agency_has_one(
    open_case_for, missing, agencies
):
    agency = agencies["norfolk_childrens"]
    agency.webhook_url, agency.webhook_secret = "https://example.invalid/hook", "s3cret"
    agency.save()
    case = open_case_for("social.worker")
    missing(case)

    for notification in Notification.objects.all():
        channels = sorted(notification.deliveries.values_list("channel", flat=True))
        expected = ["email", "webhook"] if notification.agency == agency else ["email"]
        assert channels == expected
        assert notification.deliveries.filter(state=Delivery.State.PENDING).count() == len(expected)


def test_a_placement_with_an_invalid_postcode_is_refused_before_anything_is_written(
    open_case_for, partnership, people
):
    case = open_case_for("social.worker")
    with pytest.raises(ValidationError):
        record_placement(
            people["social.worker"],
            case,
            area=partnership.areas["suffolk"],
            address="1 Test Street",
            postcode="NOT A POSTCODE",
            provider_type="childrens_home",
            started_at=timezone.now(),
        )
    assert not Notification.objects.exists()


def test_agencies_told_of_a_missing_child_can_open_the_case(open_case_for, missing, people):
    """No placement: Norfolk's hospital covers the placing authority's area, is told, and
    so is given view access (on the duty to safeguard) rather than a notification it
    cannot follow."""
    from cases.selectors import can

    case = open_case_for("social.worker", first_name="Told")
    assert not can(people["health.nurse"], case, "view")
    missing(case, by="social.worker")
    assert Notification.objects.filter(case=case, agency=people["health.nurse"].agency).exists()
    assert can(people["health.nurse"], case, "view")
    share = Share.objects.get(case=case, agency=people["health.nurse"].agency)
    assert (share.level, share.lawful_basis) == ("view", LawfulBasis.CA2004_S11)


# The outbox commits with the event ---------------------------------------------------------


class Forced(Exception):
    pass


def queued_in_redis() -> int:
    """Messages waiting on the default queue of the run's real broker (nobody reads it)."""
    from safeguarding.celery import app

    return redis_client().llen(app.conf.task_default_queue)


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_notify_leaves_no_episode_no_notification_and_nothing_queued(
    open_case_for, place, monkeypatch, people
):
    import missing.services

    case = open_case_for("social.worker")
    place(case, "suffolk")
    real_notify = missing.services.notify
    calls = []

    def notify_then_fail(*args, **kwargs):
        calls.append(real_notify(*args, **kwargs))
        raise Forced("forced failure after notify")

    monkeypatch.setattr(missing.services, "notify", notify_then_fail)
    notifications_before = Notification.objects.count()
    deliveries_before = Delivery.objects.count()
    entries_before = Entry.objects.filter(case=case).count()
    queued_before = queued_in_redis()

    with pytest.raises(Forced):
        report_missing(
            people["police.officer"],
            case,
            last_seen_at=timezone.now(),
            last_seen_where="Home",
            circumstances="Gone.",
            risk="high",
        )

    assert calls and calls[0], "notify wrote notifications before the failure"
    assert not MissingEpisode.objects.exists()
    assert Notification.objects.count() == notifications_before
    assert Delivery.objects.count() == deliveries_before
    assert Entry.objects.filter(case=case).count() == entries_before
    assert queued_in_redis() == queued_before, "nothing is sent for what was rolled back"


@pytest.mark.django_db(transaction=True)
def test_after_commit_one_task_per_delivery_is_queued(open_case_for, missing):
    case = open_case_for("social.worker")
    queued_before = queued_in_redis()
    missing(case)
    assert Delivery.objects.count() == 2  # Norfolk children's services and the hospital
    assert queued_in_redis() - queued_before == Delivery.objects.count()

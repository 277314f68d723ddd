"""Placements through missing.services directly: who may place a child, what a placement
and a move write, and who is told (DESIGN.md, Notifications: the Norfolk case).

The world: social.worker (Norfolk children's services) opens a case for a child; Suffolk
and Norfolk each have a police force, children's services, and (Norfolk) a hospital.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from cases.services import open_case
from missing.models import Placement
from missing.services import end_placement, record_placement
from notifications.models import Delivery, Notification
from sharing.models import Share
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


def place_in(partnership, case, area: str, *, by: str = "social.worker", at=None) -> Placement:
    return record_placement(
        partnership.people[by],
        case,
        area=partnership.areas[area],
        address="  4 Example Lane, Ipswich  ",
        postcode="ip1 1aa",
        provider_type=Placement.Provider.FOSTER_CARE,
        started_at=at or timezone.now(),
    )


@pytest.mark.parametrize("username", ["police.officer", "health.nurse", "suffolk.officer"])
def test_only_a_social_care_agency_places_a_child_and_a_refusal_writes_nothing(
    open_case_for, partnership, username
):
    case = open_case_for("social.worker")
    entries_before = case.entries.count()

    with pytest.raises(PermissionDenied, match="cannot record or end a placement"):
        place_in(partnership, case, "suffolk", by=username)

    assert not Placement.objects.exists()
    assert not Notification.objects.exists()
    assert case.entries.count() == entries_before
    assert events(Action.PLACEMENT_RECORDED) == []
    case.child.refresh_from_db()
    assert not case.child.looked_after


def test_a_placement_is_recorded_with_its_entry_audit_event_shares_and_notifications(
    open_case_for, partnership, agencies, people
):
    case = open_case_for("social.worker")
    started = timezone.now()

    placement = place_in(partnership, case, "suffolk", at=started)

    placement.refresh_from_db()
    assert placement.placing_authority == agencies["norfolk_childrens"]
    assert placement.child == case.child and placement.current
    assert placement.address == "4 Example Lane, Ipswich"
    assert placement.postcode == "IP1 1AA"
    assert placement.started_at == started
    case.child.refresh_from_db()
    assert case.child.looked_after
    assert case.child.responsible_authority == agencies["norfolk_childrens"]

    [entry] = case.entries.filter(category=Entry.Category.PLACEMENT)
    assert entry.text.startswith("Child placed in Suffolk (foster care) from ")
    assert entry.agency == agencies["norfolk_childrens"]
    [event] = events(Action.PLACEMENT_RECORDED)
    assert event.actor_id == people["social.worker"].pk
    assert event.target_type == "case" and event.target_id == str(case.pk)
    assert event.detail == {
        "placement": placement.pk,
        "area": partnership.areas["suffolk"].pk,
        "moved_from": None,
    }

    # The agencies covering Suffolk are told, and may open the case; the placing
    # authority does not tell itself, and Norfolk's agencies have nothing to hear.
    suffolk = [agencies["suffolk_police"], agencies["suffolk_childrens"]]
    assert told(Notification.Kind.PLACEMENT, placement.pk) == names(*suffolk)
    for agency in suffolk:
        share = Share.objects.get(case=case, agency=agency, revoked_at__isnull=True)
        assert share.level == Share.Level.VIEW
    # Each notification is in the outbox with an email waiting to go.
    pending = Delivery.objects.filter(
        notification__kind=Notification.Kind.PLACEMENT,
        channel=Delivery.Channel.EMAIL,
        state=Delivery.State.PENDING,
    )
    assert sorted(pending.values_list("notification__agency__name", flat=True)) == names(*suffolk)


def test_a_move_ends_the_previous_placement_and_tells_both_areas(
    open_case_for, partnership, agencies
):
    case = open_case_for("social.worker")
    first_start = timezone.now() - dt.timedelta(days=30)
    first = place_in(partnership, case, "suffolk", at=first_start)
    moved_at = timezone.now()

    second = place_in(partnership, case, "norfolk", at=moved_at)

    first.refresh_from_db()
    assert first.ended_at == moved_at
    assert first.end_reason == "Moved to a new placement"
    assert list(Placement.objects.filter(child=case.child, ended_at__isnull=True)) == [second]
    [moved] = case.entries.filter(category=Entry.Category.PLACEMENT).order_by("-id")[:1]
    assert moved.text.startswith("Child moved to a new placement in Norfolk (foster care) from ")
    assert events(Action.PLACEMENT_RECORDED)[-1].detail["moved_from"] == first.pk
    # Norfolk's police and hospital (the new area) are told of a child placed there...
    assert told(Notification.Kind.PLACEMENT, second.pk) == names(
        agencies["norfolk_police"], agencies["norfolk_hospital"],
    )  # fmt: skip
    # ...and Suffolk's agencies, which shared the case when the child was placed there,
    # that the placement in their area ended (issue 19, item 6), in their working days.
    assert told(Notification.Kind.PLACEMENT_ENDED, first.pk) == names(
        agencies["suffolk_police"], agencies["suffolk_childrens"],
    )  # fmt: skip
    ended = Notification.objects.filter(kind=Notification.Kind.PLACEMENT_ENDED).first()
    # Their placement notice's access lapses unless they keep it (tests/missing/
    # test_share_lapse.py): the notice says when.
    assert ended.summary.startswith(
        f"Case {case.reference}: placement in Suffolk ended: the child moved away; your access "
        "lapses "
    )
    assert ended.summary.endswith(" unless renewed")
    assert ended.acknowledge_by > ended.created_at


def test_a_move_recorded_as_starting_before_the_current_placement_ends_it_as_it_started(
    open_case_for, partnership
):
    case = open_case_for("social.worker")
    first_start = timezone.now() - dt.timedelta(days=2)
    first = place_in(partnership, case, "suffolk", at=first_start)

    place_in(partnership, case, "norfolk", at=first_start - dt.timedelta(hours=5))

    first.refresh_from_db()
    assert first.ended_at == first_start  # never before it started


def test_a_child_has_one_current_placement_whichever_case_recorded_it(
    open_case_for, partnership, people
):
    # Two cases of one child (the council's and the police force's: one open case per
    # agency), each placed on by the council, the child's responsible authority.
    council = partnership.agencies["norfolk_childrens"]
    case = open_case_for("social.worker", looked_after=True, responsible_authority=council)
    other_case = open_case(people["police.officer"], case.child)
    on_first = place_in(partnership, case, "suffolk", at=timezone.now() - dt.timedelta(days=1))

    on_other = place_in(partnership, other_case, "norfolk", by="mash.manager")

    on_first.refresh_from_db()
    assert on_first.ended_at is not None
    assert list(Placement.objects.filter(child=case.child, ended_at__isnull=True)) == [on_other]
    # The database itself refuses a second current placement for one child.
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(
            case=case, child=case.child, placing_authority=on_other.placing_authority,
            area=partnership.areas["suffolk"], address="Elsewhere", postcode="IP1 1AA",
            provider_type=Placement.Provider.OTHER, started_at=timezone.now(),
            recorded_by=people["social.worker"],
        )  # fmt: skip


def test_ending_a_placement_writes_its_entry_and_event_and_tells_the_area(
    open_case_for, partnership, agencies, people
):
    case = open_case_for("social.worker")
    started = timezone.now() - dt.timedelta(days=10)
    placement = place_in(partnership, case, "suffolk", at=started)
    ended = timezone.now() - dt.timedelta(hours=1)

    end_placement(people["social.worker"], case, ended_at=ended, reason="Returned home to mum")

    placement.refresh_from_db()
    assert placement.ended_at == ended
    assert placement.end_reason == "Returned home to mum"
    assert not Placement.objects.filter(child=case.child, ended_at__isnull=True).exists()
    [entry] = case.entries.filter(category=Entry.Category.PLACEMENT_ENDED)
    assert entry.text.startswith("Placement in Suffolk ended ")
    assert entry.text.endswith("Reason: Returned home to mum")
    [event] = events(Action.PLACEMENT_ENDED)
    assert event.detail == {"placement": placement.pk}
    assert event.actor_id == people["social.worker"].pk
    assert told(Notification.Kind.PLACEMENT_ENDED, placement.pk) == names(
        agencies["suffolk_police"], agencies["suffolk_childrens"]
    )


def test_an_end_before_the_start_is_taken_as_the_start(open_case_for, partnership, people):
    case = open_case_for("social.worker")
    started = timezone.now() - dt.timedelta(days=1)
    placement = place_in(partnership, case, "suffolk", at=started)

    end_placement(people["social.worker"], case, ended_at=started - dt.timedelta(days=3),
                  reason="Recorded late")  # fmt: skip

    placement.refresh_from_db()
    assert placement.ended_at == started


def test_only_a_current_placement_on_this_case_can_be_ended(open_case_for, partnership, people):
    council = partnership.agencies["norfolk_childrens"]
    case = open_case_for("social.worker", looked_after=True, responsible_authority=council)
    with pytest.raises(Placement.DoesNotExist):
        end_placement(people["social.worker"], case, ended_at=timezone.now(), reason="x")

    other_case = open_case(people["police.officer"], case.child)
    placement = place_in(partnership, other_case, "suffolk")
    with pytest.raises(Placement.DoesNotExist):
        end_placement(people["social.worker"], case, ended_at=timezone.now(), reason="x")

    placement.refresh_from_db()
    assert placement.current
    assert events(Action.PLACEMENT_ENDED) == []
    assert not Notification.objects.filter(kind=Notification.Kind.PLACEMENT_ENDED).exists()


def test_the_placement_and_its_notifications_commit_or_roll_back_together(
    open_case_for, partnership, django_capture_on_commit_callbacks
):
    case = open_case_for("social.worker")
    entries_before = case.entries.count()
    shares_before = Share.objects.filter(case=case).count()

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        place_in(partnership, case, "suffolk")
        assert Notification.objects.filter(kind=Notification.Kind.PLACEMENT).count() == 2
        raise Abandon

    assert not Placement.objects.exists()
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert case.entries.count() == entries_before
    assert Share.objects.filter(case=case).count() == shares_before
    assert events(Action.PLACEMENT_RECORDED) == []

    # Committed, the notifications are there, and sending waits for the commit.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        placement = place_in(partnership, case, "suffolk")
    assert len(told(Notification.Kind.PLACEMENT, placement.pk)) == 2
    assert callbacks


@pytest.fixture
def suffolk_worker(agencies, people):
    from people.models import Person

    worker = Person.objects.create_user(
        "suffolk.worker", password="x" * 20, agency=agencies["suffolk_childrens"],
        role=Person.Role.PRACTITIONER, first_name="Sam", last_name="Okoro",
    )  # fmt: skip
    people["suffolk.worker"] = worker
    return worker


def test_another_childrens_services_with_contribute_access_may_not_place(
    open_case_for, partnership, share, suffolk_worker
):
    case = open_case_for("social.worker")
    share(case, "suffolk_childrens", "contribute")
    with pytest.raises(PermissionDenied, match="Only the child’s placing authority"):
        place_in(partnership, case, "suffolk", by="suffolk.worker")
    assert not Placement.objects.exists()
    # The managing agency places; its placement is then ended only by it (or the child's
    # responsible authority, which it now is).
    place_in(partnership, case, "suffolk")
    with pytest.raises(PermissionDenied, match="Only the child’s placing authority"):
        end_placement(suffolk_worker, case, ended_at=timezone.now(), reason="Moved")
    assert Placement.objects.get().ended_at is None


def test_the_childs_responsible_authority_places_on_a_case_another_agency_leads(
    open_case_for, partnership, share, agencies, suffolk_worker
):
    case = open_case_for("social.worker", looked_after=True,
                         responsible_authority=agencies["suffolk_childrens"])  # fmt: skip
    share(case, "suffolk_childrens", "contribute")
    placement = place_in(partnership, case, "suffolk", by="suffolk.worker")
    assert placement.placing_authority == agencies["suffolk_childrens"]

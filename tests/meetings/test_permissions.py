"""The meeting pages that are not one case's (issue 22): the lists, and the meeting's form
posts, for every demo person. The case-bound pages are in the case pages' matrix
(tests/cases/test_pages_permissions.py)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action as Audit
from audit.models import Event
from meetings.models import Action as MeetingAction
from meetings.models import Attendance, DiscussedThing, MinutesItem
from tests.cases.test_pages_permissions import EVERYONE, signed_in_as
from tests.meetings.helpers import held_meeting

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = ["actions", "meeting-action-new", "meeting-agenda", "meeting-attendance",
                     "meeting-item", "meeting-thing", "meetings"]  # fmt: skip
# The council chairs (mash.manager) and the police are asked; the others are not.
AT_THE_MEETING = ["social.worker", "mash.manager", "team.manager", "police.officer",
                  "police.mash"]  # fmt: skip
READS_NO_CASES = ["admin.ncc"]
NOT_CASEWORKERS = ["ig.officer", "admin.ncc"]


@pytest.fixture
def meeting(open_case_for, share):
    case = open_case_for("social.worker", first_name="Matrix", last_name="Testchild")
    share(case, "norfolk_police", "view")
    return held_meeting(case)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", ["meetings", "actions"])
def test_the_lists_show_each_person_their_agencys_own(meeting, name, who):
    response = signed_in_as(who).get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    sees = (
        who in [*AT_THE_MEETING, "ig.officer"]
        if name == "meetings"
        else who in ("police.officer", "police.mash")
    )  # the police own the action
    assert (f"/meetings/{meeting.pk}/" in body or "Check the car" in body) is sees, who


def _a_link(meeting) -> int:
    """An unrestricted council link on the discussed child, made straight in its table."""
    import datetime as dt

    from links.models import Link, Thing
    from people.models import Person

    found = Link.objects.filter(case__in=meeting.discussed.values("case_id")).first()
    if found is None:
        worker = Person.objects.get(username="social.worker")
        found = Link.objects.create(
            case=meeting.discussed.get().case, thing=Thing.objects.create(kind="phone",
            key="+447700900999"), agency=worker.agency, recorded_by=worker,
            learned_on=dt.date(2026, 11, 1), learned_how="sighting",
            written={"number": "07700 900999"},
        )  # fmt: skip
    return found.pk


def _posts(meeting):
    case_id = meeting.discussed.get().case_id
    return {
        "meeting-attendance": {f"attendance-status_{row.agency_id}": "attended"
                               for row in meeting.attendance.all()},
        "meeting-item": {"item-about": str(case_id), "item-text": "Agreed a safety plan."},
        "meeting-thing": {"link": str(_a_link(meeting))},
        "meeting-action-new": {
            "action-case": str(case_id), "action-text": "Visit the school.",
            "action-owner": str(meeting.agency_id),
            "action-due_on_day": str(timezone.localdate().day),
            "action-due_on_month": str(timezone.localdate().month),
            "action-due_on_year": str(timezone.localdate().year),
        },
    }  # fmt: skip


WHO_MAY = {
    "meeting-thing": [p for p in AT_THE_MEETING],
    "meeting-attendance": ["mash.manager"],  # the chair
    "meeting-item": [p for p in AT_THE_MEETING],
    "meeting-action-new": [p for p in AT_THE_MEETING],
}


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", list(WHO_MAY))
def test_each_form_post_is_for_whom_it_is_for(meeting, name, who):
    before = (MinutesItem.objects.count(), MeetingAction.objects.count(),
              Attendance.objects.filter(status="attended").count(),
              DiscussedThing.objects.count())  # fmt: skip
    response = signed_in_as(who).post(reverse(name, args=[meeting.pk]), _posts(meeting)[name])
    after = (MinutesItem.objects.count(), MeetingAction.objects.count(),
             Attendance.objects.filter(status="attended").count(),
             DiscussedThing.objects.count())  # fmt: skip
    if who in WHO_MAY[name]:
        assert response.status_code == 302, response.content[:400]
        assert after != before
        return
    assert after == before
    if who not in [*AT_THE_MEETING, "ig.officer"]:  # the meeting does not exist for them
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        assert 'data-testid="refusal"' in response.content.decode()
    assert "Testchild" not in response.content.decode()
    assert Event.objects.filter(action=Audit.PERMISSION_REFUSED).exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_chair_decides_the_agenda(meeting, who, partnership):
    """A MACE's proposal: accepted by its chair; 403 to the others at it, 404 to the rest."""
    import datetime as dt

    from meetings.models import Meeting, Proposal

    Meeting.objects.filter(pk=meeting.pk).update(
        kind="mace", area=partnership.areas["norfolk"],
        held_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    proposal = Proposal.objects.create(
        area=partnership.areas["norfolk"],
        kind="repeat_missing",
        subject_id=1,
        case_ids=[],
        what="Repeat missing",
    )
    url = reverse("meeting-agenda", args=[meeting.pk, proposal.pk])
    response = signed_in_as(who).post(url, {"decision": "accept"})
    proposal.refresh_from_db()
    if who == "mash.manager":
        assert response.status_code == 302 and proposal.status == "accepted"
        return
    assert proposal.status == "proposed"
    expected = 403 if who in [*AT_THE_MEETING, "ig.officer"] else 404
    assert response.status_code == expected

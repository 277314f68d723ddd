"""The meeting pack (issue 22, item 4): made for one attendee, holding only what they may
see; the health attendee's pack holds none of the police's restricted items."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action as Audit
from cases.services import add_entry
from meetings import pack, services
from tests.conftest import events
from tests.meetings.helpers import strategy_discussion

pytestmark = pytest.mark.django_db

SECRET = "Operation Example: a named suspect under surveillance"


@pytest.fixture
def meeting(open_case_for, share, people, agencies):
    aimee = open_case_for("social.worker", first_name="Aimee", last_name="Example",
                          concern="Seen with older men")  # fmt: skip
    share(aimee, "norfolk_police", "contribute")
    share(aimee, "norfolk_hospital", "view")
    add_entry(people["police.officer"], aimee, category="intelligence",
              occurred_at=timezone.now(), text=SECRET, restricted=True)  # fmt: skip
    meeting = strategy_discussion(people, agencies, aimee)
    services.add_item(people["police.officer"], meeting, case_id=aimee.pk,
                      text="Police only: " + SECRET, decision=False, restricted=True)  # fmt: skip
    services.add_item(people["mash.manager"], meeting, case_id=aimee.pk,
                      text="Safety plan agreed.", decision=True, restricted=False)  # fmt: skip
    services.publish(people["mash.manager"], meeting)
    services.add_action(people["mash.manager"], meeting, case_id=aimee.pk, text="Visit school.",
                        owner=agencies["norfolk_police"], owner_person=None,
                        due_on=timezone.localdate())  # fmt: skip
    return meeting


def test_the_health_pack_holds_none_of_the_polices_restricted_items(meeting, people):
    police = pack.html(pack.build(people["police.officer"], meeting), for_pdf=True)
    health = pack.html(pack.build(people["health.nurse"], meeting), for_pdf=True)
    assert SECRET in police and "Police only" in police
    assert SECRET not in health and "Police only" not in health and "Operation" not in health
    for made in (police, health):
        assert "Aimee Example" in made and "Safety plan agreed." in made and "Visit school." in made
    assert "made for Dana Wells, Norfolk Constabulary" in police
    assert "made for Taylor Reed, Norfolk and Norwich" in health


def test_a_child_the_attendee_may_not_see_is_not_in_their_pack(meeting, people, agencies,
                                                              open_case_for):  # fmt: skip
    suffolk = open_case_for("suffolk.officer", first_name="Hidden")
    other = services.schedule_meeting(
        people["suffolk.officer"], kind="strategy_discussion", held_at=timezone.now(),
        cases=[suffolk], agencies=[agencies["norfolk_police"]],
    )  # fmt: skip
    made = pack.build(people["police.officer"], other)
    assert made.children == []
    assert "Hidden" not in pack.html(made, for_pdf=True)


def test_the_pack_page_and_pdf_are_audited_and_for_attendees_only(meeting, client, sign_in):
    sign_in("health.nurse")
    page = client.get(reverse("meeting-pack", args=[meeting.pk]))
    assert page.status_code == 200 and SECRET not in page.content.decode()
    made = client.get(reverse("meeting-pack-pdf", args=[meeting.pk]))
    assert made.status_code == 200 and made["Content-Type"] == "application/pdf"
    assert made.content.startswith(b"%PDF")
    assert [e.detail["format"] for e in events(Audit.MEETING_PACK_MADE)] == ["print", "pdf"]
    sign_in("suffolk.officer")  # not asked
    assert client.get(reverse("meeting-pack", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("meeting-pack-pdf", args=[meeting.pk])).status_code == 404


def test_the_chronology_in_the_pack_starts_at_the_last_meeting(meeting, people, agencies):
    aimee = meeting.discussed.get().case
    later = services.schedule_meeting(
        people["mash.manager"], kind="review", held_at=timezone.now(), cases=[aimee],
        agencies=[agencies["norfolk_police"]],
    )  # fmt: skip
    [child] = pack.build(people["social.worker"], later).children
    assert child.since == timezone.localtime(meeting.held_at).date()


def test_things_discussed_are_shown_only_through_links_the_reader_may_read(
    meeting, people, client, sign_in
):
    from links.models import Link
    from tests.links.helpers import link

    aimee = meeting.discussed.get().case
    car = link(people["police.officer"], aimee, "vehicle", registration="ZZ99 ZZZ",
               restricted=True)  # fmt: skip
    flat = link(people["social.worker"], aimee, "place", address="1 Example Row",
                postcode="NR1 1AA", place_type="flat")  # fmt: skip
    services.discuss_thing(people["police.officer"], meeting, car.pk)
    services.discuss_thing(people["mash.manager"], meeting, flat.pk)
    with pytest.raises(ValidationError):  # the council may not read the police's link
        services.discuss_thing(people["mash.manager"], meeting, car.pk)
    police = pack.html(pack.build(people["police.officer"], meeting), for_pdf=True)
    health = pack.html(pack.build(people["health.nurse"], meeting), for_pdf=True)
    assert "ZZ99 ZZZ" in police and "1 Example Row" in police
    assert "ZZ99" not in health and "1 Example Row" in health
    sign_in("social.worker")
    page = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert "ZZ99" not in page and "1 Example Row" in page
    assert Link.objects.count() == 2

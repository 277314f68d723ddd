"""The placement and missing-child pages: record a placement (or a move), end it, report a
child missing, record the return and the return home interview; and the case page's
"Placement and missing" section.

Each form: what it saves and who it tells, what it says when something is wrong (keeping
everything typed), and who may not use it (404, as for every case page).
"""

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from cases.models import Entry
from missing.models import MissingEpisode, Placement, ReturnInterview
from missing.services import (
    current_placement_of,
    record_placement,
    record_return,
    record_return_interview,
    report_missing,
)
from notifications.models import Notification
from people.models import Area, Person
from tests.conftest import events, verify_second_factor

pytestmark = pytest.mark.django_db

ADDRESS = "The Willows, 4 Example Lane, Ipswich"


def text_of(response) -> str:
    """The page's text with tags removed and spaces collapsed, for reading like a person."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def client_for(username: str) -> Client:
    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


def moment(date_field: str, time_field: str, when: dt.datetime) -> dict:
    local = timezone.localtime(when)
    return {
        f"{date_field}_day": str(local.day),
        f"{date_field}_month": str(local.month),
        f"{date_field}_year": str(local.year),
        time_field: f"{local:%H:%M}",
    }


def ago(**delta) -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0) - dt.timedelta(**delta)


def placement_form(areas, **changes) -> dict:
    return {
        "area": str(areas["suffolk"].pk),
        "address": ADDRESS,
        "postcode": "ip1 1aa",
        "provider_type": "childrens_home",
        **moment("started_on", "started_time", ago(hours=2)),
    } | changes


def missing_form(**changes) -> dict:
    return {
        **moment("last_seen_on", "last_seen_time", ago(hours=3)),
        "last_seen_where": "Ipswich railway station",
        "last_seen_area": str(Area.objects.get(name="Suffolk").pk),
        "circumstances": "Did not come back after school.",
        "risk": "high",
    } | changes


@pytest.fixture
def case(open_case_for, agencies):
    """A looked-after Norfolk child, with nothing placed or missing yet."""
    return open_case_for(
        "social.worker",
        first_name="Placed",
        last_name="Testchild",
        looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )


def place(case, people, areas, area="suffolk", hours_ago=48):
    return record_placement(
        people["social.worker"], case, area=areas[area], address=ADDRESS,
        postcode="IP1 1AA", provider_type="foster_care", started_at=ago(hours=hours_ago),
    )  # fmt: skip


def go_missing(case, people, hours_ago=30, by="social.worker"):
    return report_missing(
        people[by], case, last_seen_at=ago(hours=hours_ago),
        last_seen_where="Norwich bus station", circumstances="Ran off.", risk="medium",
    )  # fmt: skip


# Record a placement --------------------------------------------------------------------


def test_a_placement_is_recorded_and_the_banner_says_who_was_told(case, people, partnership):
    client = client_for("social.worker")
    form = text_of(client.get(reverse("placement-new", args=[case.pk])))
    assert "Record a placement" in form and "Only a local authority" not in form

    response = client.post(reverse("placement-new", args=[case.pk]),
                           placement_form(partnership.areas))  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse("case-missing", args=[case.pk])
    placement = Placement.objects.get(case=case)
    assert (placement.area.name, placement.postcode, placement.address) == (
        "Suffolk", "IP1 1AA", ADDRESS,
    )  # fmt: skip
    assert placement.placing_authority.name == "Norfolk County Council Children's Services"
    case.child.refresh_from_db()
    assert current_placement_of(case.child) == placement

    page = text_of(client.get(response["Location"]))
    assert (
        "Placement in Suffolk recorded. Notified: Suffolk Constabulary and Suffolk County "
        "Council Children's Services." in page
    )
    assert "Placed in Suffolk" in page and "Children’s home" in page
    assert "Record a move to a new placement" in page and "End the current placement" in page
    assert [e.action for e in events(Action.PLACEMENT_RECORDED)] == [Action.PLACEMENT_RECORDED]


def test_a_placement_form_with_mistakes_says_so_and_keeps_what_was_typed(case, partnership):
    client = client_for("social.worker")
    data = placement_form(partnership.areas, area="", postcode="NOT A CODE", provider_type="",
                          started_time="25:99")  # fmt: skip
    page = client.post(reverse("placement-new", args=[case.pk]), data).content.decode()
    assert "There is a problem" in page and "<title>Error: " in page
    for message in (
        "Select the area the child is placed in",
        "Enter a real postcode, like NR1 3QU",
        "Select the type of placement",
        "Enter the time the placement starts using the 24-hour clock, like 14:30",
    ):
        assert message in unescape(page), message
    assert 'href="#id_area"' in page and 'href="#id_started_time"' in page
    assert ADDRESS in page and 'value="NOT A CODE"' in page and 'value="25:99"' in page
    assert f'value="{data["started_on_year"]}"' in page
    assert not Placement.objects.exists()


def test_a_placement_may_start_up_to_a_day_ahead_but_no_later(case, partnership):
    client = client_for("social.worker")
    url = reverse("placement-new", args=[case.pk])
    too_late = moment("started_on", "started_time", timezone.now() + dt.timedelta(hours=26))
    page = text_of(client.post(url, placement_form(partnership.areas, **too_late)))
    assert "The placement must start no more than 24 hours from now" in page
    assert not Placement.objects.exists()

    tomorrow = moment("started_on", "started_time", timezone.now() + dt.timedelta(hours=20))
    assert client.post(url, placement_form(partnership.areas, **tomorrow)).status_code == 302
    assert Placement.objects.get(case=case).started_at > timezone.now()


def test_times_are_uk_local_time(case, partnership):
    """14:30 typed in July is 13:30 UTC (British Summer Time)."""
    client = client_for("social.worker")
    data = placement_form(partnership.areas, started_on_day="1", started_on_month="7",
                          started_on_year="2025", started_time="14:30")  # fmt: skip
    assert client.post(reverse("placement-new", args=[case.pk]), data).status_code == 302
    started = Placement.objects.get(case=case).started_at
    assert started == dt.datetime(2025, 7, 1, 13, 30, tzinfo=dt.UTC)


def test_only_childrens_services_may_place_and_police_are_refused_with_a_reason(
    case, share, partnership
):
    share(case, "norfolk_police", "contribute")
    client = client_for("police.officer")
    url = reverse("placement-new", args=[case.pk])
    refused = client.get(url)
    assert refused.status_code == 403
    assert "Your agency cannot record or end a placement" in refused.content.decode()
    posted = client.post(url, placement_form(partnership.areas))
    assert posted.status_code == 403
    assert not Placement.objects.exists()
    assert events(Action.PLACEMENT_RECORDED) == []
    # The "Placement and missing" tab offers police neither placement link; reporting
    # missing stays.
    page = text_of(client.get(reverse("case-missing", args=[case.pk])))
    assert "Record a placement" not in page
    assert "Report the child missing" in page


def test_a_move_ends_the_current_placement_and_must_start_after_it(case, people, partnership):
    first = place(case, people, partnership.areas, area="cambridgeshire", hours_ago=72)
    client = client_for("social.worker")
    url = reverse("placement-new", args=[case.pk])
    page = text_of(client.get(url))
    assert "Record a move to a new placement" in page
    assert "The current placement in Cambridgeshire" in page

    before = moment("started_on", "started_time", ago(hours=96))
    page = text_of(client.post(url, placement_form(partnership.areas, **before)))
    assert "The placement must start after the current one started" in page

    assert client.post(url, placement_form(partnership.areas)).status_code == 302
    first.refresh_from_db()
    assert first.ended_at is not None
    case.child.refresh_from_db()
    assert current_placement_of(case.child).area.name == "Suffolk"


# End the placement ---------------------------------------------------------------------


def test_the_current_placement_is_ended(case, people, partnership):
    placement = place(case, people, partnership.areas)
    client = client_for("social.worker")
    url = reverse("placement-end", args=[case.pk])
    assert "End the current placement" in text_of(client.get(url))
    data = {**moment("ended_on", "ended_time", ago(hours=1)), "reason": "Returned home"}
    response = client.post(url, data)
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.ended_at == ago(hours=1) and placement.end_reason == "Returned home"
    page = text_of(client.get(response["Location"]))
    assert "Placement in Suffolk ended. Notified: Suffolk Constabulary" in page
    assert "No current placement is recorded on this case." in page
    assert "End the current placement" not in page

    # Nothing left to end: the page says so rather than showing a form.
    response = client.get(url, follow=True)
    assert "The child has no current placement on this case to end." in text_of(response)


def test_ending_a_placement_before_it_started_or_in_the_future_is_refused(
    case, people, partnership
):
    place(case, people, partnership.areas, hours_ago=5)
    client = client_for("social.worker")
    url = reverse("placement-end", args=[case.pk])
    early = {**moment("ended_on", "ended_time", ago(hours=6)), "reason": "Typed the wrong day"}
    page = text_of(client.post(url, early))
    assert "The placement must end after it started" in page and "Typed the wrong day" in page
    late = {**moment("ended_on", "ended_time", timezone.now() + dt.timedelta(hours=3)),
            "reason": "Planned"}  # fmt: skip
    page = text_of(client.post(url, late))
    # Near midnight the time falls tomorrow, and the date itself is refused first.
    assert "The placement must have ended by now" in page or (
        "must be today or in the past" in page
    )
    blank = text_of(client.post(url, {}))
    assert (
        "Enter the date the placement ended" in blank and "Enter why the placement ended" in blank
    )
    assert Placement.objects.get(case=case).ended_at is None


# Report missing --------------------------------------------------------------------------


def test_a_missing_report_is_saved_and_everyone_told_is_named(case, people, partnership, share):
    share(case, "norfolk_police", "view")
    place(case, people, partnership.areas)
    client = client_for("social.worker")
    url = reverse("missing-new", args=[case.pk])
    assert "Report the child missing" in text_of(client.get(url))
    response = client.post(url, missing_form())
    assert response.status_code == 302
    episode = MissingEpisode.objects.get(case=case)
    assert (episode.risk, episode.last_seen_where) == ("high", "Ipswich railway station")
    # As typed, to the minute (the form was filled a moment ago: a minute may have turned).
    assert dt.timedelta(0) <= ago(hours=3) - episode.last_seen_at <= dt.timedelta(minutes=1)
    page = text_of(client.get(response["Location"]))
    assert (
        "The child is reported missing. Notified: Norfolk Constabulary, Suffolk Constabulary "
        "and Suffolk County Council Children's Services." in page
    )
    assert "Still missing" in page and "Record the return" in page
    assert case.entries.filter(category=Entry.Category.MISSING).exists()


def test_a_missing_report_with_mistakes_keeps_what_was_typed(case):
    client = client_for("social.worker")
    url = reverse("missing-new", args=[case.pk])
    future = moment("last_seen_on", "last_seen_time", timezone.now() + dt.timedelta(hours=2))
    response = client.post(url, missing_form(risk="", **future))
    page = text_of(response)
    assert "Select the risk grading" in page
    assert "The time last seen must be now or in the past" in page or (
        "Date last seen must be today or in the past" in page
    )
    assert "Did not come back after school." in page
    assert 'value="Ipswich railway station"' in response.content.decode()
    blank = text_of(client.post(url, {}))
    for message in (
        "Enter the date the child was last seen",
        "Enter the time the child was last seen",
        "Enter where the child was last seen",
        "Enter the circumstances",
    ):
        assert message in blank, message
    assert not MissingEpisode.objects.exists()


# Record the return ----------------------------------------------------------------------


def test_a_return_is_recorded_with_the_interview_due_in_72_hours(case, people):
    episode = go_missing(case, people)
    client = client_for("social.worker")
    url = reverse("missing-returned", args=[case.pk, episode.pk])
    assert "Record the child’s return" in text_of(client.get(url))
    data = {**moment("returned_on", "returned_time", ago(hours=2)),
            "how_found": "Found at a friend's flat"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.returned_at == ago(hours=2) and episode.how_found == "Found at a friend's flat"
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.due_at == ago(hours=2) + dt.timedelta(hours=72)
    page = text_of(client.get(response["Location"]))
    assert (
        "The child’s return is recorded. A return home interview by Norfolk County Council" in page
    )
    assert "Due" in page and "Record the interview" in page


def test_a_return_already_recorded_says_so_and_keeps_what_was_typed(case, people):
    episode = go_missing(case, people)
    client = client_for("social.worker")
    url = reverse("missing-returned", args=[case.pk, episode.pk])
    text_of(client.get(url))  # the form is open...
    record_return(people["social.worker"], episode, returned_at=ago(hours=5),
                  how_found="Came home")  # ...when someone else records it  # fmt: skip
    data = {**moment("returned_on", "returned_time", ago(hours=2)),
            "how_found": "Seen by a neighbour at 6am"}  # fmt: skip
    page = text_of(client.post(url, data))
    assert "There is a problem" in page
    assert "This child’s return has already been recorded" in page and "Nothing was changed" in page
    assert "Seen by a neighbour at 6am" in page
    episode.refresh_from_db()
    assert episode.how_found == "Came home"
    # Opening the form again goes back to the case, saying why.
    assert "already been recorded" in text_of(client.get(url, follow=True))


def test_a_return_before_the_child_was_last_seen_is_refused(case, people):
    episode = go_missing(case, people, hours_ago=10)
    client = client_for("social.worker")
    data = {**moment("returned_on", "returned_time", ago(hours=11)), "how_found": "Typo"}
    page = text_of(client.post(reverse("missing-returned", args=[case.pk, episode.pk]), data))
    assert "The child must have returned after they were last seen" in page
    episode.refresh_from_db()
    assert episode.returned_at is None


def test_an_episode_of_another_case_is_404(case, people, open_case_for):
    other = open_case_for("social.worker", first_name="Other")
    episode = go_missing(other, people)
    client = client_for("social.worker")
    assert client.get(reverse("missing-returned", args=[case.pk, episode.pk])).status_code == 404
    assert client.get(reverse("return-interview", args=[case.pk, episode.pk])).status_code == 404


# Record the return home interview -------------------------------------------------------


def returned(case, people, by="social.worker"):
    episode = go_missing(case, people, hours_ago=30)
    return record_return(people[by], episode, returned_at=ago(hours=20), how_found="Home")


def test_the_placing_authority_records_the_interview(case, people):
    episode = returned(case, people)
    client = client_for("social.worker")
    url = reverse("return-interview", args=[case.pk, episode.pk])
    assert "Record the return home interview" in text_of(client.get(url))
    data = {**moment("held_on", "held_time", ago(hours=1)), "summary": "She was with a friend.",
            "outcome": "held"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.held_on == ago(hours=1) and interview.completed_by.username == "social.worker"
    page = text_of(client.get(response["Location"]))
    assert "The return home interview is recorded." in page and "Done" in page
    assert "Record the interview" not in page
    assert "already been recorded" in text_of(client.get(url, follow=True))


def test_an_interview_with_mistakes_keeps_what_was_typed(case, people):
    episode = returned(case, people)
    client = client_for("social.worker")
    url = reverse("return-interview", args=[case.pk, episode.pk])
    early = {**moment("held_on", "held_time", ago(hours=21)), "summary": "Long summary typed",
             "outcome": "held"}  # fmt: skip
    page = text_of(client.post(url, early))
    assert "The interview must be after the child returned" in page
    assert "Long summary typed" in page
    blank = text_of(client.post(url, {"summary": "", "outcome": "held"}))
    assert "Enter the date of the interview" in blank and "Enter a summary to share" in blank
    assert ReturnInterview.objects.get(episode=episode).completed_at is None


def test_an_interview_recorded_meanwhile_is_an_error_not_a_second_record(case, people):
    episode = returned(case, people)
    client = client_for("social.worker")
    url = reverse("return-interview", args=[case.pk, episode.pk])
    text_of(client.get(url))
    record_return_interview(people["mash.manager"], episode.return_interview,
                            held_on=ago(hours=2), summary="First")  # fmt: skip
    data = {**moment("held_on", "held_time", ago(hours=1)), "summary": "Second", "outcome": "held"}
    page = text_of(client.post(url, data))
    assert "This return home interview has already been recorded. Nothing was changed." in page
    assert ReturnInterview.objects.get(episode=episode).summary == "First"


def test_only_the_agency_that_owes_the_interview_may_record_it(case, people, share):
    """Police with contribute access may record the return, not the interview: 404."""
    share(case, "norfolk_police", "contribute")
    episode = returned(case, people, by="police.officer")
    police = client_for("police.officer")
    url = reverse("return-interview", args=[case.pk, episode.pk])
    assert police.get(url).status_code == 404
    data = {
        **moment("held_on", "held_time", ago(hours=1)),
        "summary": "Not ours",
        "outcome": "held",
    }
    assert police.post(url, data).status_code == 404
    assert ReturnInterview.objects.get(episode=episode).completed_at is None
    assert events(Action.PERMISSION_REFUSED)[-1].detail == {"need": "interview"}
    # ...and the case's "Placement and missing" tab offers them no link to it.
    page = text_of(police.get(reverse("case-missing", args=[case.pk])))
    assert "Due" in page and "Record the interview" not in page


# Who may use the forms -----------------------------------------------------------------

FORMS = [
    "placement-new",
    "placement-end",
    "missing-new",
    "missing-returned",
    "missing-regrade",
    "return-interview",
]


def _url(name, case, episode, still_missing):
    if name in ("missing-returned", "missing-regrade"):
        return reverse(name, args=[case.pk, still_missing.pk])
    if name == "return-interview":
        return reverse(name, args=[case.pk, episode.pk])
    return reverse(name, args=[case.pk])


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("username", ["police.officer", "suffolk.officer"])
def test_view_only_or_no_access_is_refused_and_changes_nothing(
    case, people, partnership, share, name, username
):
    share(case, "norfolk_police", "view")
    place(case, people, partnership.areas, area="cambridgeshire")
    episode = returned(case, people)
    still_missing = go_missing(case, people, hours_ago=2)
    url = _url(name, case, episode, still_missing)
    client = client_for(username)
    before = (Placement.objects.count(), MissingEpisode.objects.count(),
              Notification.objects.count())  # fmt: skip
    # The police may never place (403 whatever the case); the rest needs contribute (404).
    refused_with = 403 if name.startswith("placement") else 404
    assert client.get(url).status_code == refused_with
    response = client.post(url, placement_form(partnership.areas) | missing_form())
    assert response.status_code == refused_with
    assert "Testchild" not in response.content.decode()
    after = (Placement.objects.count(), MissingEpisode.objects.count(),
             Notification.objects.count())  # fmt: skip
    assert after == before


def test_signed_out_the_forms_go_to_sign_in(case):
    response = Client().get(reverse("missing-new", args=[case.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("sign-in"))


# The case page ---------------------------------------------------------------------------


def test_the_missing_tab_shows_the_placement_and_each_episode_in_words(case, people, partnership):
    place(case, people, partnership.areas)
    overdue = returned(case, people)
    ReturnInterview.objects.filter(episode=overdue).update(due_at=ago(hours=1))
    done = returned(case, people)
    record_return_interview(people["social.worker"], done.return_interview,
                            held_on=ago(hours=1), summary="Held")  # fmt: skip
    due = returned(case, people)
    go_missing(case, people, hours_ago=1)
    page = text_of(client_for("social.worker").get(reverse("case-missing", args=[case.pk])))
    section = page[page.rindex("Placement and missing") :]
    assert "Placed in Suffolk" in section and "Foster care" in section
    assert "Norfolk County Council Children's Services" in section
    assert section.count("Still missing") == 1
    assert section.count("Overdue") == 1 and section.count("Done") == 1
    assert section.count("Due By") == 1
    assert section.count("Record the interview") == 2  # the overdue and the due one
    assert due.pk and "Report the child missing" in section


def test_those_who_may_only_view_see_the_section_without_its_links(case, people, partnership,
                                                                   share):  # fmt: skip
    share(case, "norfolk_police", "view")
    place(case, people, partnership.areas, area="cambridgeshire")
    go_missing(case, people)
    page = text_of(client_for("police.officer").get(reverse("case-missing", args=[case.pk])))
    assert "Placed in Cambridgeshire" in page and "Still missing" in page
    for link in ("Record a move", "End the current placement", "Report the child missing",
                 "Record the return"):  # fmt: skip
        assert link not in page, link


def test_a_placement_recorded_on_another_case_of_the_child_is_not_shown(case, people, partnership):
    from cases.services import open_case

    # The police force's case for the child (one open case per agency): the council, the
    # child's responsible authority, records a placement on it.
    other = open_case(people["police.officer"], case.child)
    place(other, people, partnership.areas)
    page = text_of(client_for("social.worker").get(reverse("case-missing", args=[case.pk])))
    assert "No current placement is recorded on this case." in page


def test_reading_a_form_records_the_read_and_saving_records_the_change(case, partnership):
    client = client_for("social.worker")
    client.get(reverse("missing-new", args=[case.pk]))
    assert events(Action.CASE_VIEWED)[-1].detail["view"] == "missing_new"
    client.post(reverse("missing-new", args=[case.pk]), missing_form())
    reported = events(Action.MISSING_REPORTED)
    assert len(reported) == 1 and reported[0].actor_username == "social.worker"
    assert "Ipswich" not in str(reported[0].detail)


def test_each_form_records_exactly_its_events(case, people, partnership):
    """Placing in Suffolk shares the case with its police and children's services first."""
    from audit.models import Event

    client = client_for("social.worker")

    def written(url, data) -> list[str]:
        before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert client.post(url, data).status_code == 302
        after = Event.objects.filter(id__gt=before).order_by("id")
        return list(after.values_list("action", flat=True))

    A = Action
    assert written(reverse("placement-new", args=[case.pk]), placement_form(partnership.areas)) == [
        A.SHARED, A.SHARED, A.PLACEMENT_RECORDED,
    ]  # fmt: skip
    end = {**moment("ended_on", "ended_time", ago(hours=1)), "reason": "Moved home"}
    # The two placement notices' shares are set to lapse (tests/missing/test_share_lapse.py).
    assert written(reverse("placement-end", args=[case.pk]), end) == [
        A.PLACEMENT_ENDED, A.SHARE_LAPSE_SET, A.SHARE_LAPSE_SET,
    ]  # fmt: skip
    # No placement now: Norfolk's police and hospital are told, so they get view access.
    assert written(reverse("missing-new", args=[case.pk]), missing_form()) == [
        A.MISSING_REPORTED, A.SHARED, A.SHARED, A.REPEAT_MISSING_ALERT_RAISED,  # graded high
    ]  # fmt: skip
    episode = MissingEpisode.objects.get(case=case)
    back = {**moment("returned_on", "returned_time", ago(hours=1)), "how_found": "Came home"}
    url = reverse("missing-returned", args=[case.pk, episode.pk])
    assert written(url, back) == [A.RETURN_RECORDED]
    held = {**moment("held_on", "held_time", ago(minutes=10)), "summary": "Talked it through",
            "outcome": "held"}  # fmt: skip
    url = reverse("return-interview", args=[case.pk, episode.pk])
    assert written(url, held) == [A.RETURN_INTERVIEW_RECORDED]
    for event in Event.objects.filter(action__in=[A.PLACEMENT_RECORDED, A.MISSING_REPORTED,
                                                  A.RETURN_INTERVIEW_RECORDED]):  # fmt: skip
        assert "Testchild" not in str(event.detail) and "Ipswich" not in str(event.detail)


def test_placement_pages_and_api_are_for_the_placing_authority_only(
    open_case_for, share, agencies, client
):
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.test import APIClient

    from people.models import Person
    from tests.conftest import verify_second_factor

    case = open_case_for("social.worker")
    share(case, "suffolk_childrens", "contribute")
    worker = Person.objects.create_user(
        "suffolk.worker", password="x" * 20, agency=agencies["suffolk_childrens"],
        role=Person.Role.PRACTITIONER,
    )  # fmt: skip
    TOTPDevice.objects.create(user=worker, name="Authenticator", confirmed=True)
    client.force_login(worker)
    verify_second_factor(client, worker)
    for name in ("placement-new", "placement-end"):
        refused = client.get(reverse(name, args=[case.pk]))
        assert refused.status_code == 403
        shown = unescape(refused.content.decode())
        assert "Only the child’s placing authority records placements" in shown
    refusals = Event.objects.filter(
        action=Action.PERMISSION_REFUSED, actor_username=worker.username
    )
    assert [e.detail["need"] for e in refusals] == ["placing_authority", "placing_authority"]
    # No link to a form it would be refused.
    page = text_of(client.get(reverse("case-missing", args=[case.pk])))
    assert "Record a placement" not in page
    api = APIClient()
    api.force_authenticate(worker)
    answer = api.post(f"/api/v1/cases/{case.pk}/placements/", {}, format="json")
    assert answer.status_code == 403
    assert "placing authority" in answer.json()["detail"]

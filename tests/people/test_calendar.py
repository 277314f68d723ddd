"""Working days from a maintained calendar: each nation's bank holidays, each agency's
closure days, and the deadlines counted in them (people.calendar).

Deadlines are computed from a `start` given as an argument, so nothing here freezes the
clock of another process; where a service reads the time itself, time-machine moves it
for this test alone.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from people.calendar import Calendar, Nation, bank_holidays, nation_of
from people.models import Agency, Area, ClosureDay
from people.selectors import calendar_for
from triage.services import check_due, decision_due

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def local(when: dt.datetime) -> dt.datetime:
    return timezone.localtime(when, LONDON)


# Bank holidays by nation: Christmas and New Year ------------------------------------------

# One working day after Christmas Eve (Thursday 24 December 2026): 25 December is a Friday,
# Boxing Day a Saturday (so Monday 28th is its substitute): Tuesday 29th, in every nation.
CHRISTMAS_EVE_2026 = at(2026, 12, 24, 15, 0)
# Two working days after Wednesday 30 December 2026: Thursday 31st, then 1 January is a
# bank holiday everywhere and 2 January only in Scotland (a Saturday in 2027, so Scotland
# takes Monday 4 January 2027 as well: that is 2028's rule; in 2027 the 2nd is a Saturday).
NEW_YEAR_2026 = at(2026, 12, 30, 10, 0)


@pytest.mark.parametrize("nation", list(Nation.values))
def test_christmas_eve_2026_plus_one_working_day_is_the_29th_everywhere(nation):
    due = Calendar(nation).add_working_days(CHRISTMAS_EVE_2026, 1)
    assert local(due) == at(2026, 12, 29, 15, 0)


@pytest.mark.parametrize(
    ("nation", "due"),
    [
        (Nation.ENGLAND, at(2027, 1, 4, 10, 0)),
        (Nation.WALES, at(2027, 1, 4, 10, 0)),
        (Nation.NORTHERN_IRELAND, at(2027, 1, 4, 10, 0)),
        # Scotland's 2 January 2027 is a Saturday: its substitute is Monday the 4th.
        (Nation.SCOTLAND, at(2027, 1, 5, 10, 0)),
    ],
)
def test_new_year_2026_to_2027_by_nation(nation, due):
    assert local(Calendar(nation).add_working_days(NEW_YEAR_2026, 2)) == due


@pytest.mark.parametrize(
    ("nation", "due"),
    [
        (Nation.ENGLAND, at(2027, 12, 30, 9, 0)),
        (Nation.WALES, at(2027, 12, 30, 9, 0)),
        (Nation.NORTHERN_IRELAND, at(2027, 12, 30, 9, 0)),
        (Nation.SCOTLAND, at(2027, 12, 30, 9, 0)),
    ],
)
def test_christmas_2027_falls_on_a_weekend_so_monday_and_tuesday_are_holidays(nation, due):
    # Friday 24 December 2027 plus two working days: 27 and 28 are substitutes, so
    # Wednesday 29th and Thursday 30th.
    assert local(Calendar(nation).add_working_days(at(2027, 12, 24, 9, 0), 2)) == due


def test_scotland_keeps_the_second_of_january_and_england_does_not():
    # Thursday 31 December 2025 plus one working day: 1 January 2026 is a Thursday; the
    # 2nd a Friday, a holiday in Scotland only.
    start = at(2025, 12, 31, 11, 0)
    assert local(Calendar(Nation.ENGLAND).add_working_days(start, 1)) == at(2026, 1, 2, 11, 0)
    assert local(Calendar(Nation.SCOTLAND).add_working_days(start, 1)) == at(2026, 1, 5, 11, 0)


def test_northern_ireland_keeps_st_patricks_day():
    # Monday 16 March 2026 plus one working day: Tuesday 17 March is a holiday in NI alone.
    start = at(2026, 3, 16, 12, 0)
    assert local(Calendar(Nation.ENGLAND).add_working_days(start, 1)) == at(2026, 3, 17, 12, 0)
    northern_ireland = Calendar(Nation.NORTHERN_IRELAND)
    assert local(northern_ireland.add_working_days(start, 1)) == at(2026, 3, 18, 12, 0)


def test_the_holiday_data_names_the_days():
    assert bank_holidays(Nation.ENGLAND, 2026)[dt.date(2026, 12, 28)].startswith("Boxing Day")


# Clock changes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due", "hours"),
    [
        # Clocks go forward on Sunday 29 March 2026 and 28 March 2027: a Friday 10:00 GMT
        # plus one working day is Monday 10:00 BST, 71 real hours later.
        (at(2026, 3, 27, 10, 0), at(2026, 3, 30, 10, 0), 71),
        # In 2027 that weekend is Easter: Thursday 25th plus one working day skips Good
        # Friday and Easter Monday.
        (at(2027, 3, 25, 10, 0), at(2027, 3, 30, 10, 0), 119),
        # Clocks go back on Sunday 25 October 2026 and 31 October 2027: 73 real hours.
        (at(2026, 10, 23, 10, 0), at(2026, 10, 26, 10, 0), 73),
        (at(2027, 10, 29, 10, 0), at(2027, 11, 1, 10, 0), 73),
    ],
)
def test_a_working_day_across_a_clock_change_keeps_the_time_of_day(start, due, hours):
    got = Calendar(Nation.ENGLAND).add_working_days(start, 1)
    assert local(got) == due
    assert got.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=hours)


# The nation of an agency, closure days -----------------------------------------------------


def test_the_nation_is_read_from_the_ons_codes():
    assert nation_of(["E10000020"]) == Nation.ENGLAND
    assert nation_of(["S12000036"]) == Nation.SCOTLAND
    assert nation_of(["W06000015", "W06000022"]) == Nation.WALES
    assert nation_of(["N09000003"]) == Nation.NORTHERN_IRELAND
    assert nation_of([]) == Nation.ENGLAND


@pytest.mark.django_db
def test_an_agency_in_scotland_works_to_scotlands_calendar():
    area = Area.objects.create(ons_code="S12000036", name="City of Edinburgh (synthetic)")
    agency = Agency.objects.create(name="Edinburgh MASH (synthetic)", kind=Agency.Kind.SOCIAL_CARE)
    agency.areas.add(area)
    assert calendar_for(agency).nation == Nation.SCOTLAND
    due = decision_due("green", at(2025, 12, 31, 9, 0), agency)
    # Three working days: 1 and 2 January are holidays in Scotland: 5, 6, 7 January.
    assert local(due) == at(2026, 1, 7, 9, 0)


@pytest.mark.django_db
def test_a_closure_day_moves_the_deadline_of_the_agency_that_must_act(agencies):
    police = agencies["norfolk_police"]
    ClosureDay.objects.create(agency=police, day=dt.date(2026, 12, 29), reason="Office closed")
    asked = at(2026, 12, 24, 15, 0)
    # The police, closed on the 29th, answer on the 30th; the trust, open, on the 29th.
    assert local(check_due("green", asked, police)) == at(2026, 12, 31, 15, 0)
    trust = agencies["norfolk_hospital"]
    assert local(check_due("green", asked, trust)) == at(2026, 12, 30, 15, 0)
    note = calendar_for(police).moved_by(asked, check_due("green", asked, police))
    assert note == "25 and 28 December are bank holidays; 29 December is a closure day"


def test_the_note_says_which_days_moved_the_deadline():
    calendar = Calendar(Nation.ENGLAND)
    start = at(2026, 12, 24, 15, 0)
    due = calendar.add_working_days(start, 1)
    assert calendar.moved_by(start, due) == "25 and 28 December are bank holidays"
    friday = at(2026, 11, 27, 9, 0)
    assert calendar.moved_by(friday, calendar.add_working_days(friday, 1)) == ""
    new_year = at(2026, 12, 31, 9, 0)
    assert calendar.moved_by(new_year, calendar.add_working_days(new_year, 1)) == (
        "1 January is a bank holiday"
    )
    scotland = Calendar(Nation.SCOTLAND)
    eve = at(2025, 12, 31, 9, 0)
    assert scotland.moved_by(eve, scotland.add_working_days(eve, 1)) == (
        "1 and 2 January are bank holidays"
    )


def deadlines_of_all() -> list:
    return list(Notification.objects.filter(kind=Notification.Kind.PLACEMENT))


# Services: a placement notified on Christmas Eve -------------------------------------------


@pytest.mark.django_db
def test_a_placement_notified_on_christmas_eve_is_not_escalated_on_christmas_day(
    open_case_for, people, partnership
):
    from missing.services import record_placement

    case = open_case_for("social.worker")
    recorded = at(2026, 12, 24, 16, 0)
    # The service is told the time (nothing else's clock is frozen).
    record_placement(
        people["social.worker"], case, area=partnership.areas["suffolk"],
        address="1 Test Street", postcode="IP1 1AA", provider_type="childrens_home",
        started_at=recorded, now=recorded,
    )  # fmt: skip
    deadlines = {
        local(n.acknowledge_by)
        for n in Notification.objects.filter(kind=Notification.Kind.PLACEMENT)
    }
    assert deadlines == {at(2026, 12, 29, 16, 0)}
    # The sweep, told the time rather than frozen: nothing on Christmas Day or the 28th,
    # every one once the 29th's deadline has passed (the ISO text Celery's JSON carries).
    from notifications.tasks import escalate

    assert escalate(now=at(2026, 12, 25, 16, 1).isoformat()) == 0
    assert escalate(now=at(2026, 12, 28, 16, 1)) == 0
    assert escalate(now=at(2026, 12, 29, 16, 0)) == 0  # due by 4pm: not late at 4pm
    assert escalate(now=at(2026, 12, 29, 16, 1).isoformat()) == len(deadlines_of_all())


@pytest.mark.django_db
def test_a_green_contact_received_before_christmas_is_not_due_on_a_bank_holiday(
    make_contact, people
):
    from triage.services import rate_contact

    contact = make_contact(received_at=at(2026, 12, 23, 10, 0), now=at(2026, 12, 23, 10, 5))
    rate_contact(people["mash.manager"], contact, "green", "Low risk; the family is engaged.",
                 now=at(2026, 12, 23, 12, 0))  # fmt: skip
    contact.refresh_from_db()
    # Three working days after Wednesday 23rd: 24th, 29th, 30th.
    assert local(contact.due_at) == at(2026, 12, 30, 10, 0)
    assert local(contact.ratings.get().rated_at) == at(2026, 12, 23, 12, 0)


@pytest.mark.django_db
def test_a_green_partner_check_asked_on_new_years_eve_is_due_after_the_holiday(
    make_contact, people, agencies
):
    from triage.services import rate_contact, request_checks

    asked = at(2026, 12, 31, 11, 0)
    contact = make_contact(received_at=at(2026, 12, 31, 9, 0), now=asked)
    rate_contact(people["mash.manager"], contact, "green", "Low risk.", now=asked)
    (check,) = request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]],
                              "Known to you?", now=asked)  # fmt: skip
    assert check.requested_at == asked
    notice = Notification.objects.get(kind=Notification.Kind.PARTNER_CHECK, subject_id=check.pk)
    assert notice.acknowledge_by == check.due_at and notice.created_at == asked
    # England: 1 January 2027 is a bank holiday, so the working days are the 4th, 5th...
    assert local(check.due_at).date() > dt.date(2027, 1, 1)
    moved = calendar_for(agencies["norfolk_police"]).moved_by(check.requested_at, check.due_at)
    assert "1 January" in moved


# Agency admins add their agency's closure days ---------------------------------------------


@pytest.mark.django_db
def test_an_agency_admin_adds_a_closure_day_for_their_own_agency_only(sign_in, agencies):
    client = sign_in("admin.ncc")
    url = reverse("admin:people_closureday_add")
    data = {"day": "2026-12-29", "reason": "Office closed", "agency": agencies["norfolk_police"].pk}
    assert client.post(url, data).status_code == 302
    closure = ClosureDay.objects.get()
    assert closure.agency == agencies["norfolk_childrens"]
    # The same day again is refused with a message, not a server error.
    again = client.post(url, data)
    assert again.status_code == 200
    assert "29 December 2026 is already a closure day." in again.content.decode()
    assert ClosureDay.objects.count() == 1


@pytest.mark.django_db
def test_an_agency_admin_cannot_see_another_agencys_closure_days(sign_in, agencies):
    other = ClosureDay.objects.create(
        agency=agencies["norfolk_police"], day=dt.date(2026, 12, 29), reason="Police only"
    )
    client = sign_in("admin.ncc")
    listing = client.get(reverse("admin:people_closureday_changelist")).content.decode()
    assert "Police only" not in listing
    change = client.get(reverse("admin:people_closureday_change", args=[other.pk]))
    assert change.status_code == 302


@pytest.mark.django_db
def test_a_practitioner_cannot_add_closure_days(sign_in):
    response = sign_in("social.worker").get(reverse("admin:people_closureday_add"))
    assert response.status_code in (302, 403)
    assert ClosureDay.objects.count() == 0


# Where a deadline is shown, it says what moved it ------------------------------------------


@pytest.mark.django_db
def test_the_contact_page_and_the_inbox_say_which_holidays_moved_the_deadline(
    make_contact, people, sign_in, open_case_for, place
):
    from triage.services import rate_contact

    with time_machine.travel(at(2026, 12, 23, 12, 0), tick=False):
        contact = make_contact(received_at=at(2026, 12, 23, 10, 0), now=at(2026, 12, 23, 10, 5))
        rate_contact(people["mash.manager"], contact, "green", "Low risk; the family is engaged.")
        page = sign_in("mash.manager").get(reverse("contact", args=[contact.pk]))
    assert "30 December 2026 at 10am: 25 and 28 December are bank holidays" in (
        page.content.decode()
    )
    case = open_case_for("social.worker")
    with time_machine.travel(at(2026, 12, 24, 16, 0), tick=False):
        place(case, "suffolk", at=at(2026, 12, 24, 16, 0))
        inbox = sign_in("suffolk.officer").get(reverse("inbox")).content.decode()
    assert "29 December 2026 at 4pm" in inbox
    assert "25 and 28 December are bank holidays" in inbox

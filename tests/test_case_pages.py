"""The case pages for people who may use them: what they show, what they change, what they
record in the audit log, and that what another agency restricted never shows."""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from cases.models import Case, Child, Entry
from cases.services import add_entry, amend_entry, record_screening
from people.models import Agency
from sharing.models import EmergencyAccess, Share
from sharing.services import grant_emergency_access
from tests.conftest import events

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"  # a valid check digit (the NHS's own example)
OTHER_NHS_NUMBER = "4010232137"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(response) -> str:
    """The page's text with tags removed and spaces collapsed, for reading like a person."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html(response))))


def child_form(**changes) -> dict:
    data = {
        "first_name": "Amélie",
        "last_name": "Brown",
        "aliases": "Mimi\nLil A",
        "date_of_birth_day": "27",
        "date_of_birth_month": "3",
        "date_of_birth_year": "2011",
        "gender": "female",
        "nhs_number": "",
        "police_reference": "NC-123",
        "local_authority_reference": "LA-456",
        "address": "1 Example Road, Norwich",
        "postcode": "NR1 3QU",
        "looked_after": "no",
        "responsible_authority": "",
        "concern": "Seen getting into cars with older men near the bus station.",
    }
    return data | changes


def entry_form(**changes) -> dict:
    when = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "category": "concern",
        "occurred_on_day": str(when.day),
        "occurred_on_month": str(when.month),
        "occurred_on_year": str(when.year),
        "occurred_time": f"{when:%H:%M}",
        "text": "Missed school and came back with a new phone.",
    }
    return data | changes


def counts(*actions) -> dict:
    return {a: Event.objects.filter(action=a).count() for a in actions}


READS = [Action.SEARCH, Action.CASE_LISTED, Action.CASE_VIEWED, Action.CHRONOLOGY_EXPORTED,
         Action.DUPLICATE_WARNED]  # fmt: skip


# Find a child ---------------------------------------------------------------------------


def test_an_empty_search_shows_only_the_form_and_records_nothing(sign_in, people):
    page = text_of(sign_in("police.officer").get(reverse("children")))
    assert "Find a child" in page
    assert "found" not in page
    assert "Record a new child" in page
    assert events(Action.SEARCH) == []


def test_search_by_part_of_a_name_or_alias_finds_only_children_the_agency_may_see(
    sign_in, open_case_for, share, people
):
    amelie = open_case_for("social.worker", first_name="Amélie", last_name="Brown",
                           aliases=["Mimi"], date_of_birth=dt.date(2011, 3, 27))  # fmt: skip
    share(amelie, "norfolk_police")
    open_case_for("suffolk.officer", first_name="Amelia", last_name="Stone")
    client = sign_in("police.officer")

    page = text_of(client.get(reverse("children"), {"name": "AMELI"}))
    assert "1 child found" in page
    assert "Amélie Brown" in page and "Mimi" in page and "27 March 2011" in page
    assert amelie.reference in page
    assert "Amelia" not in page
    assert amelie.reference in text_of(client.get(reverse("children"), {"name": "mim"}))

    search = events(Action.SEARCH)
    assert [e.detail for e in search] == [
        {"name": "AMELI", "date_of_birth": "", "nhs_number": "", "results": 1, "page": 1,
         "children": [amelie.child_id]},
        {"name": "mim", "date_of_birth": "", "nhs_number": "", "results": 1, "page": 1,
         "children": [amelie.child_id]},
    ]  # fmt: skip
    assert search[0].actor_username == "police.officer"


def test_search_by_date_of_birth_or_nhs_number(sign_in, open_case_for, people):
    case = open_case_for("social.worker", first_name="Kai", date_of_birth=dt.date(2010, 1, 2),
                         nhs_number=NHS_NUMBER)  # fmt: skip
    open_case_for("social.worker", first_name="Lee", date_of_birth=dt.date(2010, 1, 3))
    client = sign_in("mash.manager")
    by_birth = text_of(
        client.get(
            reverse("children"),
            {"date_of_birth_day": "2", "date_of_birth_month": "1", "date_of_birth_year": "2010"},
        )
    )
    assert "1 child found" in by_birth and case.reference in by_birth
    by_nhs = text_of(client.get(reverse("children"), {"nhs_number": "943 476 5919"}))
    assert "1 child found" in by_nhs and "943 476 5919" in by_nhs
    assert events(Action.SEARCH)[0].detail["date_of_birth"] == "2010-01-02"
    assert events(Action.SEARCH)[1].detail["nhs_number"] == NHS_NUMBER


def test_a_search_with_mistakes_says_so_and_keeps_what_was_typed(sign_in, people):
    client = sign_in("police.officer")
    response = client.get(
        reverse("children"),
        {
            "name": "Jo",
            "nhs_number": "1234567890",
            "date_of_birth_day": "31",
            "date_of_birth_month": "2",
            "date_of_birth_year": "2011",
        },
    )
    page = html(response)
    assert "There is a problem" in page
    assert "Date of birth must be a real date" in page
    assert "Enter a valid NHS number" in page
    assert 'value="Jo"' in page and 'value="1234567890"' in page and 'value="31"' in page
    assert "<title>Error: " in page
    blank = html(client.get(reverse("children"), {"name": "", "nhs_number": ""}))
    assert "Enter a name, date of birth or NHS number to search for" in blank
    assert events(Action.SEARCH) == []


def test_search_results_are_paged_and_the_pages_keep_the_search(sign_in, open_case_for, people):
    for number in range(27):
        open_case_for("social.worker", first_name=f"Sam{number:02d}", last_name="Smith")
    client = sign_in("social.worker")
    first = html(client.get(reverse("children"), {"name": "smith"}))
    assert "27 children found" in first
    assert "?name=smith&amp;page=2" in first
    second = text_of(client.get(reverse("children"), {"name": "smith", "page": 2}))
    assert "Sam26 Smith" in second and "Sam00" not in second


# Record a child and open a case ------------------------------------------------------------


def test_recording_a_child_opens_a_case_led_by_the_agency(sign_in, people, agencies):
    client = sign_in("social.worker")
    assert "Record a child and open a case" in html(client.get(reverse("child-new")))
    response = client.post(reverse("child-new"), child_form(
        nhs_number="943 476 5919", looked_after="yes",
        responsible_authority=agencies["suffolk_childrens"].pk))  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case", args=[case.pk])
    child = case.child
    assert (child.first_name, child.last_name, child.date_of_birth) == (
        "Amélie",
        "Brown",
        dt.date(2011, 3, 27),
    )
    assert sorted(child.aliases.values_list("name", flat=True)) == ["Lil A", "Mimi"]
    assert (child.nhs_number, child.postcode, child.looked_after) == (NHS_NUMBER, "NR1 3QU", True)
    assert child.responsible_authority == agencies["suffolk_childrens"]
    assert case.lead_agency == agencies["norfolk_childrens"]
    assert case.entries.filter(category="concern", text__startswith="Seen getting").exists()
    assert Share.objects.filter(case=case, agency=agencies["suffolk_childrens"]).exists()
    page = text_of(client.get(response["Location"]))
    assert f"Case {case.reference} is open" in page
    assert "Mimi, Lil A" in page or "Lil A, Mimi" in page


def test_the_child_form_keeps_everything_typed_when_something_is_wrong(sign_in, people):
    client = sign_in("social.worker")
    data = child_form(date_of_birth_day="31", date_of_birth_month="2", postcode="NOT A CODE",
                      looked_after="yes", nhs_number="1234567890", concern="",
                      aliases="Mimi\n" + "x" * 101)  # fmt: skip
    page = html(client.post(reverse("child-new"), data))
    for message in [
        "Date of birth must be a real date",
        "Enter a real postcode, like NR1 3QU",
        "Select the responsible authority",
        "Enter a valid NHS number",
        "Enter what the concern is",
        "Each alias must be 100 characters or fewer",
    ]:
        assert message in page, message
    assert 'href="#id_date_of_birth_day"' in page
    assert 'href="#id_responsible_authority"' in page
    for typed in ['value="Amélie"', 'value="Brown"', 'value="31"', 'value="2011"',
                  'value="NOT A CODE"', 'value="NC-123"', "1 Example Road, Norwich</textarea>",
                  'value="1234567890"']:  # fmt: skip
        assert typed in page, typed
    assert re.search(r'value="female"\s+checked', page)
    assert re.search(r'value="yes"\s+checked', page)
    assert Child.objects.count() == 0


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "3", "2011", "Date of birth must include a day"),
        ("1", "", "", "Date of birth must include a month and year"),
        ("1", "1", "11", "Date of birth must be a real date"),
        ("1", "1", "2999", "Date of birth must be today or in the past"),
    ],
)
def test_a_date_of_birth_must_be_a_real_past_date(sign_in, people, day, month, year, message):
    page = html(
        sign_in("social.worker").post(
            reverse("child-new"),
            child_form(date_of_birth_day=day, date_of_birth_month=month, date_of_birth_year=year),
        )
    )
    assert message in page
    assert Child.objects.count() == 0


def test_a_visible_possible_duplicate_warns_and_links_to_its_case(sign_in, open_case_for, people):
    existing = open_case_for("social.worker", first_name="Amélie", last_name="Brown",
                             date_of_birth=dt.date(2011, 3, 27))  # fmt: skip
    client = sign_in("mash.manager")
    page = text_of(client.post(reverse("child-new"), child_form(first_name="amelie")))
    assert "This child may already be recorded" in page
    assert "Amélie Brown, born 27 March 2011, has the same name and date of birth" in page
    assert f"Open their case instead: {existing.reference}" in page
    assert reverse("case", args=[existing.pk]) in html(
        client.post(reverse("child-new"), child_form())
    )
    assert Child.objects.count() == 1
    warned = events(Action.DUPLICATE_WARNED)
    assert len(warned) == 2
    assert warned[0].detail == {"visible": [existing.child_id], "not_visible": 0,
                                "refused": False,
                                "reasons": ["the same name and date of birth"]}  # fmt: skip

    # Having checked, the person says this is a different child and goes on.
    checked = re.search(
        r'name="checked_details" value="([^"]+)"',
        html(client.post(reverse("child-new"), child_form())),
    ).group(1)
    response = client.post(
        reverse("child-new"), child_form(confirm_different="on", checked_details=checked)
    )
    assert response.status_code == 302
    assert Child.objects.count() == 2


def test_a_duplicate_the_person_may_not_see_is_warned_of_without_a_single_detail(
    sign_in, open_case_for, people
):
    hidden = open_case_for("suffolk.officer", first_name="Amélie", last_name="Brown",
                           date_of_birth=dt.date(2011, 3, 27), aliases=["Secret Alias"],
                           address="9 Hidden Lane, Ipswich", postcode="IP1 1AA",
                           police_reference="SUF-999")  # fmt: skip
    page = html(sign_in("social.worker").post(reverse("child-new"), child_form()))
    assert "may already be recorded by another agency" in page
    assert "Contact your MASH" in page
    for secret in [hidden.reference, "Suffolk Constabulary", "Secret Alias", "Hidden Lane",
                   "IP1 1AA", "SUF-999", f"/cases/{hidden.pk}/", "Robin"]:  # fmt: skip
        assert secret not in page, secret
    assert "Open their case instead" not in page
    assert events(Action.DUPLICATE_WARNED)[0].detail == {
        "visible": [], "not_visible": 1, "refused": False,
        "reasons": ["the same name and date of birth"]}  # fmt: skip
    assert Child.objects.count() == 1


def test_a_confirmation_counts_only_for_the_details_it_was_given_for(
    sign_in, open_case_for, people
):
    open_case_for("social.worker", first_name="Amélie", last_name="Brown",
                  date_of_birth=dt.date(2011, 3, 27))  # fmt: skip
    open_case_for("social.worker", first_name="Zoe", last_name="Brown",
                  date_of_birth=dt.date(2011, 3, 27))  # fmt: skip
    client = sign_in("social.worker")
    checked_for_amelie = signing.dumps("amelie brown|2011-03-27|", salt="cases.duplicate-check")
    forged = "amelie brown|2011-03-27|"
    for checked in [checked_for_amelie, forged]:
        page = text_of(
            client.post(
                reverse("child-new"),
                child_form(first_name="Zoe", confirm_different="on", checked_details=checked),
            )
        )
        assert "This child may already be recorded" in page
    assert Child.objects.count() == 2


def test_an_nhs_number_already_recorded_is_refused_even_when_confirmed(
    sign_in, open_case_for, people
):
    open_case_for("suffolk.officer", first_name="Other", last_name="Name", nhs_number=NHS_NUMBER)
    client = sign_in("social.worker")
    page = html(client.post(reverse("child-new"), child_form(nhs_number="943-476-5919")))
    assert "A child with this NHS number is already recorded" in page
    assert 'href="#id_nhs_number"' in page
    assert "Other" not in text_of(
        client.post(reverse("child-new"), child_form(nhs_number=NHS_NUMBER))
    )
    assert 'name="confirm_different"' not in page
    checked = signing.dumps(f"amelie brown|2011-03-27|{NHS_NUMBER}", salt="cases.duplicate-check")
    page = html(
        client.post(
            reverse("child-new"),
            child_form(nhs_number=NHS_NUMBER, confirm_different="on", checked_details=checked),
        )
    )
    assert "A child with this NHS number is already recorded" in page
    assert Child.objects.count() == 1
    assert all(e.detail["refused"] for e in events(Action.DUPLICATE_WARNED))


# Cases ----------------------------------------------------------------------------------


def test_the_case_list_shows_the_agencys_cases_and_its_emergency_access(
    sign_in, open_case_for, share, people
):
    shared = open_case_for("social.worker", first_name="Shared")
    share(shared, "norfolk_police")
    open_case_for("social.worker", first_name="Unshared")
    suffolk = open_case_for("suffolk.officer", first_name="Broken", last_name="Glass")
    grant_emergency_access(suffolk, people["police.officer"], "Missing tonight, at risk")
    page = text_of(sign_in("police.officer").get(reverse("cases")))
    assert "1 case shared with your agency" in page
    assert shared.reference in page and "Shared Child" in page
    assert "Norfolk County Council Children's Services" in page
    assert "Not screened" in page
    assert "Unshared" not in page
    assert "Your emergency access" in page and suffolk.reference in page
    listed = events(Action.CASE_LISTED)
    assert [e.detail for e in listed] == [
        {"list": "cases", "page": 1, "cases": [shared.pk], "emergency": [suffolk.pk]}
    ]
    assert "Your emergency access" not in text_of(sign_in("health.nurse").get(reverse("cases")))


def test_the_case_page_shows_the_child_the_case_and_the_chronology(
    sign_in, open_case_for, share, people, agencies
):
    case = open_case_for("social.worker", first_name="Amélie", last_name="Brown",
                         aliases=["Mimi"], concern="Seen with older men",
                         nhs_number=NHS_NUMBER, looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    record_screening(people["social.worker"], case, indicators=["older_partner",
                     "money_or_gifts", "missing"], notes="")  # fmt: skip
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Car seen outside the home",
        restricted=False,
    )
    page = text_of(sign_in("mash.manager").get(reverse("case", args=[case.pk])))
    assert f"Case {case.reference}" in page and "Amélie Brown" in page
    assert "High" in page and "Latest screening" in page and "Jo Fletcher" in page
    assert "Mimi" in page and "943 476 5919" in page
    assert "Yes, by Norfolk County Council Children's Services" in page
    for link in ["Add an entry", "Record a CSE screening", "Share this case", "Close this case",
                 "Print the chronology", "Download the chronology (CSV)"]:  # fmt: skip
        assert link in page, link
    assert "Who has access" in page and "Norfolk Constabulary" in page
    # Newest first, each agency named on its entries.
    assert page.index("Car seen outside the home") < page.index("Seen with older men")
    assert "CSE screening" in page
    viewed = events(Action.CASE_VIEWED)
    assert len(viewed) == 1
    assert viewed[0].target_id == str(case.pk)
    lead_share = case.shares.get(agency=case.lead_agency)
    assert viewed[0].detail == {
        "view": "case",
        "page": 1,
        "filters": {"agency": None, "category": "", "from": None, "to": None},
        # Under which share it was read, for the access report.
        "via": "share",
        "share": lead_share.pk,
        "level": "manage",
    }


def test_each_agencys_entries_are_distinguishable_and_links_follow_permission(
    sign_in, open_case_for, share, people
):
    case = open_case_for("social.worker", concern="Seen with older men")
    share(case, "norfolk_police", "view")
    add_entry(
        people["social.worker"],
        case,
        category="note",
        occurred_at=timezone.now(),
        text="Home visit",
        restricted=False,
    )
    page = html(sign_in("police.officer").get(reverse("case", args=[case.pk])))
    assert "app-entry--social_care" in page
    assert 'govuk-tag app-agency-tag govuk-tag--purple">Norfolk County Council' in page
    for absent in ["Add an entry", "Record a CSE screening", "Share this case", "Close this case",
                   "Who has access", ">Amend<"]:  # fmt: skip
        assert absent not in page, absent
    assert "Print the chronology" in page


def test_restricted_entries_of_another_agency_never_appear(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker", concern="Seen with older men")
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Registration AB12 CDE",
        restricted=True,
    )
    police = text_of(sign_in("police.mash").get(reverse("case", args=[case.pk])))
    assert "Registration AB12 CDE" in police
    assert "Restricted to Norfolk Constabulary" in police

    client = sign_in("social.worker")
    police_id = Agency.objects.get(name="Norfolk Constabulary").pk
    for url, query in [
        (reverse("case", args=[case.pk]), {}),
        (reverse("case", args=[case.pk]), {"agency": police_id}),
        (reverse("case", args=[case.pk]), {"category": "intelligence"}),
        (reverse("case-print", args=[case.pk]), {}),
        (reverse("case-export", args=[case.pk]), {}),
    ]:
        response = client.get(url, query)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        assert b"AB12 CDE" not in body, url
        assert b"Restricted to" not in body, url


def test_amendments_show_both_versions_and_only_the_newest_own_entry_can_be_amended(
    sign_in, open_case_for, share, people
):
    case = open_case_for("social.worker", concern="Met at 9pm")
    share(case, "norfolk_police", "contribute")
    original = case.entries.get(category="concern")
    amended = amend_entry(people["social.worker"], original, text="Met at 10pm",
                          occurred_at=original.occurred_at, category="concern",
                          reason="Time was wrong")  # fmt: skip
    police_entry = add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Seen in town",
        restricted=False,
    )
    page = html(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Met at 9pm" in words and "Met at 10pm" in words
    assert "Superseded by a later entry" in words
    assert "Amended on" in words and "by Jo Fletcher : Time was wrong" in words
    assert reverse("entry-amend", args=[case.pk, amended.pk]) in page
    assert reverse("entry-amend", args=[case.pk, original.pk]) not in page
    assert reverse("entry-amend", args=[case.pk, police_entry.pk]) not in page
    opened = case.entries.get(category="case_opened")
    assert reverse("entry-amend", args=[case.pk, opened.pk]) not in page


def test_the_chronology_filters_by_agency_category_and_date(
    sign_in, open_case_for, share, people, agencies
):
    case = open_case_for("social.worker", concern="Concern today")
    share(case, "norfolk_police", "contribute")
    long_ago = timezone.now() - dt.timedelta(days=400)
    add_entry(
        people["police.officer"],
        case,
        category="missing",
        occurred_at=long_ago,
        text="Reported missing last year",
        restricted=False,
    )
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Intelligence today",
        restricted=False,
    )
    client = sign_in("social.worker")
    url = reverse("case", args=[case.pk])

    police = text_of(client.get(url, {"agency": agencies["norfolk_police"].pk}))
    assert "Intelligence today" in police and "Reported missing" in police
    assert "Concern today" not in police
    assert "2 entries match the filters" in police

    missing = text_of(client.get(url, {"category": "missing"}))
    assert "Reported missing" in missing and "Intelligence today" not in missing

    today = timezone.localdate()
    recent = text_of(client.get(url, {"occurred_from_day": today.day,
                                      "occurred_from_month": today.month,
                                      "occurred_from_year": today.year}))  # fmt: skip
    assert "Reported missing" not in recent and "Intelligence today" in recent

    wrong = html(
        client.get(
            url,
            {
                "agency": "999999",
                "occurred_to_day": "40",
                "occurred_to_month": "1",
                "occurred_to_year": "2020",
            },
        )
    )
    assert "Select an agency from the list" in wrong and "To must be a real date" in wrong
    assert "Reported missing" in wrong  # an invalid filter is left out, not applied
    filters = [e.detail["filters"] for e in events(Action.CASE_VIEWED)]
    assert filters[0]["agency"] == agencies["norfolk_police"].pk
    assert filters[1]["category"] == "missing"
    assert filters[2]["from"] == today.isoformat()


def test_the_chronology_is_paged_and_pages_keep_the_filters(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    start = timezone.now() - dt.timedelta(days=40)
    for day in range(30):
        add_entry(people["social.worker"], case, category="note",
                  occurred_at=start + dt.timedelta(days=day), text=f"Note {day:02d}",
                  restricted=False)  # fmt: skip
    client = sign_in("social.worker")
    url = reverse("case", args=[case.pk])
    first = html(client.get(url, {"category": "note"}))
    assert "?category=note&amp;page=2" in first
    assert "Note 29" in first and "Note 04" not in first
    second = text_of(client.get(url, {"category": "note", "page": 2}))
    assert "Note 04" in second and "Note 00" in second and "Note 29" not in second


# Adding to a case ------------------------------------------------------------------------


def test_adding_a_restricted_entry(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    client = sign_in("police.officer")
    url = reverse("entry-new", args=[case.pk])
    page = text_of(client.get(url))
    assert "Add an entry to the chronology" in page and "Only my agency can see this" in page
    response = client.post(url, entry_form(category="intelligence", restricted="on",
                                           text="Known associate seen"))  # fmt: skip
    assert response.status_code == 302
    entry = case.entries.get(category="intelligence")
    assert (entry.text, entry.restricted, entry.agency.name) == (
        "Known associate seen",
        True,
        "Norfolk Constabulary",
    )
    assert events(Action.ENTRY_ADDED)[-1].detail["restricted"] is True
    assert "The entry is added" in text_of(client.get(response["Location"]))


def test_the_entry_form_refuses_the_future_and_keeps_what_was_typed(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client = sign_in("social.worker")
    url = reverse("entry-new", args=[case.pk])
    page = html(
        client.post(
            url,
            entry_form(
                occurred_on_day=str(tomorrow.day),
                occurred_on_month=str(tomorrow.month),
                occurred_on_year=str(tomorrow.year),
                text="Typed words",
                restricted="on",
            ),
        )
    )
    assert "Date it happened must be today or in the past" in page
    assert "Typed words</textarea>" in page
    assert re.search(r'name="restricted" type="checkbox" value="on"\s+checked', page)
    soon = timezone.localtime() + dt.timedelta(minutes=30)
    if soon.date() == timezone.localdate():
        # Today's date with it: the form's default date is an hour ago (yesterday, just
        # after midnight).
        today = {"occurred_on_day": str(soon.day), "occurred_on_month": str(soon.month),
                 "occurred_on_year": str(soon.year)}  # fmt: skip
        page = html(client.post(url, entry_form(occurred_time=f"{soon:%H:%M}", **today)))
        assert "The time it happened must be in the past" in page
    page = html(client.post(url, entry_form(category="", occurred_time="25:99", text="")))
    for message in ["Select a category", "using the 24-hour clock", "Enter what happened"]:
        assert message in page
    page = html(client.post(url, entry_form(text="x" * 5001)))
    assert "What happened must be 5,000 characters or fewer" in page
    assert 'data-module="govuk-character-count" data-maxlength="5000"' in page
    assert case.entries.filter(category="concern").count() == 0


def test_amending_an_entry_through_its_page(sign_in, open_case_for, people):
    case = open_case_for("social.worker", concern="Met at 9pm")
    original = case.entries.get(category="concern")
    client = sign_in("social.worker")
    url = reverse("entry-amend", args=[case.pk, original.pk])
    form = html(client.get(url))
    assert "Met at 9pm</textarea>" in form
    assert re.search(r'value="concern"\s+selected', form)
    page = html(client.post(url, entry_form(text="Met at 10pm", reason="")))
    assert "Enter why you are amending the entry" in page and "Met at 10pm</textarea>" in page
    response = client.post(url, entry_form(text="Met at 10pm", reason="Time was wrong"))
    assert response.status_code == 302
    amendment = Entry.objects.get(supersedes=original)
    assert (amendment.text, amendment.amendment_reason) == ("Met at 10pm", "Time was wrong")
    again = html(client.post(url, entry_form(text="Met at 11pm", reason="Again")))
    assert "This entry has already been amended. Amend the newest version." in again
    assert Entry.objects.filter(case=case, category="concern").count() == 2


def test_another_agencys_entry_cannot_be_amended(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker", concern="Met at 9pm")
    share(case, "norfolk_police", "contribute")
    original = case.entries.get(category="concern")
    page = html(
        sign_in("police.officer").post(
            reverse("entry-amend", args=[case.pk, original.pk]),
            entry_form(text="Rewritten", reason="Because"),
        )
    )
    assert "Only the agency that recorded an entry can amend it." in page
    assert not Entry.objects.filter(supersedes=original).exists()


def test_recording_a_screening_sets_the_risk_and_keeps_the_history(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    record_screening(people["social.worker"], case, indicators=["missing"], notes="First")
    client = sign_in("social.worker")
    url = reverse("screening-new", args=[case.pk])
    page = text_of(client.get(url))
    assert "Previous screenings" in page and "First" in page and "Going missing" in page
    bad = html(client.post(url, {"indicators": ["none", "missing"], "notes": "Kept"}))
    assert "not both" in bad and "Kept</textarea>" in bad
    assert re.search(r'value="missing"\s+checked', bad)
    assert "Select the indicators seen, or None of these" in html(client.post(url, {}))
    response = client.post(url, {"indicators": ["older_partner", "money_or_gifts", "online"]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "high"
    assert "high risk of CSE" in text_of(client.get(response["Location"]))
    assert client.post(url, {"indicators": ["none"]}).status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "low"


# Sharing ---------------------------------------------------------------------------------


def test_sharing_a_case(sign_in, open_case_for, people, agencies):
    case = open_case_for("social.worker")
    client = sign_in("mash.manager")
    url = reverse("case-share", args=[case.pk])
    form = html(client.get(url))
    assert "Norfolk Constabulary" in form
    assert f'value="{agencies["norfolk_childrens"].pk}"' not in form
    page = html(
        client.post(
            url,
            {
                "agency": agencies["norfolk_police"].pk,
                "level": "view",
                "lawful_basis": "",
                "purpose": "Strategy meeting",
            },
        )
    )
    assert "Select the lawful basis" in page and "Strategy meeting</textarea>" in page
    assert re.search(r'value="view"\s+checked', page)
    response = client.post(
        url,
        {
            "agency": agencies["norfolk_police"].pk,
            "level": "view",
            "lawful_basis": "ca1989_s47",
            "purpose": "Strategy meeting",
        },
    )
    assert response.status_code == 302
    share = Share.objects.get(case=case, agency=agencies["norfolk_police"])
    assert (share.level, share.lawful_basis, share.shared_by) == (
        "view",
        "ca1989_s47",
        people["mash.manager"],
    )
    refused = html(
        client.post(
            url,
            {
                "agency": agencies["norfolk_childrens"].pk,
                "level": "view",
                "lawful_basis": "ca1989_s47",
                "purpose": "x",
            },
        )
    )
    assert "Select the agency to share with" in refused


def test_revoking_a_share_takes_access_away_at_once(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker")
    police = share(case, "norfolk_police", "contribute")
    url = reverse("case", args=[case.pk])
    assert sign_in("police.officer").get(url).status_code == 200
    client = sign_in("social.worker")
    page = html(client.get(url))
    assert reverse("share-revoke", args=[police.pk]) in page
    lead = Share.objects.get(case=case, agency=case.lead_agency)
    assert reverse("share-revoke", args=[lead.pk]) not in page
    response = client.post(reverse("share-revoke", args=[police.pk]))
    assert response.status_code == 302 and response["Location"] == url
    assert "Norfolk Constabulary no longer has this access" in text_of(client.get(url))
    assert sign_in("police.officer").get(url).status_code == 404
    assert sign_in("police.officer").get(reverse("entry-new", args=[case.pk])).status_code == 404


def test_the_lead_agencys_own_share_cannot_be_revoked(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    lead = Share.objects.get(case=case, agency=case.lead_agency)
    client = sign_in("mash.manager")
    response = client.post(reverse("share-revoke", args=[lead.pk]))
    assert response.status_code == 302
    assert "cannot be revoked" in text_of(client.get(response["Location"]))
    lead.refresh_from_db()
    assert lead.revoked_at is None


def test_shares_received_unacknowledged_first_and_acknowledging(
    sign_in, open_case_for, share, people
):
    older = open_case_for("social.worker", first_name="Older")
    newer = open_case_for("social.worker", first_name="Newer")
    first = share(older, "norfolk_police")
    second = share(newer, "norfolk_police")
    client = sign_in("police.officer")
    page = text_of(client.get(reverse("shares")))
    assert page.index(newer.reference) < page.index(older.reference)
    assert "Children Act 1989 s.47" in page and "Strategy discussion" in page
    response = client.post(reverse("share-acknowledge", args=[second.pk]),
                           {"next": reverse("shares")})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("shares")
    page = text_of(client.get(reverse("shares")))
    assert f"You acknowledged {newer.reference}" in page
    table = page[page.index("2 shares") :]
    assert table.index(older.reference) < table.index(newer.reference)
    assert "by Dana Wells" in page
    second.refresh_from_db()
    assert second.acknowledged_by == people["police.officer"]
    assert newer.entries.filter(category="share_acknowledged").exists()
    assert [e.detail["list"] for e in events(Action.CASE_LISTED)] == ["shares_received"] * 2
    # A share to another agency is not this agency's to acknowledge.
    assert (
        sign_in("health.nurse").post(reverse("share-acknowledge", args=[first.pk])).status_code
        == 404
    )


def test_closing_a_case(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("case-close", args=[case.pk])
    assert "Enter why you are closing the case" in html(client.post(url, {"reason": ""}))
    assert client.post(url, {"reason": "No further concerns"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.entries.filter(category="case_closed", text__contains="No further").exists()
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "This case was closed on" in page and "Close this case" not in page
    assert client.get(url).status_code == 302


# Emergency access ------------------------------------------------------------------------


def test_emergency_access_needs_a_real_reference_and_a_reason(sign_in, open_case_for, people):
    client = sign_in("suffolk.officer")
    page = text_of(client.get(reverse("emergency-access")))
    assert "ends after 4 hours" in page and "shown to the agency that manages the case" in page
    page = html(
        client.post(
            reverse("emergency-access"), {"reference": "CSE-2026-999999", "reason": "Too short"}
        )
    )
    assert "Why you need to see this case must be 20 characters or more" in page
    page = html(
        client.post(
            reverse("emergency-access"),
            {"reference": "CSE-2026-999999", "reason": "Found alone at 2am at the station"},
        )
    )
    assert "No case has that reference" in page
    assert 'value="CSE-2026-999999"' in page and "alone at 2am" in page
    assert EmergencyAccess.objects.count() == 0


def test_emergency_access_opens_the_case_for_that_person_and_tells_the_manager(
    sign_in, open_case_for, people
):
    case = open_case_for("social.worker", concern="Seen with older men")
    client = sign_in("suffolk.officer")
    assert client.get(reverse("case", args=[case.pk])).status_code == 404
    response = client.post(
        reverse("emergency-access"),
        {"reference": case.reference.lower(), "reason": "Found alone at 2am at Ipswich station"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("case", args=[case.pk])
    page = text_of(client.get(response["Location"]))
    assert "You are using emergency access until" in page
    assert "Seen with older men" in page
    assert client.get(reverse("entry-new", args=[case.pk])).status_code == 404
    manager = text_of(sign_in("mash.manager").get(reverse("case", args=[case.pk])))
    assert "Emergency access, by person" in manager
    assert "Robin Marsh, Suffolk Constabulary" in manager and "Found alone at 2am" in manager
    # Someone whose agency can already see the case is simply taken to it.
    again = sign_in("social.worker").post(
        reverse("emergency-access"),
        {"reference": case.reference, "reason": "Checking the case for the meeting"},
    )
    assert again["Location"] == reverse("case", args=[case.pk])
    assert EmergencyAccess.objects.count() == 1


# Print and export ------------------------------------------------------------------------


def test_the_printable_chronology(sign_in, open_case_for, people):
    case = open_case_for("social.worker", first_name="Amélie", concern="Seen with older men")
    add_entry(
        people["social.worker"],
        case,
        category="missing",
        occurred_at=timezone.now(),
        text="Missing overnight",
        restricted=False,
    )
    client = sign_in("social.worker")
    page = text_of(client.get(reverse("case-print", args=[case.pk]), {"category": "missing"}))
    assert "Chronology of case" in page and "Amélie" in page
    assert "OFFICIAL-SENSITIVE" in page
    assert "Missing overnight" in page and "Seen with older men" not in page
    assert "Category: Missing" in page
    everything = text_of(client.get(reverse("case-print", args=[case.pk])))
    assert "Seen with older men" in everything and "Case opened" in everything
    assert [e.detail["format"] for e in events(Action.CHRONOLOGY_EXPORTED)] == ["print"] * 2
    assert [e.detail["view"] for e in events(Action.CASE_VIEWED)] == ["print"] * 2
    assert events(Action.CHRONOLOGY_EXPORTED)[1].detail["entries"] == 3


def test_the_csv_export_is_the_visible_chronology_with_formulas_defused(
    sign_in, open_case_for, share, people
):
    case = open_case_for("social.worker", concern='=HYPERLINK("http://evil.example")')
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="@SUM(A1)",
        restricted=False,
    )
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Police only",
        restricted=True,
    )
    response = sign_in("social.worker").get(reverse("case-export", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-chronology.csv"'
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Entry", "When it happened", "Recorded at"]
    texts = [row[7] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in texts
    assert "'@SUM(A1)" in texts
    assert "Police only" not in body
    # Opened, the concern, the share, the unrestricted intelligence; not the restricted one.
    assert sorted(row[5] for row in rows[1:]) == [
        "Case opened",
        "Concern",
        "Intelligence",
        "Shared",
    ]
    lead_share = case.shares.get(agency=case.lead_agency)
    assert [e.detail for e in events(Action.CHRONOLOGY_EXPORTED)] == [
        {
            "format": "csv",
            "filters": {"agency": None, "category": "", "from": None, "to": None},
            "via": "share",
            "share": lead_share.pk,
            "level": "manage",
        }
    ]
    assert events(Action.CASE_VIEWED) == []


# Exactly one audit event per read --------------------------------------------------------


def test_each_read_page_writes_exactly_its_audit_events(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker", first_name="Amy")
    entry = case.entries.get(category="case_opened")
    client = sign_in("social.worker")
    expected = [
        (reverse("children"), {}, {}),
        (reverse("children"), {"name": "amy"}, {Action.SEARCH: 1}),
        (reverse("cases"), {}, {Action.CASE_LISTED: 1}),
        (reverse("shares"), {}, {Action.CASE_LISTED: 1}),
        (reverse("case", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("case-print", args=[case.pk]), {},
         {Action.CASE_VIEWED: 1, Action.CHRONOLOGY_EXPORTED: 1}),
        (reverse("case-export", args=[case.pk]), {}, {Action.CHRONOLOGY_EXPORTED: 1}),
        (reverse("entry-new", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("entry-amend", args=[case.pk, entry.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("screening-new", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("case-share", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("case-close", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("child-new"), {}, {}),
        (reverse("emergency-access"), {}, {}),
    ]  # fmt: skip
    for url, query, wrote in expected:
        before = counts(*READS)
        response = client.get(url, query)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
        after = counts(*READS)
        assert {a: after[a] - before[a] for a in READS if after[a] != before[a]} == wrote, url
    viewed = events(Action.CASE_VIEWED)
    assert {e.target_id for e in viewed} == {str(case.pk)}
    assert all(e.actor_username == "social.worker" and e.request_id for e in viewed)


def test_a_refused_case_page_records_no_view(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    assert sign_in("suffolk.officer").get(reverse("case", args=[case.pk])).status_code == 404
    assert events(Action.CASE_VIEWED) == []


# A constant number of queries per page -----------------------------------------------------

# Measured on the small data sets below (a session read and write, the person, their
# authenticator, the header's inbox count, the page's own reads, the audit insert); the
# big ones must not exceed it. The case page, for a manager, also reads the share it is
# read under, its missing episodes (and placement), and the recent-activity panel.
CASE_LIST_QUERIES = 12
SHARES_RECEIVED_QUERIES = 10
SEARCH_QUERIES = 12
# The current placement is read by its own indexed query (the child no longer points at it:
# placements belong to the `missing` app, above `cases`).
CASE_PAGE_QUERIES = 23


def test_lists_take_the_same_number_of_queries_for_3_cases_or_300(
    sign_in, open_case_for, share, people, django_assert_max_num_queries
):
    def open_and_share(count: int, start: int) -> None:
        for number in range(start, start + count):
            share(open_case_for("social.worker", first_name=f"Child{number}", aliases=["Al"]),
                  "norfolk_police")  # fmt: skip

    open_and_share(3, 0)
    suffolk = open_case_for("suffolk.officer")
    grant_emergency_access(suffolk, people["police.officer"], "Missing tonight, at risk")
    client = sign_in("police.officer")
    pages = [
        (reverse("cases"), {}, CASE_LIST_QUERIES),
        (reverse("shares"), {}, SHARES_RECEIVED_QUERIES),
        (reverse("children"), {"name": "child"}, SEARCH_QUERIES),
    ]
    for url, query, most in pages:
        with django_assert_max_num_queries(most):
            assert client.get(url, query).status_code == 200
    open_and_share(297, 3)
    for url, query, most in pages:
        for page in (1, 7):
            with django_assert_max_num_queries(most):
                response = client.get(url, query | {"page": page})
            assert response.status_code == 200
            assert len(response.context["page_obj"].object_list) == 25


def test_the_case_page_takes_the_same_number_of_queries_for_3_entries_or_300(
    sign_in, open_case_for, share, people, agencies, django_assert_max_num_queries
):
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    case = open_case_for("social.worker", concern="First concern", aliases=["Al"],
                         looked_after=True,
                         responsible_authority=agencies["suffolk_childrens"])  # fmt: skip
    share(case, "norfolk_police", "contribute")
    record_screening(people["social.worker"], case, indicators=["missing"], notes="")
    client = sign_in("mash.manager")
    url = reverse("case", args=[case.pk])
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        assert client.get(url).status_code == 200

    for number in range(20):
        agency = Agency.objects.create(name=f"Partner {number}", kind="other",
                                       duty_email="duty@partner.example")  # fmt: skip
        share_case(case, people["social.worker"], agency, "view",
                   LawfulBasis.CA2004_S11, "Partner check")  # fmt: skip
    for number in range(140):
        own = add_entry(people["social.worker"], case, category="note",
                        occurred_at=timezone.now(), text=f"Note {number}",
                        restricted=number % 3 == 0)  # fmt: skip
        add_entry(people["police.officer"], case, category="intelligence",
                  occurred_at=timezone.now(), text=f"Intelligence {number}",
                  restricted=number % 2 == 0)  # fmt: skip
        if number % 10 == 0:
            amend_entry(people["social.worker"], own, text="Corrected",
                        occurred_at=own.occurred_at, category="note", reason="Typo")  # fmt: skip
    grant_emergency_access(case, people["suffolk.officer"], "Found at 2am, at risk")
    assert case.entries.count() > 300
    for query in [{}, {"page": 4}, {"category": "note"}, {"agency": agencies["norfolk_police"].pk}]:
        with django_assert_max_num_queries(CASE_PAGE_QUERIES):
            response = client.get(url, query)
        assert response.status_code == 200
        assert len(response.context["page_obj"].object_list) == 25


def test_a_search_that_finds_nothing_says_so(sign_in, open_case_for, people):
    open_case_for("social.worker", first_name="Nadia")
    page = text_of(sign_in("suffolk.officer").get(reverse("children"), {"name": "nadia"}))
    assert "0 children found" in page and "No child whose case is shared" in page
    assert "Nadia" not in page
    assert events(Action.SEARCH)[0].detail["results"] == 0


def test_html_typed_into_case_fields_is_shown_as_text(sign_in, open_case_for, share, people):
    script = '<script>alert("owned")</script>'
    case = open_case_for("social.worker", first_name=script, last_name=script, aliases=[script],
                         concern=script, address=script, police_reference="<b>x</b>")  # fmt: skip
    police = share(case, "norfolk_police", "contribute")
    Share.objects.filter(pk=police.pk).update(purpose=script)
    add_entry(people["social.worker"], case, category="note",
              occurred_at=timezone.now(), text=f"line one\n{script}", restricted=False)  # fmt: skip
    client = sign_in("social.worker")
    for url, query in [
        (reverse("case", args=[case.pk]), {}),
        (reverse("case-print", args=[case.pk]), {}),
        (reverse("children"), {"name": "alert"}),
        (reverse("cases"), {}),
        (reverse("entry-new", args=[case.pk]), {}),
    ]:
        page = html(client.get(url, query))
        assert script not in page and "<b>x</b>" not in page, url
        assert "&lt;script&gt;" in page, url
    assert script not in html(sign_in("police.officer").get(reverse("shares")))


def test_searching_for_children_is_throttled_per_person(sign_in, settings):
    from audit.models import Action
    from tests.conftest import events

    settings.SEARCH_RATE_PER_MINUTE = 3
    client = sign_in("police.officer")
    statuses = [client.get("/children/", {"name": f"x{i}"}).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert (
        "You have searched too many times"
        in client.get("/children/", {"name": "y"}).content.decode()
    )
    assert events(Action.PERMISSION_REFUSED, detail__why="search rate")
    # Someone else is not held up by it.
    assert sign_in("health.nurse").get("/children/", {"name": "x"}).status_code == 200

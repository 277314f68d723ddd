"""The children pages: finding a child (only those whose case the agency may see), and
recording a child and opening a case, with the warnings about possible duplicates."""

import datetime as dt
import re

import pytest
from django.core import signing
from django.urls import reverse

from audit.models import Action
from cases.models import Case, Child
from sharing.models import Share
from tests.cases.page_helpers import NHS_NUMBER, html, run_search, text_of
from tests.conftest import events

pytestmark = pytest.mark.django_db


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

    page = text_of(run_search(client, reverse("children"), {"name": "AMELI"}))
    assert "1 child found" in page
    assert "Amélie Brown" in page and "Mimi" in page and "27 March 2011" in page
    assert amelie.reference in page
    assert "Amelia" not in page
    assert amelie.reference in text_of(run_search(client, reverse("children"), {"name": "mim"}))

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
        run_search(
            client,
            reverse("children"),
            {"date_of_birth_day": "2", "date_of_birth_month": "1", "date_of_birth_year": "2010"},
        )
    )
    assert "1 child found" in by_birth and case.reference in by_birth
    by_nhs = text_of(run_search(client, reverse("children"), {"nhs_number": "943 476 5919"}))
    assert "1 child found" in by_nhs and "943 476 5919" in by_nhs
    assert events(Action.SEARCH)[0].detail["date_of_birth"] == "2010-01-02"
    assert events(Action.SEARCH)[1].detail["nhs_number"] == NHS_NUMBER


def test_a_search_with_mistakes_says_so_and_keeps_what_was_typed(sign_in, people):
    client = sign_in("police.officer")
    response = run_search(
        client,
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
    blank = html(run_search(client, reverse("children"), {"name": "", "nhs_number": ""}))
    assert "Enter a name, date of birth or NHS number to search for" in blank
    assert events(Action.SEARCH) == []


def test_search_results_are_paged_and_the_pages_keep_the_search(sign_in, open_case_for, people):
    for number in range(27):
        open_case_for("social.worker", first_name=f"Sam{number:02d}", last_name="Smith")
    client = sign_in("social.worker")
    posted = client.post(reverse("children"), {"name": "smith"})
    assert posted.status_code == 303
    results = posted["Location"]
    search_id = results.split("?search=")[1]
    assert results == f"{reverse('children')}?search={search_id}"
    first = html(client.get(results))
    assert "27 children found" in first
    # The form shows what was searched for, filled in from the server.
    assert 'name="name" type="text" value="smith"' in first or 'value="smith"' in first
    assert f"?search={search_id}&amp;page=2" in first and "name=smith" not in first
    second = text_of(client.get(f"{results}&page=2"))
    assert "Sam26 Smith" in second and "Sam00" not in second
    assert 'value="smith"' in html(client.get(f"{results}&page=2"))


def test_a_search_that_finds_nothing_says_so(sign_in, open_case_for, people):
    open_case_for("social.worker", first_name="Nadia")
    page = text_of(run_search(sign_in("suffolk.officer"), reverse("children"), {"name": "nadia"}))
    assert "0 children found" in page and "No child whose case is shared" in page
    assert "Nadia" not in page
    assert events(Action.SEARCH)[0].detail["results"] == 0


def test_searching_for_children_is_throttled_per_person(sign_in, settings):
    from audit.models import Action
    from tests.conftest import events

    settings.SEARCH_RATE_PER_MINUTE = 3
    client = sign_in("police.officer")
    statuses = [run_search(client, "/children/", {"name": f"x{i}"}).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert (
        "You have searched too many times"
        in run_search(client, "/children/", {"name": "y"}).content.decode()
    )
    assert events(Action.PERMISSION_REFUSED, detail__why="search rate")
    # Someone else is not held up by it.
    assert run_search(sign_in("health.nurse"), "/children/", {"name": "x"}).status_code == 200


# Record a child and open a case ---------------------------------------------------------


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
    # Who the child is, aliases and all, is on the case's Details tab.
    details = text_of(client.get(reverse("case-details", args=[case.pk])))
    assert "Mimi, Lil A" in details or "Lil A, Mimi" in details


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

"""NHS pseudo-postcodes (the ZZ99 series: no fixed abode, address not known, a UK country
or abroad, not otherwise specified) are accepted wherever a child's postcode is recorded,
on the pages and in the API, when opening a case or recording a contact, and are shown as
what they mean. Placements are tests/missing/test_pseudo_postcodes.py."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from cases import pseudo_postcodes
from cases.models import Child
from cases.validators import normalise_postcode, validate_postcode
from tests.cases.api_helpers import new_child, post, url
from tests.cases.page_helpers import text_of
from tests.cases.test_pages_children import child_form
from tests.triage.test_api_contacts import contact_body
from tests.triage.test_contact_pages import contact_data, new_child_data
from triage.models import Contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("ZZ99 3VZ", "ZZ99 3VZ (no fixed abode)"),
        ("zz993vz", "ZZ99 3VZ (no fixed abode)"),
        ("ZZ99 3WZ", "ZZ99 3WZ (address not known)"),
        ("ZZ99 3CZ", "ZZ99 3CZ (England, not otherwise specified)"),
        ("ZZ99 3GZ", "ZZ99 3GZ (Wales, not otherwise specified)"),
        ("ZZ99 1WZ", "ZZ99 1WZ (Scotland, not otherwise specified)"),
        ("ZZ99 2WZ", "ZZ99 2WZ (Northern Ireland, not otherwise specified)"),
        ("ZZ99 6AZ", "ZZ99 6AZ (lives abroad)"),
    ],
)
def test_a_pseudo_postcode_is_valid_and_says_what_it_means(written, shown):
    postcode = normalise_postcode(written)
    validate_postcode(postcode)
    assert pseudo_postcodes.shown(postcode) == shown
    assert pseudo_postcodes.is_pseudo(postcode)


@pytest.mark.parametrize("written", ["ZZ99", "ZZ98 3VZ", "ZZ99 VZ3", "QQ1 1AA"])
def test_what_is_neither_a_postcode_nor_a_pseudo_postcode_is_still_refused(written):
    with pytest.raises(ValidationError, match="ZZ99 3VZ for no fixed abode"):
        validate_postcode(written)


def test_a_child_of_no_fixed_abode_is_recorded_on_the_page_and_shown_so(sign_in):
    client = sign_in("social.worker")
    form = text_of(client.get(reverse("child-new")))
    assert "For no fixed abode enter ZZ99 3VZ" in form
    response = client.post(reverse("child-new"), child_form(address="", postcode="zz99 3vz"))
    assert response.status_code == 302, text_of(response)
    child = Child.objects.get()
    assert child.postcode == "ZZ99 3VZ"
    # The address is on the case's Details tab.
    case_id = resolve(response["Location"]).kwargs["case_id"]
    page = text_of(client.get(reverse("case-details", args=[case_id])))
    assert "ZZ99 3VZ (no fixed abode)" in page


def test_a_wrong_postcode_on_the_page_says_a_pseudo_postcode_may_be_used(sign_in):
    response = sign_in("social.worker").post(reverse("child-new"), child_form(postcode="ZZ99"))
    assert "Enter a real postcode, like NR1 3QU, or ZZ99 3VZ for no fixed abode" in text_of(
        response
    )
    assert 'value="ZZ99"' in response.content.decode()  # what was typed is kept
    assert not Child.objects.exists()


def test_the_api_records_a_pseudo_postcode_and_says_what_it_means(sign_in):
    client = sign_in("social.worker")
    for first_name, postcode in [("Ada", "zz99 3wz"), ("Cal", "NR1 3QU")]:
        body = new_child(first_name=first_name, postcode=postcode)
        made = post(client, url("api-children"), body)
        assert made.status_code == 201, made.content
    shown = {
        child.first_name: client.get(url("api-child", child.pk)).json()
        for child in Child.objects.all()
    }
    assert (shown["Ada"]["postcode"], shown["Ada"]["postcode_meaning"]) == (
        "ZZ99 3WZ", "address not known",
    )  # fmt: skip
    assert (shown["Cal"]["postcode"], shown["Cal"]["postcode_meaning"]) == ("NR1 3QU", "")


def test_a_contact_about_a_child_of_no_fixed_abode_is_recorded_on_the_page(sign_in):
    client = sign_in("health.nurse")
    response = client.post(
        reverse("contact-new"), new_child_data(postcode="ZZ99 3VZ") | contact_data()
    )
    assert response.status_code == 302, response.content.decode()
    assert Contact.objects.get().child.postcode == "ZZ99 3VZ"


def test_a_contact_about_a_child_of_no_fixed_abode_is_recorded_in_the_api(sign_in):
    body = contact_body()
    body["new_child"] |= {"postcode": "zz99 3vz"}
    response = post(sign_in("health.nurse"), url("api-contacts"), body)
    assert response.status_code == 201, response.content
    assert Contact.objects.get().child.postcode == "ZZ99 3VZ"

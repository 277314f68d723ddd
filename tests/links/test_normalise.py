"""Things of concern written different ways meet once normalised (issue 20, item 2)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from links import normalise


@pytest.mark.parametrize(
    "written", ["AB12 CDE", "ab12cde", " ab12 cde ", "AB12-CDE", "ａｂ１２ ｃｄｅ"]
)
def test_registrations_meet_without_spaces_in_upper_case(written):
    assert normalise.registration(written) == "AB12CDE"


@pytest.mark.parametrize(
    "written", ["07700 900123", "+44 7700 900123", "(07700) 900-123", "0044 7700 900123",
                "+44 (0)7700 900123", "07700900123"],
)  # fmt: skip
def test_phone_numbers_meet_in_e164(written):
    assert normalise.phone(written) == "+447700900123"


def test_a_foreign_number_keeps_its_country():
    assert normalise.phone("+33 6 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize("written", ["", "not a number", "123", "  "])
def test_what_is_not_a_phone_number_is_refused(written):
    with pytest.raises(ValidationError, match="Enter a phone number"):
        normalise.phone(written)


def test_a_blank_registration_is_refused():
    with pytest.raises(ValidationError):
        normalise.registration(" - ")


def test_postcodes_meet_as_the_hub_writes_them():
    assert normalise.postcode("nr1 3ab") == normalise.postcode("NR13AB") == "NR1 3AB"
    assert normalise.address("Flat 2, 14 Example Road", "nr1 3ab") == normalise.address(
        "flat 2 14 example road", "NR13AB"
    )


@pytest.mark.parametrize(
    "written", ["Zoë O’Brien", "zoe obrien", "ZOE O'BRIEN", "Zoe O Brien", "Zoë-O’Brien"]
)
def test_names_meet_as_child_search_compares_them(written):
    assert normalise.name(written) == "zoeobrien"


def test_a_name_alone_is_never_a_key_with_a_date_of_birth_it_is():
    born = dt.date(1999, 4, 1)
    assert normalise.person("Jay Example", None) is None
    assert normalise.person("jay example", born) == normalise.person("Jay  Exámple", born)
    assert normalise.person("Jay Example", born) != normalise.person("Jay Example", None)


def test_accounts_meet_without_the_at_in_lower_case():
    assert normalise.account("Snapchat", "@Aimee_Example") == normalise.account(
        "snapchat", "aimee_example"
    )
    assert normalise.account("Instagram", "aimee") != normalise.account("Snapchat", "aimee")

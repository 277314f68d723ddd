"""Things of concern, normalised so that the same thing written two ways meets (issue 20,
item 2): a registration, a phone number, a postcode, an account, a person's name.

These keys are what matching compares, exactly. They are never shown: each link keeps the
thing as it was written. A name alone is never a key (it never matches on its own): a name
with a date of birth is.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError

from cases.models import searchable
from cases.validators import normalise_postcode

DEFAULT_REGION = "GB"  # a number written without +44 is a UK one
WHOLE_DIGITS = 9  # a UK number without its 0 has 9 or 10 digits


def registration(text: str) -> str:
    """A vehicle registration in upper case, letters and digits only ("ab12 cde" and
    "AB12-CDE" meet). Refused if nothing is left."""
    key = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", text or "").upper())
    if not key:
        raise ValidationError("Enter the registration, like AB12 CDE")
    return key


def phone(text: str, region: str = DEFAULT_REGION) -> str:
    """A phone number in E.164 ("+447700900123"), however it was written: spaces,
    brackets, hyphens, with or without +44 or a leading 0."""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", text or ""), region)
    except phonenumbers.NumberParseException:
        number = None
    # Valid, or at least as long as a whole number: ranges kept for drama and tests (07700
    # 900xxx) are not "valid" but are written whole; a fragment like 07700 is refused.
    whole = number is not None and (
        phonenumbers.is_valid_number(number)
        or (phonenumbers.is_possible_number(number)
            and len(phonenumbers.national_significant_number(number)) >= WHOLE_DIGITS)
    )  # fmt: skip
    if not whole:
        raise ValidationError("Enter a phone number, like 07700 900123 or +44 7700 900123")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def postcode(text: str) -> str:
    """As the Hub writes postcodes everywhere: upper case, one space before the last three."""
    return normalise_postcode(text)


def address(text: str, code: str = "") -> str:
    """An address with its postcode: the postcode as `postcode`, then the address's letters
    and digits ("Flat 2, 14 Example Road" and "flat 2 14 example rd" do not meet: road
    names are not guessed; the postcode and number usually agree)."""
    return f"{postcode(code)}|{searchable(text)}" if code else searchable(text)


def account(platform: str, handle: str) -> str:
    """A social media account: the platform and the handle, lower case, without the @."""
    name = (handle or "").strip().lstrip("@").casefold()
    if not name:
        raise ValidationError("Enter the account's name, like @example")
    return f"{searchable(platform)}:{name}"


def name(text: str) -> str:
    """A person's name as child search compares names: case, accents and punctuation aside."""
    return searchable(text)


def person(text: str, born: dt.date | None) -> str | None:
    """A person's key: the name with the date of birth. None without a date of birth, so a
    name alone never matches automatically (similar names are only suggested)."""
    key = name(text)
    return f"{key}|{born.isoformat()}" if key and born else None

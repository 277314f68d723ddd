"""Validators for identifiers a child record carries."""

import re

from django.core.exceptions import ValidationError

from cases import pseudo_postcodes

# The UK postcode format (GOV.UK's published pattern, simplified to the shapes in use).
POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$")
POSTCODE_HINT = "For no fixed abode enter ZZ99 3VZ; if the address is not known, ZZ99 3WZ"
POSTCODE_MESSAGE = (
    "Enter a real postcode, like NR1 3QU, or ZZ99 3VZ for no fixed abode "
    "or ZZ99 3WZ if the address is not known"
)


def normalise_nhs_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def validate_nhs_number(value: str) -> None:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError("Enter an NHS number as 10 digits, like 943 476 5919")
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValidationError("Enter a valid NHS number: the check digit does not match")


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s", "", (value or "").upper())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(value: str) -> None:
    """A UK postcode, or an NHS pseudo-postcode (cases.pseudo_postcodes: no fixed abode…)."""
    postcode = normalise_postcode(value)
    if not (POSTCODE.match(postcode) or pseudo_postcodes.is_pseudo(postcode)):
        raise ValidationError(POSTCODE_MESSAGE)

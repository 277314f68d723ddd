"""NHS pseudo-postcodes: the ZZ99 series, recorded where a child has no UK postcode.

Source: NHS Data Dictionary, "Postcode of usual address" (the pseudo postcodes for no
fixed abode, address not known and a UK country not otherwise specified), and the NHS
Postcode Directory for those abroad (ZZ99 followed by the country's code). They name no
place, so nothing may look up an area, a force or a MASH from one: areas are always
chosen from the Hub's list of areas, never derived from a postcode.
"""

import re

# Normalised (capitals, one space), as cases.validators.normalise_postcode gives them.
MEANINGS = {
    "ZZ99 3VZ": "no fixed abode",
    "ZZ99 3WZ": "address not known",
    "ZZ99 3CZ": "England, not otherwise specified",
    "ZZ99 3GZ": "Wales, not otherwise specified",
    "ZZ99 1WZ": "Scotland, not otherwise specified",
    "ZZ99 2WZ": "Northern Ireland, not otherwise specified",
}
ABROAD = "lives abroad"
# Every pseudo-postcode: ZZ99, then a code of the inward shape (a digit and two letters).
PATTERN = re.compile(r"^ZZ99 \d[A-Z]{2}$")


def is_pseudo(postcode: str) -> bool:
    """Whether a normalised postcode is a pseudo-postcode rather than a place."""
    return bool(PATTERN.match(postcode or ""))


def meaning(postcode: str) -> str:
    """What a pseudo-postcode means ("no fixed abode"); empty for a real postcode."""
    if not is_pseudo(postcode):
        return ""
    return MEANINGS.get(postcode, ABROAD)


def shown(postcode: str) -> str:
    """A postcode as pages show it: "ZZ99 3VZ (no fixed abode)", or as it is."""
    said = meaning(postcode)
    return f"{postcode} ({said})" if said else postcode

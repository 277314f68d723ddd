"""Fixtures for the placement and missing-episode API's tests (tests/missing/test_api_*.py)."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(open_case_for, share, partnership):
    case = open_case_for("social.worker", first_name="Amy", last_name="Example")
    police = share(case, "norfolk_police", "view")
    return SimpleNamespace(
        case=case, child=case.child, police_share=police, areas=partnership.areas
    )


@pytest.fixture
def placed_case(open_case_for, agencies, place):
    """A child looked after by Norfolk (social.worker manages the case), placed in Suffolk."""
    case = open_case_for(
        "social.worker", first_name="Grab", last_name="Testchild", looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )  # fmt: skip
    place(case, "suffolk")
    return case

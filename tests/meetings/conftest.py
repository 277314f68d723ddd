"""What the meeting tests share."""

import pytest


@pytest.fixture
def aimee(open_case_for, share):
    """Aimee's case, led by the council and shared with Norfolk police to contribute."""
    case = open_case_for("social.worker", first_name="Aimee", last_name="Example")
    share(case, "norfolk_police", "contribute")
    return case

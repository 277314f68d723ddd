"""Fixtures for the access reports' tests (a module that needs another world defines its
own)."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(open_case_for, share, people):
    amy = open_case_for("social.worker", first_name="Amy", last_name="Example")
    police_share = share(amy, "norfolk_police", "view")
    sam = open_case_for("suffolk.officer", first_name="Sam", last_name="Other")
    return SimpleNamespace(amy=amy, sam=sam, police_share=police_share)

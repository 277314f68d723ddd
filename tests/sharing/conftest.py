"""The sharing API's tests start from the case API's world (tests/cases/api_helpers.py)."""

from tests.cases.api_helpers import world  # noqa: F401 - a fixture, by its name

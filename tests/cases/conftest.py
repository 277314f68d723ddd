"""Fixtures for the case API's tests: the world most of them start from (a module that
needs another world defines its own)."""

from tests.cases.api_helpers import world  # noqa: F401 - a fixture, by its name

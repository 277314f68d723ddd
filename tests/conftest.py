"""The cast of characters every test can reason about: the demo partnership.

`partnership.people["suffolk.officer"]`, `agencies["norfolk_police"]` and so on, built by
the same code as `manage.py load_demo`, so the tests and the demo describe one world.
"""

import os

import pytest

from sharing.demo import Partnership, build_partnership

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def partnership(db) -> Partnership:
    return build_partnership(password=PASSWORD)


@pytest.fixture
def people(partnership):
    return partnership.people


@pytest.fixture
def agencies(partnership):
    return partnership.agencies


@pytest.fixture
def sign_in(client, people):
    """Sign a demo person in through Django's session, returning the test client."""

    def _sign_in(username: str):
        client.force_login(people[username])
        return client

    return _sign_in

"""The permission matrix: every page and API endpoint, for someone who may and someone who
may not, and signed out. Later issues add their pages and endpoints to these lists."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from people.models import Person

pytestmark = pytest.mark.django_db

# (path, a person who may open it, a person who may not or None, what "may not" gets)
PAGES = [
    ("/", "social.worker", None, None),
    ("/account/sessions/", "police.officer", None, None),
    ("/account/tokens/", "health.nurse", None, None),
    ("/admin/", "admin.ncc", "social.worker", 302),
    ("/admin/people/person/", "admin.ncc", "police.mash", 302),
    ("/admin/people/agency/", "platform.admin", "admin.ncc", 403),
    ("/admin/people/area/", "platform.admin", "admin.ncc", 403),
    # The language prompts' phrases (issue 21): platform admins keep the list.
    ("/admin/cases/phrase/", "platform.admin", "admin.ncc", 403),
    # Every person's agency has an inbox; only agency admins see what failed to arrive.
    ("/inbox/", "suffolk.officer", None, None),
    ("/inbox/count/", "suffolk.officer", None, None),
    ("/agency/notifications/", "admin.ncc", "social.worker", 403),
    # The agency's repeat-missing rule (issue 19): its admins set it.
    ("/agency/repeat-missing-rule/", "admin.ncc", "mash.manager", 403),
]

API = [
    ("get", "/api/v1/me/", "suffolk.officer"),
    ("get", "/api/v1/tokens/", "suffolk.officer"),
    ("get", "/api/schema/", "suffolk.officer"),
    ("get", "/api/docs/", "suffolk.officer"),
    ("get", "/api/v1/notifications/", "suffolk.officer"),
    # Lookups (issue 23): the same for everyone signed in, nothing signed out.
    ("get", "/api/v1/areas/", "health.nurse"),
    ("get", "/api/v1/agencies/", "admin.ncc"),
    # The language prompts' phrases (issue 21): for anyone signed in who writes records.
    ("get", "/api/v1/language-phrases/", "police.officer"),
]


@pytest.fixture
def cast(people, agencies):
    Person.objects.create_superuser("platform.admin", "ops@hub.example", "x" * 20)
    return people


def signed_in(username):
    from tests.conftest import verify_second_factor

    person = Person.objects.get(username=username)
    client = Client()
    client.force_login(person)
    if not person.is_superuser:
        verify_second_factor(client, person)
    else:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.get_or_create(user=person, name="app", confirmed=True)
        verify_second_factor(client, person)
    return client


@pytest.mark.parametrize(("path", "may", "may_not", "refused_with"), PAGES)
def test_pages(cast, path, may, may_not, refused_with):
    assert signed_in(may).get(path).status_code == 200
    if may_not:
        response = signed_in(may_not).get(path)
        assert response.status_code == refused_with
        if refused_with == 302:
            assert "/sign-in/" in response["Location"] or "/admin/login/" in response["Location"]


@pytest.mark.parametrize(("path", "may", "may_not", "refused_with"), PAGES)
def test_pages_signed_out_redirect_to_sign_in(cast, path, may, may_not, refused_with):
    response = Client().get(path)
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"] or "/admin/login/" in response["Location"]


@pytest.mark.parametrize(("path", "may", "may_not", "refused_with"), PAGES)
def test_pages_after_only_the_password_go_to_the_second_factor(
    cast, path, may, may_not, refused_with
):
    client = Client()
    client.force_login(Person.objects.get(username=may))
    response = client.get(path)
    assert response.status_code == 302
    assert "/sign-in/code/" in response["Location"] or "/two-factor/" in response["Location"]


@pytest.mark.parametrize(("method", "path", "may"), API)
def test_api(cast, method, path, may):
    assert getattr(signed_in(may), method)(path).status_code == 200


@pytest.mark.parametrize(("method", "path", "may"), API)
def test_api_signed_out_gets_401(cast, method, path, may):
    response = getattr(Client(), method)(path)
    assert response.status_code == 401
    assert "username" not in response.content.decode()


def test_every_url_is_in_the_matrix_or_known_public():
    """A new page or endpoint must be added to the lists above (or be deliberately public)."""
    from django.urls import get_resolver

    covered = {p for p, *_ in PAGES} | {p for _, p, _ in API}
    # The sign-in steps and health check are open by design; the POST-only actions are
    # tried for someone who may not in their own files (people/test_api_tokens,
    # people/test_sessions, notifications/test_api, notifications/test_inbox_pages), and so
    # is reading one token (people/test_api_tokens: its owner only, 404 to anyone else).
    public_or_step = {
        "sign-in", "sign-in-code", "sign-in-recovery-code", "two-factor-set-up", "sign-out",
        "healthz", "sign-out-everywhere-else", "revoke-token", "api-token-revoke",
        "api-notification-acknowledge", "inbox-acknowledge", "api-token",
    }  # fmt: skip
    names = {
        name
        for name, _ in get_resolver().reverse_dict.items()
        if isinstance(name, str) and "admin" not in name
    }
    from tests.cases.test_api_permissions import COVERED_URL_NAMES as CASE_API_NAMES
    from tests.cases.test_pages_permissions import COVERED_URL_NAMES as CASE_PAGE_NAMES
    from tests.links.test_permissions import COVERED_URL_NAMES as LINKS_NAMES
    from tests.meetings.test_permissions import COVERED_URL_NAMES as MEETINGS_NAMES
    from tests.reports.test_permissions import COVERED_URL_NAMES as ACCESS_NAMES
    from tests.triage.test_api_permissions import COVERED_URL_NAMES as MASH_API_NAMES
    from tests.triage.test_contact_pages_permissions import COVERED_URL_NAMES as CONTACT_NAMES

    elsewhere = public_or_step | set(CASE_PAGE_NAMES) | set(CASE_API_NAMES) | set(ACCESS_NAMES)
    elsewhere |= set(CONTACT_NAMES) | set(MASH_API_NAMES) | _triage_names() | set(LINKS_NAMES)
    elsewhere |= set(MEETINGS_NAMES)
    unlisted = {n for n in names if n not in elsewhere and _path(n) not in covered}
    assert unlisted == set()


def _path(name: str) -> str | None:
    """The name's path, or None where it takes arguments (only the lists above name it)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _triage_names() -> set[str]:
    """The triage pages' matrix (tests/triage/test_screen_pages_permissions.py)."""
    from tests.triage.test_screen_pages_permissions import COVERED_URL_NAMES

    return set(COVERED_URL_NAMES)

"""Personal API tokens: shown once, stored hashed, expiring, revocable, audited."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from people.models import ApiToken
from people.tokens import digest
from safeguarding import problems
from tests.conftest import events
from tests.problems import errors, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_token(sign_in):
    """A token made through the page by police.officer; returns (secret, token row)."""
    page = sign_in("police.officer").post(reverse("tokens"), {"name": "Force link", "days": 30})
    html = page.content.decode()
    secret = html.split('data-testid="token-secret">')[1].split("<")[0]
    return secret, ApiToken.objects.get(name="Force link")


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_is_shown_once_and_stored_only_as_a_hash(officer_token, sign_in):
    secret, token = officer_token
    assert secret.startswith(f"sgh_{token.prefix}_")
    assert token.digest == digest(secret)
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    page = sign_in("police.officer").get(reverse("tokens")).content.decode()
    assert "Force link" in page
    assert secret not in page
    assert token.expires_at - timezone.now() > timedelta(days=29)
    assert events(Action.TOKEN_CREATED)[0].detail == {"prefix": token.prefix, "days": 30}


def test_a_token_calls_the_api_as_its_person_and_every_call_is_audited(officer_token):
    secret, token = officer_token
    api = Client()
    response = api.get("/api/v1/me/", **bearer(secret))
    assert response.status_code == 200
    assert response.json()["username"] == "police.officer"
    assert response.json()["agency"] == "Norfolk Constabulary"
    api.get("/api/v1/tokens/", **bearer(secret))
    calls = events(Action.API_REQUEST, actor_username="police.officer")
    assert [c.detail["path"] for c in calls] == ["/api/v1/me/", "/api/v1/tokens/"]
    assert {c.target_id for c in calls} == {str(token.pk)}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_is_refused(officer_token):
    secret, token = officer_token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get("/api/v1/me/", **bearer(secret))
    assert problem(response, 401) == problems.body(401, "That token is expired.")
    assert events(Action.TOKEN_REFUSED)[0].detail == {"state": "expired"}


def test_a_revoked_token_is_refused(officer_token, sign_in):
    secret, token = officer_token
    response = sign_in("police.officer").post(reverse("revoke-token", args=[token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    assert Client().get("/api/v1/me/", **bearer(secret)).status_code == 401
    assert events(Action.TOKEN_REVOKED)


def test_a_made_up_token_is_refused(db):
    assert Client().get("/api/v1/me/", **bearer("sgh_00000000_nope")).status_code == 401


def test_no_credentials_get_401_with_a_challenge(db):
    response = Client().get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_nobody_can_revoke_another_persons_token(officer_token, sign_in):
    _, token = officer_token
    response = sign_in("suffolk.officer").post(reverse("revoke-token", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nobody_can_read_another_persons_token_through_the_api(officer_token, sign_in):
    secret, token = officer_token
    url = reverse("api-token", args=[token.pk])
    mine = Client().get(url, **bearer(secret))
    assert mine.status_code == 200
    assert mine.json()["id"] == token.pk and mine.json()["name"] == "Force link"
    theirs = sign_in("suffolk.officer").get(url)
    assert problem(theirs, 404) == problems.body(404, "Not one of your tokens.")
    assert "Force link" not in theirs.content.decode()
    assert token.prefix not in theirs.content.decode()


def test_a_token_cannot_make_another_token(officer_token):
    secret, _ = officer_token
    response = Client().post(
        "/api/v1/tokens/",
        {"name": "x", "days": 7},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_signed_in_session_can_make_a_token_through_the_api(sign_in):
    response = sign_in("health.nurse").post(
        "/api/v1/tokens/", {"name": "Ward system", "days": 7}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["secret"].startswith("sgh_")


def test_a_token_lifetime_is_limited(sign_in):
    page = sign_in("health.nurse").post(reverse("tokens"), {"name": "Forever", "days": 3650})
    assert "Choose when the token expires" in page.content.decode()
    assert 'value="Forever"' in page.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_name_is_required_and_bounded(sign_in):
    client = sign_in("health.nurse")
    assert (
        "Enter a name for the token" in client.post(reverse("tokens"), {"days": 7}).content.decode()
    )
    long = client.post(reverse("tokens"), {"name": "x" * 101, "days": 7}).content.decode()
    assert "Name must be 100 characters or fewer" in long


def test_the_api_is_throttled_per_person(officer_token, settings):
    secret, _ = officer_token
    settings.API_RATE_PER_MINUTE = 3
    statuses = [Client().get("/api/v1/me/", **bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_each_counted_answer_says_how_many_requests_are_left(officer_token, settings):
    """RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers, issue 23): an
    integrator sees the limit coming, on the 200s and on the 429 alike."""
    from django.core.cache import cache

    cache.clear()
    secret, _ = officer_token
    settings.API_RATE_PER_MINUTE = 3
    answers = [Client().get("/api/v1/me/", **bearer(secret)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert {a["RateLimit-Policy"] for a in answers} == {'"person";q=3;w=60'}
    left = [a["RateLimit"] for a in answers]
    assert [value.split(";")[1] for value in left] == ["r=2", "r=1", "r=0", "r=0"]
    for value in left:
        seconds = int(value.split(";t=")[1])
        assert 0 < seconds <= 60
    # Pages are not counted by the API's limit, and say nothing of it.
    assert "RateLimit" not in Client().get("/sign-in/")


def test_the_tokens_page_is_paged_in_a_constant_number_of_queries(
    sign_in, people, django_assert_max_num_queries
):
    from people.tokens import create_token

    client = sign_in("health.nurse")
    for i in range(45):
        create_token(people["health.nurse"], f"token {i:02d}", 7)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("tokens")).content.decode()
    assert first.count("Revoke<span") == 20
    assert 'href="?page=3"' in first
    third = client.get(reverse("tokens") + "?page=3").content.decode()
    assert third.count("Revoke<span") == 5


def test_a_token_name_must_be_text(sign_in):
    response = sign_in("health.nurse").post(
        "/api/v1/tokens/", {"name": -1.86e16, "days": 7}, content_type="application/json"
    )
    assert "name" in errors(response)
    assert "1.86" not in response.content.decode()

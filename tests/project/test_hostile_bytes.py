"""Bytes PostgreSQL cannot store, JSON nested too deep and bodies too large are a 400,
before anything reaches the database, through the real middleware, views and database.

A NUL anywhere in a sign-in is a failed sign-in, counted against the account and the
address, and a right password is answered exactly as a wrong one (no password oracle).
"""

import json
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from audit.models import Action
from people.models import SignInFailure
from people.tokens import create_token
from safeguarding import problems
from safeguarding.middleware import MAX_JSON_DEPTH, REFUSED_DETAIL, TOO_DEEP_DETAIL
from tests.conftest import PASSWORD, current_code, events
from tests.problems import bare

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.77"
NUL = "\x00"
SURROGATE = "\ud800"


@pytest.fixture
def behind_a_proxy(settings):
    """X-Forwarded-For is read (and recorded) only behind a proxy of our own."""
    settings.TRUSTED_PROXY_COUNT = 1


def hostile_get(client: Client, url: str, where: str, **extra):
    """GET `url` with a NUL in one place the app reads: a header it records, or the query."""
    headers = {"user-agent": "Mozilla/5.0"}
    if where == "user agent":
        headers["user-agent"] = f"Mozilla/5.0{NUL}"
    elif where == "forwarded address":
        headers["x-forwarded-for"] = f"203.0.113.4{NUL}, {ADDRESS}"
    elif where == "other header":
        headers["accept-language"] = f"en{NUL}"
    elif where == "query":
        url += "?q=a%00b"
    elif where == "query name":
        url += "?a%00b=1"
    return client.get(url, headers=headers, REMOTE_ADDR=ADDRESS, **extra)


GET_PLACES = ["user agent", "forwarded address", "other header", "query", "query name"]


def assert_problem(response, status: int = 400) -> dict:
    """A problem (RFC 9457) with the four members and nothing more (no `errors`)."""
    body = bare(response, status)
    assert isinstance(body["detail"], str), body
    return body


def assert_refused(response) -> None:
    assert assert_problem(response) == problems.body(400, REFUSED_DETAIL)


def assert_error_page(response) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert "could not read what was sent" in response.content.decode()
    assert "X-Request-ID" in response


# --- every header the app records, the query, forms and JSON -----------------------------------


@pytest.mark.parametrize("where", GET_PLACES)
def test_a_nul_in_a_page_request_is_a_400_page(sign_in, behind_a_proxy, where):
    client = sign_in("social.worker")
    before = events(Action.CASE_VIEWED)
    assert_error_page(hostile_get(client, reverse("home"), where))
    assert events(Action.CASE_VIEWED) == before


@pytest.mark.parametrize("where", GET_PLACES)
def test_a_nul_in_an_api_request_is_a_problem_answer(people, behind_a_proxy, where):
    _, secret = create_token(people["social.worker"], "bytes", 7)
    client = Client(headers={"authorization": f"Bearer {secret}"})
    assert_refused(hostile_get(client, "/api/v1/me/", where))


def test_a_nul_in_a_token_is_a_problem_answer_not_a_lookup(people):
    response = Client().get("/api/v1/me/", headers={"authorization": f"Bearer sgh_{NUL}x"})
    assert_refused(response)


def test_a_nul_in_a_session_cookie_is_refused(people):
    client = Client()
    client.cookies["sessionid"] = f"abcdefgh{NUL}"
    assert_error_page(client.get(reverse("sign-in")))


def test_a_form_field_with_a_nul_is_a_400(sign_in):
    # (A form cannot carry a lone surrogate: its bytes are not UTF-8, so Django replaces them.)
    client = sign_in("social.worker")
    response = client.post(reverse("tokens"), {"name": f"Force{NUL}link", "days": 30})
    assert_error_page(response)
    assert not events(Action.TOKEN_CREATED)


@pytest.mark.parametrize(
    "body",
    [
        {"name": f"Force{NUL}link", "days": 7},
        {"name": f"Force{SURROGATE}link", "days": 7},
        {"name": "Force link", "days": 7, f"extra{NUL}": 1},
        {"name": "Force link", "days": 7, "nested": [{"deep": f"x{NUL}"}]},
    ],
    ids=["nul value", "lone surrogate value", "nul in a name", "nul nested"],
)
def test_a_json_field_with_text_postgresql_refuses_is_a_problem_answer(sign_in, body):
    client = sign_in("social.worker")
    response = client.post("/api/v1/tokens/", json.dumps(body), content_type="application/json")
    assert_refused(response)
    assert not client.get("/api/v1/tokens/").json()


# --- a sign-in with a NUL anywhere is a failed sign-in -----------------------------------------


def hostile_sign_in(where: str, password: str):
    """A fresh browser's sign-in with a NUL in one place: header, query or form field."""
    client = Client()
    url = reverse("sign-in")
    form = {"username": "social.worker", "password": password}
    headers = {"user-agent": "Mozilla/5.0"}
    if where == "user agent":
        headers["user-agent"] = f"Mozilla/5.0{NUL}"
    elif where == "forwarded address":
        headers["x-forwarded-for"] = f"203.0.113.4{NUL}, {ADDRESS}"
    elif where == "query":
        url += "?next=/%00"
    elif where == "username":
        form["username"] = f"social.worker{NUL}"
    elif where == "password":
        form["password"] = f"{password}{NUL}"
    elif where == "another field":
        form["remember"] = NUL
    response = client.post(url, form, headers=headers, REMOTE_ADDR=ADDRESS)
    return client, response


SIGN_IN_PLACES = ["user agent", "forwarded address", "query", "username", "password",
                  "another field"]  # fmt: skip


def address_failures() -> int:
    return SignInFailure.objects.filter(address=ADDRESS).count()


def counted_sign_in(where: str, password: str):
    """`hostile_sign_in`, checking that it counted one failure against the address.

    The count is read just before and just after, not across the test: the Redis database
    may be shared with another test process that empties it between tests.
    """
    before = address_failures()
    client, response = hostile_sign_in(where, password)
    assert address_failures() == before + 1
    return client, response


@pytest.mark.parametrize("where", SIGN_IN_PLACES)
def test_a_sign_in_with_a_nul_is_a_counted_failure_answered_alike(people, behind_a_proxy, where):
    right_client, right = counted_sign_in(where, PASSWORD)
    _, wrong = counted_sign_in(where, "wrong-password")
    assert right.status_code == wrong.status_code == 400
    assert right.content == wrong.content
    assert set(right.cookies) == set(wrong.cookies) == set()
    # Alike but for what differs on every answer (its id, the clock's second).
    varies = {"X-Request-ID", "Expires", "Date"}
    assert {k: v for k, v in right.items() if k not in varies} == {
        k: v for k, v in wrong.items() if k not in varies
    }
    assert "_auth_user_id" not in right_client.session
    # Both counted against the account too (django-axes, in PostgreSQL), and recorded.
    attempt = AccessAttempt.objects.get(username="social.worker")
    assert attempt.failures_since_start == 2
    failed = events(Action.SIGN_IN_FAILED, detail__username="social.worker")
    assert len(failed) == 2
    assert failed[0].user_agent == "Mozilla/5.0"
    assert NUL not in attempt.user_agent + attempt.get_data + attempt.post_data


def test_nul_sign_ins_lock_the_account(people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        assert hostile_sign_in("user agent", PASSWORD)[1].status_code == 400
    # The account is locked: the right password, sent cleanly, does not get in.
    response = Client().post(
        reverse("sign-in"),
        {"username": "social.worker", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.200",
    )
    assert response.status_code == 429
    assert events(Action.LOCKED_OUT, detail__username="social.worker")


def test_nul_sign_ins_lock_the_address(people, settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 3
    for name in ["a.one", "b.two", "c.three"]:
        client = Client()
        response = client.post(
            reverse("sign-in"),
            {"username": name, "password": "x"},
            headers={"user-agent": NUL},
            REMOTE_ADDR=ADDRESS,
        )
        assert response.status_code == 400
    response = Client().post(
        reverse("sign-in"),
        {"username": "police.officer", "password": PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 429


def test_a_clean_sign_in_is_unaffected(people):
    response = Client().post(
        reverse("sign-in"),
        {"username": "social.worker", "password": PASSWORD},
        headers={"user-agent": "Mozilla/5.0 (X11; Linux) Ünïcode"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in-code")


# --- JSON nested too deep, bodies too large, ids that are not numbers ---------------------------


def nested(depth: int) -> str:
    return '{"name": "Deep", "days": 7, "x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_json_nested_too_deep_is_a_problem_answer(sign_in, depth):
    client = sign_in("social.worker")
    response = client.post("/api/v1/tokens/", nested(depth), content_type="application/json")
    assert assert_problem(response) == problems.body(400, TOO_DEEP_DETAIL)


def test_json_nested_within_the_limit_reaches_the_view(sign_in):
    client = sign_in("social.worker")
    body = nested(MAX_JSON_DEPTH)
    response = client.post("/api/v1/tokens/", body, content_type="application/json")
    assert response.status_code in (201, 400)
    assert "nested" not in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/tokens/", "/api/v1/children/", "/api/v1/cases/1/entries/", "/api/v1/cases/x/"]
)
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "multipart"]
)
def test_an_api_body_over_the_size_limit_is_a_problem_answer(people, settings, url, content_type):
    _, secret = create_token(people["social.worker"], "size", 7)
    client = Client(headers={"authorization": f"Bearer {secret}"})
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    if content_type == "multipart":
        response = client.post(url, {"name": big, "days": "7"})
    elif content_type == "application/json":
        response = client.post(url, json.dumps({"name": big, "days": 7}), content_type)
    else:
        response = client.post(url, urlencode({"name": big, "days": 7}), content_type)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"The request body is larger than {limit} bytes."
    assert assert_problem(response) == problems.body(400, detail)
    assert "xxxx" not in response.content.decode()


def test_a_page_form_over_the_size_limit_is_the_400_page(sign_in, settings):
    client = sign_in("social.worker")
    name = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert_error_page(client.post(reverse("tokens"), {"name": name, "days": 30}))


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/tokens/abc/revoke/"),
        ("post", "/api/v1/tokens/1.5/revoke/"),
        ("post", "/api/v1/tokens/-1/revoke/"),
        ("get", "/api/v1/cases/abc/"),
        ("get", "/api/v1/children/1.5/"),
        ("get", "/api/v1/cases/-1/entries/"),
        ("post", "/api/v1/cases/abc/close/"),
        ("post", "/api/v1/notifications/x/acknowledge/"),
    ],
)
def test_an_api_id_that_is_not_a_number_is_a_problem_answer(people, method, url):
    _, secret = create_token(people["social.worker"], "ids", 7)
    client = Client(headers={"authorization": f"Bearer {secret}"})
    assert assert_problem(getattr(client, method)(url), 404) == problems.body(404)


# --- the second factor: a code with a NUL anywhere is a wrong code -------------------------


@pytest.mark.parametrize("step", ["sign-in-code", "sign-in-recovery-code"])
@pytest.mark.parametrize("where", ["user agent", "code"])
def test_a_second_factor_code_with_a_nul_is_a_counted_wrong_code(sign_in, people, step, where):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from people.two_factor import replace_recovery_codes

    person = people["social.worker"]
    recovery_codes = replace_recovery_codes(person)
    devices = StaticDevice if step == "sign-in-recovery-code" else TOTPDevice
    client = sign_in("social.worker", second_factor=False)  # the password step done
    code = recovery_codes[0] if devices is StaticDevice else current_code(person)
    headers = {"user-agent": "Mozilla/5.0"}
    if where == "user agent":
        headers["user-agent"] += NUL
    else:
        code += NUL
    before = devices.objects.get(user=person, confirmed=True).throttling_failure_count

    response = client.post(reverse(step), {"code": code}, headers=headers, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 400
    device = devices.objects.get(user=person, confirmed=True)
    assert device.throttling_failure_count == before + 1
    failed = events(Action.SECOND_FACTOR_FAILED, actor_username="social.worker")
    assert len(failed) == 1 and failed[0].user_agent == "Mozilla/5.0"
    # Still not through: the next page asks for the second factor again.
    assert client.get(reverse("cases"))["Location"].startswith(reverse("sign-in-code"))

"""The API fuzzed from its own OpenAPI schema, in-process, against the real database.

Schemathesis reads the schema the app serves at /api/schema/ and generates requests for
every operation in it, valid and invalid, sent through Django's WSGI handler as a demo
person holding a personal token. Every answer must be free of server errors and match
the schema. Then the rules the schema cannot express: no credentials (or a dead token)
is 401 for every operation, another person's token is 404, and a token cannot make tokens.
"""

from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from people.models import ApiToken
from people.tokens import create_token, revoke_token
from safeguarding import problems
from tests.conftest import verify_second_factor
from tests.problems import errors

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/"
TOKENS = "POST /api/v1/tokens/"
REVOKE = "POST /api/v1/tokens/{token_id}/revoke/"
# What the schema must offer at least; the fuzz covers whatever else it lists too.
KNOWN_OPERATIONS = {"GET /api/v1/me/", "GET /api/v1/tokens/", TOKENS, REVOKE}
# Errors the API answers on purpose, beyond the 401 and 429 of every operation, that the
# schema must document: an invalid body, or made with a token; not one of your tokens.
EXPECTED = {TOKENS: {"400", "403"}, REVOKE: {"404"}}

# @given wraps functions inside each test, not the test itself, so pytest's function-scoped
# fixtures (the database transaction, the token) are set up once around every run.
# Derandomized: the same examples every run, so a failure in CI is a change in the code or
# the schema, reproducible as it stands, never a lucky draw.
FUZZ = hypothesis_settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,  # keep no example database under .hypothesis/
    suppress_health_check=[HealthCheck.too_slow],
)


def unbounded_path_parameters(operation) -> list[str]:
    """Integer path parameters without `minimum`: `<int:…>` routes only digits."""
    return [
        parameter.name
        for parameter in operation.path_parameters
        if parameter.definition.get("schema", {}).get("type") == "integer"
        and parameter.definition["schema"].get("minimum") is None
    ]


def reached_a_view(response) -> bool:
    """Whether the URL routes anywhere (a `{token_id}` of -1 or "null" does not)."""
    try:
        resolve(unquote(urlsplit(response.request.url).path))
    except Resolver404:
        return False
    return True


def documented_status(ctx, response, case):
    """`status_code_conformance`, apart from Django's own 404 where no view was reached."""
    status = response.status_code
    if status == 404 and not reached_a_view(response):
        # No view was reached, so the URL resolver's 404 answered: right for invalid path
        # values, and for "valid" ones only while the schema allows negative ids.
        negative = case.meta is not None and case.meta.generation.mode.is_negative
        assert negative or unbounded_path_parameters(case.operation), case.path_parameters
        return None
    return status_code_conformance(ctx, response, case)


def still_signed_in(ctx, response, case):
    """The fuzzing token must be accepted throughout, or the run tested only the 401 path."""
    assert response.status_code != 401, response.text_lossy()[:200]


# Not `positive_data_acceptance`: a schema cannot say which ids exist or which agency a
# person may choose, so a schema-valid request is rightly refused (400, 404, 409) often.
CHECKS = [
    not_a_server_error,
    documented_status,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# With a token, also: each operation called again without it, and with a made-up one,
# must refuse (schemathesis reads the bearer scheme from the schema's securitySchemes).
TOKEN_CHECKS = [*CHECKS, ignored_auth, still_signed_in]


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, with connections kept open across requests.

    Django's own test client does the same: the handler's request signals would otherwise
    close the connection that holds the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_rate(settings):
    """A fuzz run makes hundreds of requests a minute: raise the limit, start counting at 0."""
    settings.API_RATE_PER_MINUTE = 100_000
    cache.clear()


def problem_content_type(response) -> bool:
    """Whether a schemathesis response is an RFC 9457 problem (`application/problem+json`)."""
    found = response.headers.get("content-type") or response.headers.get("Content-Type")
    return bool(found) and found[0].startswith(problems.CONTENT_TYPE)


def make_token(person, name="fuzz", days=7):
    return create_token(person, name, days)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def worker_token(people):
    """social.worker's personal token: (ApiToken, secret)."""
    return make_token(people["social.worker"])


@pytest.fixture
def api_schema(wsgi_app, worker_token, api_rate):
    _, secret = worker_token
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app, headers=bearer(secret))


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def pinned_credentials(operation, headers, cookies):
    """A value for every credential the schema declares, so that none is generated.

    A generated (or, in negative mode, deliberately invalid) `Authorization` header or
    session cookie would be replaced on the wire by the real one, so the request would not
    be what schemathesis thinks it sent. Those the caller does not send are pinned empty.
    """
    pinned = {ParameterLocation.HEADER: {}, ParameterLocation.COOKIE: {}}
    given_values = {ParameterLocation.HEADER: headers, ParameterLocation.COOKIE: cookies}
    for parameter in operation.security.iter_parameters():
        if parameter.location in pinned:
            sent = given_values[parameter.location].get(parameter.name, "")
            pinned[parameter.location][parameter.name] = sent
    return pinned[ParameterLocation.HEADER], pinned[ParameterLocation.COOKIE]


def fuzz(operation, mode, checks, *, before_each=lambda: None, headers=None, cookies=None):
    """Run Hypothesis over one operation; return its failure report, or None."""
    headers, cookies = headers or {}, cookies or {}
    pinned_headers, pinned_cookies = pinned_credentials(operation, headers, cookies)
    strategy = operation.as_strategy(
        generation_mode=mode, headers=pinned_headers, cookies=pinned_cookies or None
    )

    @given(case=strategy)
    @FUZZ
    def run(case):
        before_each()
        case.call_and_validate(checks=checks, headers=headers, cookies=cookies)

    try:
        run()
    except (FailureGroup, AssertionError) as failure:
        return f"{operation.label} ({mode.value}):\n{failure}"
    except Unsatisfiable:
        # With the credentials pinned, an operation with no parameters and no body (GET
        # /api/v1/me/) has nothing left to make invalid.
        if mode is not GenerationMode.NEGATIVE or operation.query or operation.body:
            raise
    return None


# --- a) every operation, fuzzed with a token ------------------------------------------------


def test_the_schema_lists_every_api_operation(api_schema):
    labels = {operation.label for operation in operations(api_schema)}
    assert labels >= KNOWN_OPERATIONS


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_every_operation_answers_within_its_schema(api_schema, worker_token, mode):
    token, secret = worker_token

    def keep_usable():
        # Fuzzing the revoke operation may well hit this token's own id, and should.
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)

    failures = [
        fuzz(operation, mode, TOKEN_CHECKS, before_each=keep_usable, headers=bearer(secret))
        for operation in operations(api_schema)
    ]
    failures = [failure for failure in failures if failure]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_making_tokens_from_a_session_answers_within_its_schema(
    api_schema, client, people, settings, mode
):
    """Tokens are made from a signed-in session (never with a token), so fuzz it that way."""
    person = people["social.worker"]
    client.force_login(person)
    verify_second_factor(client, person)
    csrf = get_random_string(32, CSRF_ALLOWED_CHARS)
    cookies = {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: csrf,
    }
    before = set(ApiToken.objects.filter(person=person).values_list("pk", flat=True))
    operation = api_schema["/api/v1/tokens/"]["POST"]
    # Not `ignored_auth` here: it takes a cookie passed like this for generated credentials
    # and reports any success with it as "accepts invalid authentication". Refusing
    # requests without credentials is tested for every operation below instead.
    failure = fuzz(operation, mode, CHECKS, headers={"X-CSRFToken": csrf}, cookies=cookies)
    assert failure is None, failure
    made = ApiToken.objects.filter(person=person).exclude(pk__in=before)
    if mode is GenerationMode.POSITIVE:
        assert made, "no valid request made a token: the session was not accepted"
    # Negative cases may be invalid only in a header or cookie and still make a token,
    # but no token may come from an invalid body.
    for token in made:
        days = round((token.expires_at - token.created_at).total_seconds() / 86400)
        assert days in (7, 30, 90), (token.name, days)
        assert 0 < len(token.name) <= 100 and token.name.strip(), token.name


def test_revoking_your_own_token_answers_within_its_schema(api_schema, worker_token, people):
    _, secret = worker_token
    spare, _ = make_token(people["social.worker"], "spare")
    case = api_schema["/api/v1/tokens/{token_id}/revoke/"]["POST"].Case(
        path_parameters={"token_id": spare.pk}
    )
    response = case.call_and_validate(checks=CHECKS, headers=bearer(secret))
    assert response.status_code == 200
    assert response.json()["state"] == "Revoked"
    spare.refresh_from_db()
    assert spare.revoked_at is not None


def session_cookies_in_schema(schema) -> set[str]:
    schemes = schema.raw_schema.get("components", {}).get("securitySchemes", {})
    return {
        scheme["name"]
        for scheme in schemes.values()
        if scheme.get("type") == "apiKey" and scheme.get("in") == "cookie"
    }


def test_the_schema_documents_the_errors_the_api_answers(api_schema, settings):
    missing = []
    if settings.SESSION_COOKIE_NAME not in session_cookies_in_schema(api_schema):
        missing.append(f"securitySchemes: the session cookie {settings.SESSION_COOKIE_NAME}")
    for operation in operations(api_schema):
        documented = set(operation.responses.status_codes)
        expected = {"401", "429"} | EXPECTED.get(operation.label, set())
        missing += [f"{operation.label}: {status}" for status in sorted(expected - documented)]
        missing += [
            f"{operation.label}: minimum for {name}"
            for name in unbounded_path_parameters(operation)
        ]
    body = api_schema["/api/v1/tokens/"]["POST"].definition.raw["requestBody"]
    token_request = body["content"]["application/json"]["schema"]
    if "$ref" in token_request:
        name = token_request["$ref"].rsplit("/", 1)[-1]
        token_request = api_schema.raw_schema["components"]["schemas"][name]
    if token_request.get("additionalProperties") is not False:
        missing.append(f"{TOKENS}: additionalProperties false (unknown fields are refused)")
    assert not missing, missing


def test_an_unknown_field_in_a_new_token_is_refused(client, people, settings):
    person = people["social.worker"]
    client.force_login(person)
    verify_second_factor(client, person)
    response = client.post(
        "/api/v1/tokens/", {"name": "x", "days": 7, "dayz": 30}, content_type="application/json"
    )
    assert errors(response) == {"dayz": ["Unknown field."]}
    assert not ApiToken.objects.filter(person=person).exists()


# --- b) no credentials, or a dead token: 401 for every operation -----------------------------


@pytest.fixture
def dead_credentials(people):
    """Authorization headers that must not get anyone in, by name."""
    worker = people["social.worker"]
    expired, expired_secret = make_token(worker, "expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked, revoked_secret = make_token(worker, "revoked")
    revoke_token(worker, revoked.pk)
    return {
        "none": {},
        "expired token": bearer(expired_secret),
        "revoked token": bearer(revoked_secret),
        "unknown token": bearer("sgh_00000000_" + "x" * 43),
        "no token after Bearer": {"Authorization": "Bearer"},
    }


@pytest.mark.parametrize(
    "credentials",
    ["none", "expired token", "revoked token", "unknown token", "no token after Bearer"],
)
def test_every_operation_refuses_a_request_without_live_credentials(
    api_schema, wsgi_app, worker_token, dead_credentials, credentials
):
    token, _ = worker_token
    headers = dead_credentials[credentials]
    refused = []

    def assert_refused(label, response):
        if response.status_code != 401:
            refused.append(f"{label}: {response.status_code} {response.text_lossy()[:200]}")
        elif response.headers.get("www-authenticate") != ['Bearer realm="api"']:
            refused.append(f"{label}: 401 without the Bearer challenge")

    client = schemathesis.python.wsgi.get_client(wsgi_app)
    schema_response = client.get(SCHEMA_URL, headers=headers)
    assert schema_response.status_code == 401, schema_response.get_data(as_text=True)[:200]

    for operation in operations(api_schema):
        # Valid requests, aimed at the person's own token, so that any gap would succeed.
        own = {"token_id": token.pk} if "{token_id}" in operation.path else {}

        @given(case=operation.as_strategy(path_parameters=own))
        @hypothesis_settings(FUZZ, max_examples=3)
        def run(case):
            # Only the credentials under test: none that schemathesis generated itself.
            case.headers = {
                name: value
                for name, value in case.headers.items()
                if name.lower() not in ("authorization", "cookie")
            }
            case.cookies = {}
            response = case.call(headers=headers)
            assert "Authorization" not in headers or (
                response.request.headers["Authorization"] == headers["Authorization"]
            )
            assert_refused(case.operation.label, response)

        run()
    assert not refused, "\n".join(refused)
    token.refresh_from_db()
    assert token.revoked_at is None


# --- c) someone else's token is not found ----------------------------------------------------


def test_revoking_another_persons_token_is_not_found(api_schema, worker_token, people):
    _, secret = worker_token
    theirs, their_secret = make_token(people["police.officer"], "theirs")
    case = api_schema["/api/v1/tokens/{token_id}/revoke/"]["POST"].Case(
        path_parameters={"token_id": theirs.pk}
    )
    response = case.call_and_validate(checks=CHECKS, headers=bearer(secret))
    assert response.status_code == 404
    assert problem_content_type(response)
    assert response.json() == problems.body(404, "No such token")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    # And it still works for its owner.
    me = api_schema["/api/v1/me/"]["GET"].Case().call(headers=bearer(their_secret))
    assert me.status_code == 200
    assert me.json()["username"] == "police.officer"


# --- d) a token cannot make tokens -----------------------------------------------------------


def test_a_token_cannot_make_tokens(api_schema, worker_token, people):
    _, secret = worker_token
    before = ApiToken.objects.count()
    case = api_schema["/api/v1/tokens/"]["POST"].Case(body={"name": "from a token", "days": 7})
    response = case.call_and_validate(checks=CHECKS, headers=bearer(secret))
    assert response.status_code == 403
    assert problem_content_type(response)
    assert response.json() == problems.body(
        403, "Make tokens from a signed-in session, not with a token."
    )
    assert ApiToken.objects.count() == before

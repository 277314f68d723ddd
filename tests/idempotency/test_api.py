"""`Idempotency-Key` on the API's POSTs that create something: a repeat gets the first
answer and records nothing; the key with another body is refused; keys are each person's
own; after 24 hours a key is forgotten."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Entry
from idempotency.models import Claim
from idempotency.services import forget_expired, run_once
from tests.at_once import at_once
from tests.cases.api_helpers import entry
from tests.idempotency.test_forms import signed_in_client

KEY = "3f1c7a52-0d7e-4c1e-9a55-entry-1"


def send(client, url, body, key=KEY):
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def case(open_case_for, share):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    return case


@pytest.fixture
def worker(sign_in, case):
    """The social worker's signed-in client, and the address of her case's entries."""
    return sign_in("social.worker"), reverse("api-case-entries", args=[case.pk])


@pytest.mark.django_db
def test_the_same_key_twice_gives_the_first_answer_and_one_entry(worker, case):
    client, url = worker
    body = entry(text="Seen with an older man")
    first = send(client, url, body)
    second = send(client, url, body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert case.entries.filter(text="Seen with an older man").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(worker, case):
    client, url = worker
    send(client, url, entry(text="First"))
    refused = send(client, url, entry(text="Second"))
    assert refused.status_code == 422
    assert "used for another request" in refused.json()["detail"]
    assert not case.entries.filter(text="Second").exists()


@pytest.mark.django_db
def test_keys_are_each_persons_own(sign_in, client, case):
    url = reverse("api-case-entries", args=[case.pk])
    assert send(sign_in("social.worker"), url, entry(text="Same key")).status_code == 201
    client.logout()
    assert send(sign_in("police.officer"), url, entry(text="Same key")).status_code == 201
    assert case.entries.filter(text="Same key").count() == 2


@pytest.mark.django_db
def test_an_error_answer_is_not_kept(worker, case):
    client, url = worker
    assert send(client, url, entry(text="")).status_code == 400
    assert send(client, url, entry(text="Corrected")).status_code == 201
    assert case.entries.filter(text="Corrected").count() == 1


@pytest.mark.django_db
def test_a_key_is_forgotten_after_24_hours(worker, case):
    client, url = worker
    send(client, url, entry(text="Once a day"))
    assert forget_expired(timezone.now() + dt.timedelta(hours=23)) == 0
    assert forget_expired(timezone.now() + dt.timedelta(hours=24, seconds=1)) == 1
    assert send(client, url, entry(text="Once a day")).status_code == 201
    assert case.entries.filter(text="Once a day").count() == 2


@pytest.mark.django_db
def test_an_expired_claim_is_forgotten_on_use(people):
    """`run_once` takes the time: a key claimed 25 hours before `now` runs again."""
    person = people["social.worker"].pk
    start = timezone.now()
    runs = []

    def once(now):
        return run_once(
            person, Claim.Kind.API, "k", lambda: runs.append(now) or "ran",
            lambda result: {"status": 201, "body": {}}, lambda earlier: "replayed", now=now,
        )  # fmt: skip

    assert once(start) == "ran"
    assert once(start + dt.timedelta(hours=23)) == "replayed"
    assert once(start + dt.timedelta(hours=25)) == "ran"
    assert runs == [start, start + dt.timedelta(hours=25)]


@pytest.mark.django_db
def test_other_creating_endpoints_honour_the_key(sign_in, case):
    client = sign_in("social.worker")
    url = reverse("api-case-close", args=[case.pk])
    first = send(client, url, {"reason": "Risk reduced; support ended"})
    again = send(client, url, {"reason": "Risk reduced; support ended"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()


@pytest.mark.django_db
def test_every_create_endpoint_documents_the_header(sign_in):
    schema = sign_in("social.worker").get("/api/schema/?format=json").json()
    posts = {
        operation["operationId"]: operation
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method == "post"
    }
    # Not a token: its answer carries the secret, which is shown once and never stored.
    creating = [name for name in posts if name.endswith("_create") and "token" not in name] + [
        "case_close", "case_emergency_access", "case_missing_episode_returned", "contact_rate",
        "contact_decide", "check_answer", "audit_emergency_access_review",
    ]  # fmt: skip
    for name in creating:
        documented = {p["name"] for p in posts[name].get("parameters", [])}
        assert "Idempotency-Key" in documented, name
        assert "422" in posts[name]["responses"], name


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_key_record_once(open_case_for, people):
    case = open_case_for("social.worker")
    url = reverse("api-case-entries", args=[case.pk])
    person = people["social.worker"]
    clients = [signed_in_client(person) for _ in range(2)]
    body = entry(text="At the same moment")
    answers = at_once(clients, lambda client: send(client, url, body))
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Entry.objects.filter(case=case, text="At the same moment").count() == 1

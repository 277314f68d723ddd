"""The database itself refuses to change or remove audit events."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import Action, Event
from audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return record(Action.SIGN_IN, detail={"how": "test"})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'sign_out' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
        "TRUNCATE audit_event",
        "TRUNCATE audit_event CASCADE",
    ],
)
def test_raw_sql_cannot_change_or_remove_an_event(event, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk] if "%s" in statement else None)
    assert Event.objects.get(pk=event.pk).action == Action.SIGN_IN


def test_replica_mode_does_not_switch_the_refusal_off(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


def test_the_orm_cannot_change_an_event_either(event):
    event.action = Action.SIGN_OUT
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()


def test_an_event_copies_who_did_it(people, rf):
    request = rf.get("/", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="192.0.2.7")
    request.request_id = "abc123def456"
    request.user = people["police.officer"]
    saved = record(Action.SIGN_IN, request=request)
    assert saved.actor_username == "police.officer"
    assert saved.actor_agency == "Norfolk Constabulary"
    assert saved.actor_agency_id == people["police.officer"].agency_id
    assert saved.client_address == "192.0.2.7"
    assert saved.user_agent == "Firefox"
    assert saved.request_id == "abc123def456"


def test_the_client_address_is_remote_addr_unless_proxies_are_trusted(rf, settings):
    from audit.services import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.5"
    settings.TRUSTED_PROXY_COUNT = 1
    # The entry our proxy appended, not the one the client wrote itself.
    assert client_address(request) == "192.0.2.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "1.2.3.4"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.5"
    forged = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-address")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(forged) is None

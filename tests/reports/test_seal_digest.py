"""The daily audit seal digest: information-governance officers are emailed the chain's
head and whether the published seal file is intact, once a day however often it runs."""

import datetime as dt
import smtplib
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from audit.sealing import seal_pending
from people.models import Person
from reports.models import SealDigest
from reports.seal_digest import send_seal_digest
from reports.tasks import seal_digest
from safeguarding.celery import app
from safeguarding.uk_time import local
from tests.audit.test_seal import chain, record_events, tamper

pytestmark = pytest.mark.django_db(transaction=True)

IG_OFFICER = "ig.officer@norfolk-childrens.example"


def a_time_to_send() -> dt.datetime:
    """Now, or later today: a time from the digest hour (UK time)."""
    here = local(timezone.now())
    if here.hour < settings.AUDIT_SEAL_DIGEST_HOUR:
        here = here.replace(hour=settings.AUDIT_SEAL_DIGEST_HOUR, minute=30)
    return here


@pytest.fixture
def sealed(partnership):
    """The partnership, and two seals over its events, published."""
    record_events(15)
    seal_pending(max_per_seal=10)
    return chain()


def test_the_officers_are_emailed_the_chain_head_once_a_day(sealed, mailoutbox):
    now = a_time_to_send()
    assert send_seal_digest(now) is True
    [message] = mailoutbox
    head = sealed[-1]
    assert message.to == [IG_OFFICER]
    assert message.subject.endswith(": published file intact")
    assert message.extra_headers["Message-ID"].startswith(
        f"<audit-seal-digest-{local(now).date().isoformat()}@"
    )
    assert f"In the 24 hours before: {len(sealed)} seals (seal 1 to seal {head.number})" in (
        message.body
    )
    assert f"Chain head: seal {head.number}, made " in message.body
    assert f"Hash: {head.hash}" in message.body
    assert f"seals 1 to {head.number} match the chain" in message.body
    # Again the same day, however often: nothing more.
    assert send_seal_digest(now) is False
    assert send_seal_digest(now + dt.timedelta(hours=2)) is False
    assert len(mailoutbox) == 1
    [digest] = SealDigest.objects.all()
    assert (digest.day, digest.recipients, digest.head_hash) == (local(now).date(), 1, head.hash)
    # The next day, the next digest.
    assert send_seal_digest(now + dt.timedelta(days=1)) is True
    assert len(mailoutbox) == 2


def test_only_active_information_governance_officers_are_sent_it(sealed, people, mailoutbox):
    Person.objects.filter(pk=people["mash.manager"].pk).update(
        role=Person.Role.INFORMATION_GOVERNANCE, email="left@norfolk-childrens.example",
        is_active=False,
    )  # fmt: skip
    Person.objects.filter(pk=people["police.mash"].pk).update(
        role=Person.Role.INFORMATION_GOVERNANCE
    )
    send_seal_digest(a_time_to_send())
    [message] = mailoutbox
    assert message.to == [IG_OFFICER, people["police.mash"].email]


def test_nothing_is_sent_before_the_digest_hour(sealed, mailoutbox):
    early = local(a_time_to_send()).replace(hour=settings.AUDIT_SEAL_DIGEST_HOUR - 1, minute=59)
    assert send_seal_digest(early) is False
    assert mailoutbox == []
    assert not SealDigest.objects.exists()


def test_a_published_file_that_disagrees_with_the_chain_is_told(sealed, mailoutbox):
    first = sealed[0]
    tamper("audit_seal", "DELETE FROM audit_seal WHERE last_event_id > %s", [first.last_event_id])
    tamper("audit_event", "DELETE FROM audit_event WHERE id > %s", [first.last_event_id])
    record_events(2)
    seal_pending()
    send_seal_digest(a_time_to_send())
    [message] = mailoutbox
    assert "PROBLEM" in message.subject
    assert f"NOT INTACT: seal 2 was published with hash {sealed[1].hash[:16]}" in message.body
    assert "run `manage.py verify_audit` today" in message.body
    assert SealDigest.objects.get().file_intact is False


def test_a_missing_file_is_told(sealed, published_seals_file, mailoutbox):
    Path(published_seals_file).unlink()
    tamper("audit_seal", "UPDATE audit_seal SET sealed_at = sealed_at - interval '2 hours'")
    send_seal_digest(a_time_to_send())
    [message] = mailoutbox
    assert f"NOT INTACT: the published seal file {published_seals_file} is missing" in (
        message.body
    )


def test_a_digest_the_mail_server_refused_is_sent_by_the_next_run(sealed, monkeypatch, mailoutbox):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    now = a_time_to_send()
    with monkeypatch.context() as down:
        down.setattr(EmailBackend, "send_messages", refuse)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send_seal_digest(now)
    assert not SealDigest.objects.exists(), "the day was taken by a digest never sent"
    # The next run (a minute on, not an hour: from 23:00 an hour on is tomorrow, whose
    # digest is not due till its digest hour).
    assert send_seal_digest(now + dt.timedelta(minutes=1)) is True
    assert len(mailoutbox) == 1


def test_beat_asks_for_the_digest_every_hour_on_the_hour():
    entry = app.conf.beat_schedule["audit-seal-digest"]
    assert entry["task"] == "reports.tasks.send_seal_digest" == seal_digest.name
    assert entry["schedule"] == crontab(minute=0)
    assert app.conf.timezone == "Europe/London"


def test_a_real_worker_sends_the_digest_by_smtp_once_a_day(sealed, start_worker, smtp_receiver):
    start_worker(smtp_receiver.env)
    now = a_time_to_send()
    for _ in range(3):
        seal_digest.apply_async(kwargs={"now": now.isoformat()})
    # One solo worker takes its queue in order: once the next day's digest has arrived,
    # the repeats before it have run.
    seal_digest.apply_async(kwargs={"now": (now + dt.timedelta(days=1)).isoformat()})
    first, second = smtp_receiver.wait_for(2)
    assert first.to == second.to == [IG_OFFICER]
    assert first.message_id.startswith(f"<audit-seal-digest-{local(now).date().isoformat()}@")
    assert "published file intact" in first.subject
    assert len(smtp_receiver.messages) == 2
    assert SealDigest.objects.count() == 2

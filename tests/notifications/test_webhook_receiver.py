"""The webhook receiver README.md shows agencies (issue 23, item 6), run as written against
webhooks signed as the worker signs them: a stored copy once, repeats dropped, and
anything tampered with, signed with another secret or too old refused."""

import json
import re
import time
from pathlib import Path

import pytest

from notifications.models import Notification
from notifications.tasks import sign, webhook_body

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_receiver(stored: list[dict]):
    """`receive` from README.md's Python block that defines it, storing into `stored`."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    [code] = [block for block in blocks if "def receive(" in block]
    space = {"store": stored.append}
    exec(compile(code, "README.md", "exec"), space)  # noqa: S102 - our own README, on purpose
    return space["receive"], space["SECRET"]


@pytest.fixture
def sent(open_case_for, missing):
    case = open_case_for("social.worker")
    missing(case, by="social.worker")
    notification = Notification.objects.filter(kind="missing").first()
    return notification, webhook_body(notification)


def headers(secret: bytes, body: bytes, notification, *, at: float | None = None) -> dict:
    timestamp = str(int(at if at is not None else time.time()))
    return {
        "X-Safeguarding-Timestamp": timestamp,
        "X-Safeguarding-Signature": sign(secret.decode(), timestamp, body),
        "Idempotency-Key": f"notification-{notification.pk}",
    }


def test_the_readme_receiver_stores_a_signed_webhook_once(sent):
    notification, body = sent
    stored: list[dict] = []
    receive, secret = readme_receiver(stored)
    signed = headers(secret, body, notification)
    assert receive(signed, body) == 204
    assert receive(signed, body) == 204  # the same notification again: answered, not stored
    assert stored == [json.loads(body)]
    assert stored[0]["case_id"] == notification.case_id


def test_the_readme_receiver_refuses_what_it_cannot_trust(sent):
    notification, body = sent
    stored: list[dict] = []
    receive, secret = readme_receiver(stored)
    tampered = body.replace(b'"kind":"missing"', b'"kind":"placement"')
    assert tampered != body
    assert receive(headers(secret, body, notification), tampered) == 401
    assert receive(headers(b"another agency's secret", body, notification), body) == 401
    old = headers(secret, body, notification, at=time.time() - 301)
    assert receive(old, body) == 400
    assert receive({"Idempotency-Key": "notification-1"}, body) == 400
    assert stored == []

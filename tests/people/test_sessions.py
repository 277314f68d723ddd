"""Sessions: idle timeout, absolute lifetime, seeing them and ending the others."""

import time

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action
from people.middleware import TOUCHED_AT_KEY
from people.models import SignedInSession
from people.sessions import SIGNED_IN_AT_KEY
from tests.conftest import PASSWORD, events, verify_second_factor

pytestmark = pytest.mark.django_db


def test_sessions_end_after_thirty_idle_minutes():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_TOUCH_SECONDS == 60
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _expiry(person):
    return SignedInSession.objects.get(person=person).expire_date


def test_a_session_is_written_at_most_once_a_minute_and_its_expiry_moves_on(
    sign_in, people, settings
):
    """The idle timeout holds (the expiry moves on as the person works) without an UPDATE
    of the session on every page: only when a minute has passed since the last one."""
    client = sign_in("police.officer")
    person = people["police.officer"]
    renewed = _expiry(person)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tokens")).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert not any("signedinsession" in sql for sql in writes), writes
    assert _expiry(person) == renewed

    session = client.session
    session[TOUCHED_AT_KEY] = time.time() - settings.SESSION_TOUCH_SECONDS - 1
    session.save()
    saved = _expiry(person)
    time.sleep(1.1)  # the expiry is kept to the second
    assert client.get(reverse("tokens")).status_code == 200
    assert _expiry(person) > saved
    assert client.session[TOUCHED_AT_KEY] > time.time() - 5


def test_a_signed_out_visitor_gets_no_session_row(client):
    client.get(reverse("sign-in"))
    client.get(reverse("sign-in"))
    assert not SignedInSession.objects.exists()


def test_an_idle_session_is_gone_after_its_expiry(sign_in, people):
    client = sign_in("police.officer")
    SignedInSession.objects.filter(person=people["police.officer"]).update(
        expire_date="2000-01-01T00:00:00Z"
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_a_busy_session_still_ends_at_its_maximum_lifetime(sign_in, settings):
    client = sign_in("police.officer")
    session = client.session
    session[SIGNED_IN_AT_KEY] = time.time() - settings.SESSION_MAX_HOURS * 3600 - 1
    session.save()
    response = client.get(reverse("tokens"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('sign-in')}?next=%2Faccount%2Ftokens%2F"
    assert client.get(reverse("home")).status_code == 302
    assert events(Action.SESSION_EXPIRED, actor_username="police.officer")


def test_a_person_sees_their_sessions_and_signs_out_every_other(sign_in, people):
    other_browser = Client(HTTP_USER_AGENT="Other browser 1.0", REMOTE_ADDR="192.0.2.77")
    other_browser.post(reverse("sign-in"), {"username": "police.officer", "password": PASSWORD})
    verify_second_factor(other_browser, people["police.officer"])
    assert other_browser.get(reverse("home")).status_code == 200

    client = sign_in("police.officer")
    page = client.get(reverse("sessions")).content.decode()
    assert "Other browser 1.0" in page
    assert "192.0.2.77" in page
    assert "This browser" in page

    response = client.post(reverse("sign-out-everywhere-else"), follow=True)
    assert "Signed out of 1 other session" in response.content.decode()
    assert other_browser.get(reverse("home")).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert events(Action.SIGN_OUT_EVERYWHERE)[0].detail == {"sessions_ended": 1}


def test_the_sessions_page_shows_only_your_own(sign_in, people):
    stranger = Client(HTTP_USER_AGENT="Suffolk laptop")
    stranger.post(reverse("sign-in"), {"username": "suffolk.officer", "password": PASSWORD})
    assert SignedInSession.objects.filter(user_agent="Suffolk laptop").exists()
    page = sign_in("police.officer").get(reverse("sessions")).content.decode()
    assert "Suffolk laptop" not in page


def test_signing_out_everywhere_else_needs_a_post(sign_in):
    assert sign_in("police.officer").get(reverse("sign-out-everywhere-else")).status_code == 405

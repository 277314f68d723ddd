"""Two-factor sign-in: nothing opens before the second factor, set-up, recovery codes."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action
from people.models import Person, SignedInSession
from people.two_factor import replace_recovery_codes
from tests.conftest import PASSWORD, current_code, events

pytestmark = pytest.mark.django_db


def password_only(client, username):
    response = client.post(reverse("sign-in"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_after_the_password_every_page_waits_for_the_second_factor(client, people):
    password_only(client, "police.officer")
    for path in ["/", "/account/sessions/", "/account/tokens/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("sign-in-code")), path


def test_the_api_does_not_accept_a_session_without_the_second_factor(client, people):
    password_only(client, "police.officer")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401


def test_a_wrong_code_is_refused_and_recorded(client, people):
    password_only(client, "police.officer")
    response = client.post(reverse("sign-in-code"), {"code": "000000"})
    page = response.content.decode()
    assert "The code is not right" in page
    assert "govuk-error-summary" in page
    assert client.get("/").status_code == 302
    assert len(events(Action.SECOND_FACTOR_FAILED, actor_username="police.officer")) == 1


def test_a_badly_formed_code_gets_a_clear_message_and_is_kept(client, people):
    password_only(client, "police.officer")
    page = client.post(reverse("sign-in-code"), {"code": "12ab"}).content.decode()
    assert "Enter the code as 6 digits, like 123456" in page
    assert 'value="12ab"' in page


def test_the_right_code_opens_the_service_and_is_recorded(client, people):
    password_only(client, "police.officer")
    code = current_code(people["police.officer"])
    response = client.post(reverse("sign-in-code"), {"code": code, "next": "/account/tokens/"})
    assert response["Location"] == "/account/tokens/"
    assert client.get("/").status_code == 200
    assert len(events(Action.SECOND_FACTOR_VERIFIED, actor_username="police.officer")) == 1


def test_repeated_wrong_codes_slow_down_further_tries(client, people):
    password_only(client, "police.officer")
    for _ in range(3):
        client.post(reverse("sign-in-code"), {"code": "000000"})
    code = current_code(people["police.officer"])
    page = client.post(reverse("sign-in-code"), {"code": code}).content.decode()
    # django-otp's back-off refuses even the right code until the wait is over.
    assert "Too many wrong codes" in page
    assert client.get("/").status_code == 302


def test_a_person_without_an_authenticator_sets_one_up_before_anything_else(
    client, agencies, settings
):
    newcomer = Person.objects.create_user(
        "new.officer", password=PASSWORD, agency=agencies["norfolk_police"]
    )
    response = password_only(client, "new.officer")
    assert response["Location"].startswith(reverse("two-factor-set-up"))
    assert client.get("/").status_code == 302

    page = client.get(reverse("two-factor-set-up")).content.decode()
    assert "<svg" in page  # the QR code, inline
    assert "Safeguarding%20Hub" in TOTPDevice.objects.get(user=newcomer).config_url
    pending = TOTPDevice.objects.get(user=newcomer, confirmed=False)

    wrong = client.post(reverse("two-factor-set-up"), {"code": "000000"}).content.decode()
    assert "The code is not right" in wrong
    time.sleep(1.1)  # django-otp refuses any code for a second after a wrong one

    code = f"{TOTP(pending.bin_key).token():06d}"
    done = client.post(reverse("two-factor-set-up"), {"code": code, "next": "/"})
    page = done.content.decode()
    assert "Save your recovery codes" in page
    codes = StaticDevice.objects.get(user=newcomer).token_set.values_list("token", flat=True)
    assert len(codes) == 10
    assert all(c in page for c in codes)
    assert client.get("/").status_code == 200
    assert len(events(Action.SECOND_FACTOR_ENROLLED, actor_username="new.officer")) == 1
    # Shown once: coming back does not show the codes again.
    assert codes[0] not in client.get(reverse("two-factor-set-up"), follow=True).content.decode()


def test_a_recovery_code_works_once(client, people):
    codes = replace_recovery_codes(people["health.nurse"])
    password_only(client, "health.nurse")
    response = client.post(reverse("sign-in-recovery-code"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert events(Action.RECOVERY_CODE_USED)[0].detail == {"remaining": 9}

    client.post(reverse("sign-out"))
    password_only(client, "health.nurse")
    page = client.post(reverse("sign-in-recovery-code"), {"code": codes[0]}).content.decode()
    assert "not right, or has been used" in page
    assert client.get("/").status_code == 302


def test_the_demo_code_is_shown_only_with_debug_on(client, people, settings):
    password_only(client, "social.worker")
    settings.DEBUG = False
    assert 'data-testid="demo-code"' not in client.get(reverse("sign-in-code")).content.decode()
    settings.DEBUG = True
    before = current_code(people["social.worker"])
    page = client.get(reverse("sign-in-code")).content.decode()
    after = current_code(people["social.worker"])
    assert 'data-testid="demo-code"' in page
    # The code may roll over to the next 30-second step during the request.
    assert before in page or after in page


def test_the_demo_code_is_never_shown_for_a_real_person(client, agencies, settings):
    settings.DEBUG = True
    person = Person.objects.create_user(
        "real.person", password=PASSWORD, agency=agencies["norfolk_police"]
    )
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    password_only(client, "real.person")
    assert 'data-testid="demo-code"' not in client.get(reverse("sign-in-code")).content.decode()


def test_demo_otp_code_prints_the_current_code_only_with_debug(people, settings, capsys):
    settings.DEBUG = True
    call_command("demo_otp_code", "police.mash")
    assert capsys.readouterr().out.strip() == current_code(people["police.mash"])
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("demo_otp_code", "police.mash")


def test_an_agency_admin_resets_a_colleagues_second_factor(sign_in, people, client):
    worker = people["social.worker"]
    other = client.__class__()
    other.force_login(worker)
    assert SignedInSession.objects.filter(person=worker).exists()

    admin = sign_in("admin.ncc")
    response = admin.post(
        reverse("admin:people_person_changelist"),
        {"action": "reset_two_factor", "_selected_action": [worker.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert not SignedInSession.objects.filter(person=worker).exists()
    reset = events(Action.SECOND_FACTOR_RESET)
    assert [(e.actor_username, e.target_id) for e in reset] == [("admin.ncc", str(worker.pk))]


def test_an_agency_admin_cannot_reset_another_agencys_person(sign_in, people):
    officer = people["police.officer"]
    sign_in("admin.ncc").post(
        reverse("admin:people_person_changelist"),
        {"action": "reset_two_factor", "_selected_action": [officer.pk]},
    )
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert events(Action.SECOND_FACTOR_RESET) == []


def test_a_code_works_once_and_the_second_use_says_so(client, people):
    person = people["police.officer"]
    device = TOTPDevice.objects.get(user=person)
    password_only(client, "police.officer")
    code = current_code(person)
    # As if this very code had just signed the officer in elsewhere.
    device.last_t = TOTP(device.bin_key).t()
    device.save()
    page = client.post(reverse("sign-in-code"), {"code": code}).content.decode()
    assert "That code has been used" in page
    assert client.get("/").status_code == 302


def test_the_demo_banner_says_when_its_code_is_spent(client, people, settings):
    settings.DEBUG = True
    device = TOTPDevice.objects.get(user=people["social.worker"])
    # The time step after this one too: on a busy machine the next 30-second step can begin
    # between here and the page (the banner says "used" for any step up to last_t).
    device.last_t = TOTP(device.bin_key).t() + 1
    device.save()
    password_only(client, "social.worker")
    assert "It has just been used" in client.get(reverse("sign-in-code")).content.decode()

"""Two-factor sign-in: an authenticator app (TOTP) and single-use recovery codes.

A person signs in with their password, then proves they hold their second factor before
any page beyond these steps will open (SecondFactorRequiredMiddleware). Someone with no
authenticator yet is taken through setting one up first.
"""

import math
import time

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.actions import Action
from audit.services import record
from people.models import Person, SignedInSession

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


def has_authenticator(person: Person) -> bool:
    return TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def pending_authenticator(person: Person) -> TOTPDevice:
    """The unconfirmed authenticator being set up, made on first visit to set-up."""
    return _authenticator(person, confirmed=False)


def _authenticator(person: Person, *, confirmed: bool) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=person, confirmed=confirmed).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=person, name=AUTHENTICATOR_NAME, confirmed=confirmed
        )
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", title="QR code for your authenticator app"
    )


def manual_key(device: TOTPDevice) -> str:
    """The secret in the base32 groups authenticator apps accept when typed in."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm_authenticator(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a new authenticator with a code from it; return fresh recovery codes.

    Returns None if the code is wrong. On success the person is verified for this session.
    """
    person = request.user
    if not device.verify_token(normalise_code(code)):
        record(Action.SECOND_FACTOR_FAILED, request=request, detail={"method": "set_up"})
        return None
    # One authenticator per person: setting up a new one replaces the old.
    TOTPDevice.objects.filter(user=person).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = replace_recovery_codes(person)
    _verified(request, device, Action.SECOND_FACTOR_ENROLLED)
    return codes


def replace_recovery_codes(person: Person) -> list[str]:
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def verify_code(request: HttpRequest, code: str) -> bool:
    """Check a code from the person's authenticator; on success mark the session verified."""
    person = request.user
    device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
    if device is not None and device.verify_token(normalise_code(code)):
        _verified(request, device, Action.SECOND_FACTOR_VERIFIED)
        return True
    record(Action.SECOND_FACTOR_FAILED, request=request, detail={"method": "authenticator"})
    return False


@transaction.atomic
def verify_recovery_code(request: HttpRequest, code: str) -> bool:
    """Check a recovery code; each works once (django-otp deletes it when it matches)."""
    person = request.user
    device = StaticDevice.objects.filter(user=person, confirmed=True).first()
    if device is not None and device.verify_token(normalise_code(code)):
        remaining = device.token_set.count()
        _verified(request, device, Action.RECOVERY_CODE_USED, {"remaining": remaining})
        return True
    record(Action.SECOND_FACTOR_FAILED, request=request, detail={"method": "recovery_code"})
    return False


@transaction.atomic
def note_refused_code(request: HttpRequest, *, recovery: bool) -> None:
    """A code the request path refused unread (safeguarding.middleware): a wrong code, so
    the authenticator's back-off grows as `verify_code` would have made it."""
    devices = StaticDevice.objects if recovery else TOTPDevice.objects
    device = devices.filter(user=request.user, confirmed=True).first()
    if device is not None:
        device.throttle_increment()
    method = "recovery_code" if recovery else "authenticator"
    record(Action.SECOND_FACTOR_FAILED, request=request, detail={"method": method})


def _verified(request: HttpRequest, device, action: Action, detail: dict | None = None) -> None:
    django_otp.login(request, device)
    # A new session key once fully signed in, so a key seen before this step is useless.
    request.session.cycle_key()
    record(action, request=request, detail=detail)


def seconds_until_codes_accepted(device: TOTPDevice | None) -> int:
    """How long django-otp's back-off refuses codes after a wrong one (0 if it does not)."""
    if device is None:
        return 0
    allowed, details = device.verify_is_allowed()
    locked_until = (details or {}).get("locked_until")
    if allowed or locked_until is None:
        return 0
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def _totp(device: TOTPDevice, drift_offset: int = 0) -> TOTP:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + drift_offset)
    totp.time = time.time()
    return totp


def seconds_until_next_code(device: TOTPDevice) -> int:
    return device.step - int(time.time() - device.t0) % device.step


def was_already_used(device: TOTPDevice | None, code: str) -> bool:
    """True if the code is genuine but spent: each code signs in once (no replay)."""
    if device is None:
        return False
    code = normalise_code(code)
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp = _totp(device, offset)
        if totp.t() <= device.last_t and f"{totp.token():0{device.digits}d}" == code:
            return True
    return False


def authenticator_of(person: Person) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=person, confirmed=True).first()


@transaction.atomic
def reset_second_factor(request: HttpRequest, person: Person) -> None:
    """An agency admin clears a colleague's authenticator and recovery codes (lost phone).

    The person is signed out everywhere and sets up a new authenticator at next sign-in.
    """
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    SignedInSession.objects.filter(person=person).delete()
    record(Action.SECOND_FACTOR_RESET, request=request, target_type="person", target_id=person.pk)


# --- demo only ------------------------------------------------------------------------


def ensure_demo_authenticator(person: Person) -> TOTPDevice:
    """Demo people come with an authenticator already set up (make run stays two commands)."""
    return _authenticator(person, confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{_totp(device).token():0{device.digits}d}"


def code_state(device: TOTPDevice) -> dict:
    """The device's current code, whether it is spent, and seconds until the next one."""
    return {
        "code": current_code(device),
        "used": _totp(device).t() <= device.last_t,
        "next_in": seconds_until_next_code(device),
    }

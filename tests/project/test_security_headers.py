"""Security headers on every page, and Django's deployment checks with production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pages(sign_in):
    client = sign_in("admin.ncc")
    return client, ["/", "/account/sessions/", "/account/tokens/", "/admin/", "/no-such-page/"]


def test_every_page_has_a_strict_content_security_policy(pages):
    client, paths = pages
    for path in [*paths, reverse("sign-in")]:
        csp = client.get(path)["Content-Security-Policy"]
        directives = dict(
            [*part.strip().split(" ", 1), ""][:2] for part in csp.split(";") if part.strip()
        )
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert directives["object-src"] == "'none'", path
        assert directives["base-uri"] == "'none'", path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path


def test_every_page_refuses_framing_sniffing_and_caching(pages):
    client, paths = pages
    for path in paths:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert "camera=()" in response["Permissions-Policy"], path
        assert "no-store" in response["Cache-Control"], path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_hsts_is_sent_over_https(client, settings):
    response = client.get(reverse("sign-in"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"


def production_environment(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="p" + "r0duction-like-k3y-with-many-different-characters-!@#$%^&*()_+",
        ALLOWED_HOSTS="hub.example.org",
        **extra,
    )
    return env


def test_check_deploy_with_production_settings_reports_nothing():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_use_secure_cookies_and_argon2():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME,"
        " s.SECURE_SSL_REDIRECT, s.PASSWORD_HASHERS[0], s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "__Host-sessionid",
        "True",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "False",
    ]


def test_without_a_secret_key_the_app_refuses_to_start():
    env = production_environment()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr

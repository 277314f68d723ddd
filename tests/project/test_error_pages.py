"""The production error pages (DEBUG off) carry the same security headers as every other
page, and the sign-in steps keep their secrets out of a DEBUG error page."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from safeguarding import urls as site_urls

pytestmark = pytest.mark.django_db


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


# This module is the URLconf for these tests: the site's pages, one that fails, and the
# site's own error handlers.
urlpatterns = [path("boom/", boom), *site_urls.urlpatterns]
handler404 = site_urls.handler404
handler500 = site_urls.handler500


def assert_secure_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.urls("tests.project.test_error_pages")
def test_the_500_page_carries_the_security_headers(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert_secure_headers(response)


class FailingMiddleware:
    """Stands for a failure before the view (the database gone while the session's person
    is loaded): Django makes the 500 page at this layer, not around the view."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise RuntimeError("the database went away")


def test_a_500_from_a_failure_before_the_view_carries_the_security_headers(settings):
    settings.DEBUG = False
    where = settings.MIDDLEWARE.index("people.middleware.SessionLifetimeMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:where],
        "tests.project.test_error_pages.FailingMiddleware",
        *settings.MIDDLEWARE[where:],
    ]
    response = Client(raise_request_exception=False).get("/sign-in/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert_secure_headers(response)


@pytest.mark.urls("tests.project.test_error_pages")
def test_the_404_page_carries_the_security_headers(settings, sign_in):
    settings.DEBUG = False
    for client in (Client(), sign_in("police.officer")):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert_secure_headers(response)


@pytest.mark.parametrize("name", ["sign-in", "sign-in-code", "sign-in-recovery-code"])
def test_the_sign_in_steps_mark_their_secrets_sensitive(client, people, name):
    from django.urls import reverse

    client.force_login(people["police.officer"])
    response = client.post(reverse(name), {"password": "x", "code": "123456"})
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"

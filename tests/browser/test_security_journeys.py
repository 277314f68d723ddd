"""Two-factor set-up, API tokens, sessions and the admin, in a real browser under the CSP."""

import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from people.models import Person
from tests.browser.conftest import axe_violations, describe, sign_in_as
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_violations(page):
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_a_new_person_sets_up_an_authenticator_and_gets_recovery_codes(page, agencies):
    Person.objects.create_user("new.nurse", password=PASSWORD, agency=agencies["norfolk_hospital"])
    sign_in_as(page, "new.nurse", second_factor=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".app-qr-code svg")).to_be_visible()
    no_violations(page)

    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator(".app-manual-key").inner_text().replace(" ", "")
    from base64 import b32decode

    code = f"{TOTP(b32decode(key)).token():06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is set up")).to_be_visible()
    expect(page.locator(".app-recovery-codes li")).to_have_count(10)
    no_violations(page)
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, new.nurse")


def test_a_wrong_code_keeps_the_person_on_the_code_page_with_an_error(page, people):
    sign_in_as(page, "police.officer", second_factor=False)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    # Before the second factor the menu offers nothing that would not open.
    expect(page.get_by_role("link", name="API tokens")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    no_violations(page)


def test_a_person_makes_and_revokes_an_api_token(page, people):
    sign_in_as(page, "police.officer")
    page.get_by_role("link", name="API tokens").click()
    no_violations(page)
    page.get_by_label("Name").fill("Force case system")
    page.get_by_label("7 days").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_test_id("token-secret")).to_have_text(re.compile(r"^sgh_[0-9a-f]{8}_"))
    no_violations(page)
    page.get_by_role("button", name="Revoke Force case system").click()
    expect(page.get_by_text("Token ‘Force case system’ is revoked")).to_be_visible()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()


def test_the_token_form_keeps_what_was_typed_on_an_error(page, people):
    sign_in_as(page, "police.officer")
    page.goto("/account/tokens/")
    page.get_by_label("Name").fill("")
    page.get_by_label("90 days").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    expect(page.get_by_label("90 days")).to_be_checked()


def test_the_sessions_page_lists_this_browser(page, people):
    sign_in_as(page, "health.nurse")
    page.get_by_role("link", name="Your sessions").click()
    expect(page.get_by_text("This browser")).to_be_visible()
    no_violations(page)


def test_an_agency_admin_uses_the_admin_under_the_csp(page, people):
    sign_in_as(page, "admin.ncc")
    page.get_by_role("link", name="Manage people").click()
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("link", name="social.worker")).to_be_visible()
    expect(page.get_by_role("link", name="police.officer")).to_have_count(0)
    page.get_by_role("link", name="social.worker").click()
    expect(page.locator("#id_first_name")).to_have_value("Jo")


def test_the_api_docs_render_under_the_csp_for_a_signed_in_person(page, people):
    sign_in_as(page, "police.officer")
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name=re.compile("Safeguarding Hub API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/children/").first).to_be_visible()

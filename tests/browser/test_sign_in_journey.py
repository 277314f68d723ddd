"""A social worker signs in, sees who they are, and signs out, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_social_worker_signs_in_sees_the_home_page_and_signs_out(page, people):
    sign_in_as(page, "social.worker")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jo")
    expect(page.get_by_role("region", name="Service information")).to_contain_text(
        "Norfolk County Council Children's Services"
    )
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the Safeguarding Hub")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))


def test_a_wrong_password_shows_the_error_summary_and_keeps_the_username(page, people):
    sign_in_as(page, "social.worker", password="not-the-password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a correct username and password")
    # GOV.UK Frontend's JavaScript moves focus to the summary, so a screen reader hears it.
    expect(summary).to_be_focused()
    expect(page.get_by_label("Username")).to_have_value("social.worker")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page).to_have_title(re.compile(r"^Error: "))


def test_the_sign_in_page_has_no_accessibility_violations(page, db):
    page.goto("/sign-in/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_sign_in_page_with_errors_has_no_accessibility_violations(page, people):
    sign_in_as(page, "social.worker", password="wrong")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_home_page_has_no_accessibility_violations(page, people):
    sign_in_as(page, "police.officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Dana")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_govuk_frontend_styles_and_scripts_load(page, db):
    page.goto("/sign-in/")
    # The stylesheet applied (GOV.UK body font) and GOV.UK Frontend's JavaScript started.
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" in font
    expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"

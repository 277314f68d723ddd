"""Names and postcodes as people write them, in a real browser on a narrow phone (320 px),
under the CSP, with axe: a runaway child of no fixed abode is recorded and shown so, found
by another spelling of her name, and a second record under that spelling is warned of.
The names are invented."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def fill_child(page: Page, last_name: str, postcode: str) -> None:
    page.get_by_label("First name").fill("Kaylee")
    page.get_by_label("Last name").fill(last_name)
    page.locator("#id_date_of_birth_day").fill("1")
    page.locator("#id_date_of_birth_month").fill("6")
    page.locator("#id_date_of_birth_year").fill("2011")
    page.get_by_label("Female").check()
    page.get_by_label("Postcode (optional)").fill(postcode)
    page.get_by_label("No", exact=True).check()
    page.get_by_label("What is the concern?").fill("Runs away; seen with older men in cars.")


def test_no_fixed_abode_and_another_spelling_of_the_name_on_a_phone(page: Page, people):
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_as(page, "social.worker")
    page.goto("/children/new/")
    expect(page.get_by_text("For no fixed abode enter ZZ99 3VZ")).to_be_visible()
    fill_child(page, "Smith-Jones", "zz99 3vz")
    page.get_by_role("button", name="Record the child and open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kaylee Smith-Jones")
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="Details").click()
    expect(page.get_by_text("ZZ99 3VZ (no fixed abode)")).to_be_visible()
    no_violations(page)

    page.goto("/children/")
    page.get_by_label("Name or alias").fill("smith jones")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 child found")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Kaylee Smith-Jones")).to_be_visible()
    no_violations(page)

    page.goto("/children/new/")
    fill_child(page, "Smith Jones", "")
    page.get_by_role("button", name="Record the child and open a case").click()
    expect(page.get_by_text("This child may already be recorded")).to_be_visible()
    expect(page.get_by_text(re.compile("Kaylee Smith-Jones, born 1 June 2011"))).to_be_visible()
    expect(page.get_by_label("Last name")).to_have_value("Smith Jones")
    no_violations(page)

"""The MASH journey, in a real browser under the CSP, with axe on every contact page.

A hospital nurse records a contact about a child nobody has recorded; the Norfolk MASH
manager rates it amber and asks the police and the hospital what they hold; the police
answer (part of it restricted); the manager reads the answer, decides on a strategy
discussion, and the case that opens has the whole story on its chronology.
"""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSPITAL = "Norfolk and Norwich University Hospitals NHS Foundation Trust"


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def sign_in_again_as(page: Page, username: str) -> None:
    """Sign out, then in as someone else; a code is spent once used, so wait for a new one."""
    page.get_by_role("button", name="Sign out").click()
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while totp.t() <= device.last_t:
        time.sleep(1)
    sign_in_as(page, username)


def test_a_contact_from_the_hospital_to_a_strategy_discussion(page: Page, partnership):
    # The nurse records a contact about a child nobody has recorded yet.
    sign_in_as(page, "health.nurse")
    page.goto("/contacts/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is the child?")
    no_violations(page)
    page.get_by_label("Name or alias").fill("Robyn Journeychild")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="0 children found")).to_be_visible()
    no_violations(page)
    page.get_by_role("link", name="record a new child with the contact").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A contact about a new child")
    no_violations(page)

    # A mistake first: the form says so and keeps what was typed.
    page.get_by_label("First name").fill("Robyn")
    page.get_by_label("Last name").fill("Journeychild")
    page.locator("#id_date_of_birth_day").fill("12")
    page.locator("#id_date_of_birth_month").fill("5")
    page.locator("#id_date_of_birth_year").fill("2012")
    page.get_by_label("Female").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send the contact to the MASH").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what was reported")
    expect(summary).to_be_focused()
    expect(page.get_by_label("First name")).to_have_value("Robyn")
    expect(page.get_by_label("Where does the child live?")).to_have_value(re.compile(r"\d+"))
    no_violations(page)

    page.get_by_label("What was reported?").fill(
        "Robyn came to A&E with an older man who answered every question for her."
    )
    page.get_by_role("button", name="Send the contact to the MASH").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robyn Journeychild")
    expect(page.get_by_text(re.compile(r"Contact MASH-\d{4}-\d{6} recorded"))).to_be_visible()
    contact_url = page.url
    no_violations(page)
    page.goto("/contacts/")
    expect(page.get_by_role("cell", name="Robyn Journeychild")).to_be_visible()
    no_violations(page)

    # The MASH manager rates it amber (a mistake first) and asks two partners.
    sign_in_again_as(page, "mash.manager")
    page.goto(contact_url)
    expect(page.get_by_test_id("contact-rag")).to_have_text("Not rated")
    no_violations(page)
    page.get_by_role("link", name="Rate the contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate the contact")
    no_violations(page)
    page.get_by_label("Amber").check()
    page.get_by_role("button", name="Save the rating").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the rating")
    expect(page.get_by_label("Amber")).to_be_checked()
    no_violations(page)
    page.get_by_label("Reason for the rating").fill("Possible exploitation; not in danger today.")
    page.get_by_role("button", name="Save the rating").click()
    expect(page.get_by_test_id("contact-rag")).to_have_text("Amber")
    expect(page.get_by_test_id("contact-ratings")).to_contain_text("Possible exploitation")
    no_violations(page)

    page.get_by_role("link", name="Assign the contact").click()
    no_violations(page)
    page.get_by_label("Assign to").select_option(label="Jo Fletcher")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("contact-assigned")).to_have_text("Jo Fletcher")

    page.get_by_role("link", name="Request partner checks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request partner checks")
    no_violations(page)
    page.get_by_label("Norfolk Constabulary (police)").check()
    page.get_by_label(f"{HOSPITAL} (health)").check()
    page.get_by_label("What are you asking them?").fill(
        "What do you hold on Robyn and the adults around her?"
    )
    page.get_by_role("button", name="Request the checks").click()
    expect(
        page.get_by_text(f"Checks requested from Norfolk Constabulary and {HOSPITAL}.")
    ).to_be_visible()
    expect(page.get_by_test_id("partner-check")).to_have_count(2)
    no_violations(page)

    # The police find it in their inbox and answer, part of it restricted.
    sign_in_again_as(page, "police.officer")
    page.goto("/inbox/")
    page.get_by_role("link", name=re.compile("^Answer the check")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What does your agency hold on Robyn Journeychild?"
    )
    expect(page.get_by_test_id("check-child")).to_contain_text("12 May 2012")
    no_violations(page)
    page.get_by_label("What does your agency hold on this child?").fill(
        "Robyn was reported missing twice this year; found with the same man both times."
    )
    page.get_by_label("Restricted part (optional)").fill(
        "The man is a suspect in an open investigation."
    )
    page.get_by_role("button", name="Send the answer to the MASH").click()
    expect(page.get_by_text("Your answer has gone to the Norfolk County Council")).to_be_visible()
    expect(page.get_by_test_id("check-answered")).to_contain_text("reported missing twice")
    no_violations(page)
    page.goto("/checks/")
    expect(page.get_by_role("link", name=re.compile("^See the check"))).to_be_visible()
    no_violations(page)

    # The manager reads the answer, decides, and opens the case.
    sign_in_again_as(page, "mash.manager")
    page.goto(contact_url)
    police = page.get_by_test_id("partner-check").filter(has_text="Norfolk Constabulary")
    expect(police.get_by_test_id("check-answer")).to_contain_text("reported missing twice")
    expect(police).to_contain_text("Restricted: for the MASH only")
    expect(police.get_by_test_id("check-restricted")).to_contain_text("open investigation")
    no_violations(page)
    page.get_by_role("link", name="Decide what happens next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decide what happens next")
    no_violations(page)
    page.get_by_label("Strategy discussion (s.47)").check()
    page.get_by_label("Rationale").fill("Likely significant harm: police hold missing episodes.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(re.compile(r"Decision recorded: Strategy discussion"))).to_be_visible()
    expect(page.get_by_test_id("contact-decision")).to_contain_text("Likely significant harm")
    no_violations(page)
    page.get_by_role("link", name=re.compile(r"^Open case CSE-")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robyn Journeychild")
    chronology = page.locator(".app-chronology")
    expect(chronology).to_contain_text("came to A&E with an older man")
    expect(chronology).to_contain_text("Rated amber")
    expect(chronology).to_contain_text("Norfolk Constabulary answered the MASH check")
    expect(chronology).to_contain_text("MASH decision on")
    expect(chronology).to_contain_text("Strategy discussion (s.47)")
    no_violations(page)

    # The nurse sees the outcome, not what the police said.
    sign_in_again_as(page, "health.nurse")
    page.goto(contact_url)
    expect(page.get_by_test_id("contact-decision")).to_contain_text("Strategy discussion (s.47)")
    expect(page.get_by_text("reported missing twice")).to_have_count(0)
    expect(page.get_by_text("open investigation")).to_have_count(0)
    no_violations(page)

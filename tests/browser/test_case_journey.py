"""The shared case record in a real browser, under the CSP, with axe on every page.

A social worker records a child and shares the case with the police; an officer finds
the child, acknowledges the share and adds intelligence only the police may see; the
social worker does not see it; Suffolk police cannot find the child at all.
"""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTELLIGENCE = "Vehicle AB12 CDE seen collecting her from school twice this week."


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


def test_a_case_is_recorded_shared_acknowledged_and_kept_from_those_without_access(
    page: Page, people
):
    # A social worker records a child and opens a case.
    sign_in_as(page, "social.worker")
    page.goto("/children/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
    no_violations(page)
    page.get_by_role("link", name="Record a new child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a child and open a case")
    no_violations(page)

    # A mistake first: the form says so and keeps what was typed.
    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Okafor")
    page.locator("#id_date_of_birth_day").fill("31")
    page.locator("#id_date_of_birth_month").fill("2")
    page.locator("#id_date_of_birth_year").fill("2011")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Record the child and open a case").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Date of birth must be a real date")
    expect(summary).to_contain_text("Enter what the concern is")
    expect(page.get_by_label("First name")).to_have_value("Nadia")
    expect(page.get_by_label("Female")).to_be_checked()
    no_violations(page)

    page.locator("#id_date_of_birth_day").fill("14")
    page.get_by_label("Known aliases and nicknames (optional)").fill("Nads")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("What is the concern?").fill(
        "Seen getting into cars with older men near the bus station."
    )
    page.get_by_role("button", name="Record the child and open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nadia Okafor")
    expect(page.get_by_text(re.compile(r"Case CSE-\d{4}-\d{6} is open"))).to_be_visible()
    case_url = page.url
    no_violations(page)

    # ...and shares it with the police for a section 47 enquiry.
    page.get_by_role("link", name="Share this case").click()
    no_violations(page)
    page.get_by_label("Agency to share with").select_option(label="Norfolk Constabulary")
    page.get_by_label("View and add to the chronology").check()
    page.get_by_label("Children Act 1989 s.47 (enquiry into significant harm)").check()
    page.get_by_label("Purpose").fill("Strategy discussion tomorrow")
    page.get_by_role("button", name="Share the case").click()
    expect(page.get_by_text("The case is shared with Norfolk Constabulary.")).to_be_visible()
    # Who has access is on the case's "Access and activity" tab.
    page.get_by_role("navigation", name="Case sections").get_by_role(
        "link", name="Access and activity"
    ).click()
    access = page.locator(".govuk-summary-card", has_text="Norfolk Constabulary")
    expect(access).to_contain_text("Norfolk Constabulary")
    expect(access).to_contain_text("Not yet")
    no_violations(page)

    # A police officer finds the child by name...
    sign_in_again_as(page, "police.officer")
    page.goto("/children/")
    page.get_by_label("Name or alias").fill("nadia")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 child found")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Nadia Okafor")).to_be_visible()
    no_violations(page)

    # ...acknowledges the share...
    page.goto("/shares/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shares received")
    no_violations(page)
    page.get_by_role("button", name=re.compile(r"^Acknowledge CSE-")).click()
    expect(page.get_by_text(re.compile(r"You acknowledged CSE-"))).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"by Dana Wells"))).to_be_visible()
    no_violations(page)

    # ...and adds intelligence that only the police may see.
    page.get_by_role("link", name=re.compile(r"^CSE-")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nadia Okafor")
    page.get_by_role("link", name="Add an entry").click()
    no_violations(page)
    page.get_by_label("Category").select_option(label="Intelligence")
    page.get_by_label("What happened").fill(INTELLIGENCE)
    page.get_by_label("Only my agency can see this").check()
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_text("The entry is added to the chronology.")).to_be_visible()
    expect(page.get_by_text(INTELLIGENCE)).to_be_visible()
    expect(page.get_by_text("Restricted to Norfolk Constabulary")).to_be_visible()
    no_violations(page)

    # The social worker sees the acknowledgement, but not the police's restricted entry.
    sign_in_again_as(page, "social.worker")
    page.goto(case_url)
    expect(page.get_by_text("Norfolk Constabulary acknowledged the share")).to_be_visible()
    expect(page.get_by_text(INTELLIGENCE)).to_have_count(0)
    expect(page.get_by_text("Restricted to")).to_have_count(0)
    no_violations(page)

    # Suffolk police cannot find the child, nor open the case by its address.
    sign_in_again_as(page, "suffolk.officer")
    page.goto("/children/")
    page.get_by_label("Name or alias").fill("Nadia")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="0 children found")).to_be_visible()
    expect(page.get_by_text("Okafor")).to_have_count(0)
    no_violations(page)
    response = page.goto(case_url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Nadia")).to_have_count(0)
    no_violations(page)

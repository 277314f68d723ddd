"""Access reports in a real browser, under the CSP, with axe on every page.

An information governance officer opens the access reports, finds the events about a
case, sees the social worker's reading of it and the share it was made under, and marks
reviewed the emergency access a Suffolk officer used on it.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from sharing.services import grant_emergency_access
from tests.browser.conftest import axe_violations, describe, sign_in_as
from tests.conftest import verify_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Found at 2am in Lowestoft; need the history before the interview"
NOTE = "Checked with Suffolk's duty inspector: a genuine out-of-hours emergency."


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_information_governance_sees_who_read_a_case_and_reviews_an_emergency_access(
    page: Page, people, open_case_for, share
):
    case = open_case_for("social.worker", first_name="Nadia", last_name="Okafor")
    share(case, "norfolk_police", "view")
    # The social worker reads the case; the read is recorded with the share it was under.
    worker = Client()
    worker.force_login(people["social.worker"])
    verify_second_factor(worker, people["social.worker"])
    assert worker.get(reverse("case", args=[case.pk])).status_code == 200
    grant_emergency_access(case, people["suffolk.officer"], REASON)

    sign_in_as(page, "ig.officer")
    page.get_by_role("link", name="Access reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access reports")
    no_violations(page)

    # A mistake first: the page says what is wrong and keeps what was typed.
    page.get_by_label("Child’s id").fill("Nadia")
    page.get_by_role("button", name="Find events").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the child’s id as a number, like 123"
    )
    expect(page.get_by_label("Child’s id")).to_have_value("Nadia")
    no_violations(page)

    # Then the events about the case.
    page.get_by_label("Child’s id").fill("")
    page.get_by_label("Case reference").fill(case.reference)
    page.get_by_role("button", name="Find events").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access events")
    read = page.get_by_role("row").filter(has_text="social.worker").filter(has_text="Viewed a case")
    expect(read).to_have_count(1)
    expect(read).to_contain_text(re.compile(r"Under share #\d+ \(manage\)"))
    glass = page.get_by_role("row").filter(has_text="suffolk.officer")
    expect(glass).to_contain_text("Used emergency access")
    expect(page.get_by_role("link", name=re.compile(r"^Download CSV"))).to_be_visible()
    no_violations(page)

    # The emergency access awaits review.
    page.get_by_role("link", name="Back to access reports").click()
    page.get_by_role("link", name="1 emergency access awaiting review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access reviews")
    expect(page.get_by_text(REASON)).to_be_visible()
    no_violations(page)

    # Marking it reviewed without a note is refused, with the error on its own page.
    page.get_by_role("button", name=re.compile(r"^Mark as reviewed")).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a review note")
    no_violations(page)
    page.get_by_label("Review note").fill(NOTE)
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text(re.compile(r"is marked reviewed"))).to_be_visible()
    expect(page.get_by_test_id("awaiting-count")).to_have_text("None awaiting review.")
    expect(page.get_by_text(NOTE)).to_be_visible()
    no_violations(page)

"""Linking a vehicle of concern to a case in a real browser (issue 20, item 1): the kind
first, then its form; a restricted link is read only by its agency; axe-core is clean."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from links.models import Link
from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_police_link_a_vehicle_that_only_they_can_read(
    page: Page, open_case_for, share, browser, live_server
):
    case = open_case_for("social.worker", first_name="Aimee", last_name="Example")
    share(case, "norfolk_police", "contribute")
    sign_in_as(page, "police.officer")
    page.goto(f"/cases/{case.pk}/links/")
    page.get_by_role("link", name="Link someone or something").click()
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))
    page.get_by_label("Vehicle").check()
    page.get_by_role("button", name="Continue").click()
    seen = timezone.localdate() - dt.timedelta(days=2)
    page.get_by_label("Registration").fill("ab12 cde")
    page.get_by_label("Colour").fill("Silver")
    page.get_by_label("Day").fill(str(seen.day))
    page.get_by_label("Month").fill(str(seen.month))
    page.get_by_label("Year").fill(str(seen.year))
    page.get_by_label("Sighting").check()
    page.get_by_label("Only my agency can see this").check()
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))
    page.get_by_role("button", name="Record the link").click()
    expect(page.get_by_text("The link is recorded.")).to_be_visible()
    expect(page.get_by_test_id("links")).to_contain_text("ab12 cde")
    expect(page.get_by_test_id("links")).to_contain_text("Only your agency")
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))
    assert Link.objects.get(case=case).thing.key == "AB12CDE"

    context = browser.new_context(base_url=live_server.url)
    try:
        council = context.new_page()
        sign_in_as(council, "social.worker")
        council.goto(f"/cases/{case.pk}/links/")
        expect(council.get_by_test_id("links")).to_contain_text("Nothing is linked")
    finally:
        context.close()

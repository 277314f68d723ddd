"""Linking a vehicle of concern to a case in a real browser (issue 20, item 1): the kind
first, then its form; a restricted link is read only by its agency; axe-core is clean."""

import datetime as dt
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from links.models import Link
from notifications.models import Notification
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


def _link_vehicle(page: Page, case_id: int, registration: str, how: str, *, restricted: bool):
    page.goto(f"/cases/{case_id}/links/new/?kind=vehicle")
    seen = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("Registration").fill(registration)
    page.get_by_label("Day").fill(str(seen.day))
    page.get_by_label("Month").fill(str(seen.month))
    page.get_by_label("Year").fill(str(seen.year))
    page.get_by_label(how).check()
    if restricted:
        page.get_by_label("Only my agency can see this").check()
    page.get_by_role("button", name="Record the link").click()
    expect(page.get_by_text("The link is recorded.")).to_be_visible()


def test_a_match_tells_each_side_without_content_and_shows_on_the_chart(
    page: Page, open_case_for, share, browser, live_server, celery_worker
):
    """The issue's journey: police record a vehicle on Aimee's case, restricted to them; the
    social worker records the same registration from a return interview on Tyler's; a real
    worker matches them; each agency's inbox says only that there is a match and whom to
    ask; the police officer, once Tyler's case is shared, sees it on Aimee's chart."""
    aimee = open_case_for("social.worker", first_name="Aimee", last_name="Example")
    tyler = open_case_for("social.worker", first_name="Tyler", last_name="Sample")
    share(aimee, "norfolk_police", "contribute")
    sign_in_as(page, "police.officer")
    _link_vehicle(page, aimee.pk, "AB12 CDE", "Sighting", restricted=True)

    context = browser.new_context(base_url=live_server.url)
    try:
        council = context.new_page()
        sign_in_as(council, "social.worker")
        _link_vehicle(council, tyler.pk, "ab12cde", "Return home interview", restricted=False)
        deadline = time.monotonic() + 30
        while Notification.objects.filter(kind="link_match").count() < 2:
            assert time.monotonic() < deadline, "the worker did not match within 30 s"
            time.sleep(0.2)
        council.goto("/inbox/")
        notice = council.locator("tr", has_text="Another case holds something you linked")
        expect(notice).to_contain_text("Ask Norfolk Constabulary to share")
        expect(notice).not_to_contain_text("Aimee")
        notice.get_by_role("link", name="See what matched and whom to ask").click()
        expect(council.get_by_test_id("ask")).to_contain_text("Norfolk Constabulary")
        expect(council.locator("main")).not_to_contain_text("Aimee")
        expect(council.locator("main")).not_to_contain_text(aimee.reference)
    finally:
        context.close()

    page.goto("/inbox/")
    notice = page.locator("tr", has_text="Another case holds something you linked")
    expect(notice).to_contain_text("Ask Norfolk County Council Children's Services to share")
    expect(notice).not_to_contain_text("Tyler")
    notice.get_by_role("link", name="See what matched and whom to ask").click()
    expect(page.get_by_test_id("our-side")).to_contain_text("AB12 CDE")
    expect(page.locator("main")).not_to_contain_text("Tyler")
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))

    share(tyler, "norfolk_police", "view")  # now the officer may see both
    page.goto(f"/cases/{aimee.pk}/links/")
    chart = page.get_by_test_id("link-chart")
    expect(chart.locator(f'[data-node="case-{tyler.pk}"]')).to_contain_text("Tyler Sample")
    expect(page.get_by_test_id("also-on")).to_contain_text("Tyler Sample")
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))

"""The child's journey in a real browser, on the demo's Jordan Pike (placed twice, missing
three times, still missing now): reached from the case page, readable at 320 and 1280 px
with nothing scrolling sideways, the narrow or the wide drawing shown as the width needs,
axe-core clean, a wrong date explained; screenshots kept to be looked at."""

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case
from safeguarding.demo import build_cases
from tests.browser.conftest import ARTIFACTS, axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "screenshots" / "journey"


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wider = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(0, 5).map(e => `${e.tagName}.${e.className}`)"""
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px: {wider}"


def test_jordans_journey_at_320_and_1280_px(page: Page, partnership):
    build_cases(partnership)  # the demo's cases, for the test's own demo people
    jordan = Case.objects.get(child__first_name="Jordan")
    sign_in_as(page, "police.officer")
    page.goto(f"/cases/{jordan.pk}/")
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="Journey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(jordan.child.full_name)
    expect(page.get_by_role("link", name="Journey")).to_have_attribute("aria-current", "page")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, shown, hidden in [(320, "narrow", "wide"), (1280, "wide", "narrow")]:
        page.set_viewport_size({"width": width, "height": 900})
        picture = page.get_by_test_id(f"journey-{shown}")
        expect(picture).to_be_visible()
        expect(page.get_by_test_id(f"journey-{hidden}")).to_be_hidden()
        expect(page.get_by_role("img", name="The child’s journey from")).to_have_count(1)
        box = picture.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        expect(picture).to_contain_text("still missing")
        table = page.locator(".app-journey__table")
        expect(table.locator("tr[data-kind=placement]")).to_have_count(2)
        expect(table.locator("tr[data-kind=missing]")).to_have_count(3)
        expect(table).to_contain_text("Missing 2 days 4 hours, high risk")
        expect(table).to_contain_text("Strategy discussion with police and school")
        no_sideways_scroll(page)
        assert axe_violations(page) == [], describe(axe_violations(page))
        page.screenshot(path=str(SHOTS / f"jordan-{width}.png"), full_page=True)
        picture.screenshot(path=str(SHOTS / f"jordan-picture-{width}.png"))

    # A wrong date: said at the top and by the field, what was typed kept.
    page.get_by_text("Choose the dates").click()
    page.locator("#id_occurred_from_day").fill("31")
    page.locator("#id_occurred_from_month").fill("2")
    page.locator("#id_occurred_from_year").fill("2025")
    page.get_by_role("button", name="Show these dates").click()
    expect(page.get_by_role("alert")).to_contain_text("From must be a real date")
    expect(page.locator("#id_occurred_from_day")).to_have_value("31")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.set_viewport_size({"width": 320, "height": 900})
    no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "jordan-errors-320.png"), full_page=True)

    # The print for a strategy meeting carries the wide drawing and the table.
    page.goto(f"/cases/{jordan.pk}/print/")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("journey-wide")).to_be_visible()
    expect(page.get_by_test_id("journey-narrow")).to_be_hidden()
    page.emulate_media(media="screen")
    # The journey fits at 320 px (the printed chronology's own table is not this test's).
    journey = page.get_by_test_id("journey").bounding_box()
    assert journey["x"] + journey["width"] <= 320

"""The child at a glance in a real browser (issue 17): on a phone, a tablet and a desktop,
the strip is on the first screen for Jordan (missing now, at high risk) and Aimee (placed
out of area, back from missing, an interview owed), nothing scrolls sideways, and axe
finds no violation, including its best-practice "region" rule (all content in landmarks).
"""

import pytest
from playwright.sync_api import Page, expect

from safeguarding.demo import build_cases
from tests.browser.conftest import AXE, axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [320, 768, 1280]
HEIGHT = {320: 640, 768: 1024, 1280: 800}


def region_violations(page: Page) -> list[dict]:
    """axe's best-practice "region" rule alone (axe_violations runs the WCAG rules)."""
    if page.evaluate("() => typeof axe === 'undefined'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "rule", values: ["region"]}});
            return r.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" "))}));
        }"""
    )


@pytest.fixture
def demo(partnership):
    aimee, jordan, *_ = build_cases(partnership)
    return {"Jordan Pike": jordan, "Aimee Thornton": aimee}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_strip_is_on_the_first_screen_nothing_scrolls_sideways_and_axe_passes(
    page: Page, demo, width: int
):
    page.set_viewport_size({"width": width, "height": HEIGHT[width]})
    sign_in_as(page, "social.worker")
    for name, case in demo.items():
        page.goto(f"/cases/{case.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        strip = page.get_by_role("region", name="At a glance")
        expect(strip).to_be_visible()
        box = strip.bounding_box()
        assert box is not None and box["y"] < HEIGHT[width], (name, width, box)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= page.evaluate("window.innerWidth"), (name, width, scroll)
        violations = axe_violations(page) + region_violations(page)
        assert violations == [], describe(violations)
        # The chronology's filters, opened, fit too.
        page.get_by_text("Filter the chronology").click()
        expect(page.get_by_label("Category")).to_be_visible()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= page.evaluate("window.innerWidth"), (name, width, "filters", scroll)
    # Jordan is missing now, at high risk: said in words at the top of his case.
    page.goto(f"/cases/{demo['Jordan Pike'].pk}/")
    missing = page.locator('[data-flag="missing"]')
    expect(missing).to_contain_text("Missing now")
    expect(missing).to_contain_text("high risk")
    # Aimee is placed in Suffolk, back from missing, with her interview owed.
    page.goto(f"/cases/{demo['Aimee Thornton'].pk}/")
    expect(page.locator('[data-flag="placement"]')).to_contain_text("Suffolk")
    expect(page.locator('[data-flag="missing"]')).to_contain_text("Returned")
    expect(page.locator('[data-flag="interview"]')).to_contain_text("Return home interview")


@pytest.mark.parametrize("width", [320, 1280])
def test_each_tab_of_the_case_reflows_and_passes_axe(page: Page, demo, width: int):
    page.set_viewport_size({"width": width, "height": HEIGHT[width]})
    sign_in_as(page, "social.worker")
    page.goto(f"/cases/{demo['Aimee Thornton'].pk}/")
    tabs = page.get_by_role("navigation", name="Case sections")
    for label in ["Placement and missing", "Details", "Access and activity", "Chronology"]:
        tabs.get_by_role("link", name=label).click()
        expect(tabs.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= page.evaluate("window.innerWidth"), (label, width, scroll)
        violations = axe_violations(page) + region_violations(page)
        assert violations == [], describe(violations)

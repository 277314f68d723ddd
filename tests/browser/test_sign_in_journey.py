"""A social worker signs in, sees who they are, and signs out, in a real browser."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from missing.models import ReturnInterview
from tests.browser.conftest import AXE, axe_violations, describe, sign_in_as

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


def region_violations(page) -> list[dict]:
    """axe's best-practice "region" rule: everything on the page inside a landmark."""
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "rule", values: ["region"]}});
            return r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(" "))}));
        }"""
    )


@pytest.mark.parametrize("width", [320, 1280])
def test_the_home_worklist_reads_well_at_any_width(
    page, people, agencies, make_contact, open_case_for, missing, width
):
    """The social worker's worklist: headings a screen reader can jump between, every item a
    link, no sideways scroll at 320 px, and axe clean, its "region" rule included."""
    from missing.services import record_return
    from triage.services import assign_contact

    contact = make_contact(rag="red", first_name="Wren", last_name="Worklist")
    assign_contact(people["mash.manager"], contact, people["social.worker"])
    back = open_case_for("social.worker", first_name="Ben", last_name="Back", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    record_return(people["police.officer"], missing(back), returned_at=timezone.now(),
                  how_found="Home")  # fmt: skip
    ReturnInterview.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, "social.worker")
    expect(page.get_by_role("heading", level=2, name="Waiting for you")).to_be_visible()
    assigned = page.get_by_role("heading", level=3, name="MASH contacts assigned to you: 1")
    expect(assigned).to_be_visible()
    expect(
        page.get_by_role("link", name=f"Contact {contact.reference}: Wren Worklist")
    ).to_be_visible()
    expect(
        page.get_by_role("heading", level=3, name="Return home interviews due: 1")
    ).to_be_visible()
    expect(page.get_by_text("Overdue").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page) + region_violations(page)
    assert violations == [], describe(violations)
    # axe's rule looks at elements: no loose text straight inside <body> either.
    loose = "[...document.body.childNodes].filter(n => n.nodeType === 3 && n.data.trim())"
    assert page.evaluate(f"{loose}.map(n => n.data)") == []
    # A back link, inside <main> too.
    page.goto(f"/cases/{back.pk}/share/")
    expect(page.locator("main .govuk-back-link")).to_be_visible()
    assert region_violations(page) == []


def test_govuk_frontend_styles_and_scripts_load(page, db):
    page.goto("/sign-in/")
    # The stylesheet applied (GOV.UK body font) and GOV.UK Frontend's JavaScript started.
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" in font
    expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"

"""Exploitation risk by judgement, in a real browser (issue 21): the social worker lowers
Aimee's level, the case keeps it until the team manager agrees; the language prompt, with
and without JavaScript, never blocks; axe-core is clean on the new pages."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import assessments
from cases.models import Entry
from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("phrases"),
]

PROMPTED = "She keeps putting herself at risk with her boyfriend, who is 26."


def fill_assessment(page: Page, level: str, analysis: str) -> None:
    review = timezone.localdate() + dt.timedelta(days=40)
    page.get_by_label("The child has told someone they are being abused or exploited").check()
    page.get_by_label("A trusted adult the child talks to").check()
    page.get_by_label("Your analysis").fill(analysis)
    page.get_by_label(level, exact=True).check()
    page.get_by_label("Why this level").fill("Weighed with the police's part.")
    page.get_by_label("Day").fill(str(review.day))
    page.get_by_label("Month").fill(str(review.month))
    page.get_by_label("Year").fill(str(review.year))


def test_a_lower_level_stands_once_the_team_manager_agrees(
    page: Page, open_case_for, people, browser, live_server
):
    case = open_case_for("social.worker", first_name="Aimee", last_name="Example")
    assessments.record_assessment(
        people["social.worker"], case, harm=["gifts_or_money"], vulnerabilities=[],
        protective=[], child_view="", analysis="Gifts from adults.", level="high",
        rationale="Harm now.", review_by=timezone.localdate() + dt.timedelta(days=20),
    )  # fmt: skip
    sign_in_as(page, "social.worker")
    page.goto(f"/cases/{case.pk}/assessments/")
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))
    page.get_by_role("link", name="Record an assessment").click()
    fill_assessment(page, "Low", "Settled at home; no contact with the adults for a month.")
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_text("The case keeps its level until a team manager")).to_be_visible()
    expect(page.get_by_test_id("pending-lower")).to_contain_text("the case stays high")
    expect(page.get_by_role("button", name="Agree the lower level")).to_have_count(0)

    context = browser.new_context(base_url=live_server.url)
    try:
        manager = context.new_page()
        sign_in_as(manager, "team.manager")
        manager.goto(f"/cases/{case.pk}/assessments/")
        manager.get_by_role("button", name="Agree the lower level").click()
        expect(manager.get_by_text("the case’s exploitation risk is now low")).to_be_visible()
        expect(manager.get_by_test_id("risk-standing")).to_contain_text("agreed by Sam Okoro")
        expect(manager.get_by_test_id("risk-standing")).to_contain_text("Jo Fletcher")
    finally:
        context.close()
    case.refresh_from_db()
    assert case.risk_level == "low"


def test_with_javascript_the_prompt_shows_while_typing_and_the_first_save_goes_through(
    page: Page, open_case_for
):
    case = open_case_for("social.worker", first_name="Typed")
    sign_in_as(page, "social.worker")
    page.goto(f"/cases/{case.pk}/entries/new/")
    page.get_by_label("Category").select_option("concern")
    page.get_by_label("What happened").fill(PROMPTED)
    live = page.get_by_test_id("language-live")
    expect(live).to_contain_text("“put… themselves at risk”")
    expect(live).to_contain_text("“boyfriend”")
    assert axe_violations(page, ("region",)) == [], describe(axe_violations(page, ("region",)))
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_text("The entry is added to the chronology.")).to_be_visible()
    assert Entry.objects.filter(case=case, text=PROMPTED).count() == 1


def test_without_javascript_the_prompt_comes_back_and_saving_again_goes_through(
    browser, live_server, open_case_for
):
    case = open_case_for("social.worker", first_name="Plain")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_as(page, "social.worker")
        page.goto(f"/cases/{case.pk}/entries/new/")
        page.get_by_label("Category").select_option("concern")
        page.get_by_label("What happened").fill(PROMPTED)
        page.get_by_role("button", name="Add the entry").click()
        prompt = page.get_by_test_id("language-prompts")
        expect(prompt).to_contain_text("Nothing is saved yet")
        expect(prompt).to_contain_text("“boyfriend”")
        expect(page.get_by_label("What happened")).to_have_value(PROMPTED)
        assert not Entry.objects.filter(case=case, text=PROMPTED).exists()
        page.get_by_role("button", name="Add the entry").click()
        expect(page.get_by_text("The entry is added to the chronology.")).to_be_visible()
    finally:
        context.close()
    assert Entry.objects.filter(case=case, text=PROMPTED).count() == 1

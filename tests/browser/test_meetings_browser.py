"""The meetings journey in a real browser (issue 22): mash.manager schedules a strategy
discussion for Aimee, police and health attend, Norfolk Constabulary is given an action
due in two working days, the police officer finds it on their home worklist and closes it
with a note, and Aimee's case strip shows it done. axe-core is clean on each page."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from meetings.models import Action
from meetings.services import suggested_due
from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSPITAL = "Norfolk and Norwich University Hospitals NHS Foundation Trust"


def clean(page: Page) -> None:
    found = axe_violations(page, ("region",))
    assert found == [], describe(found)


def test_a_strategy_discussion_gives_the_police_an_action_they_close(
    page: Page, open_case_for, share, agencies, browser, live_server
):
    aimee = open_case_for("social.worker", first_name="Aimee", last_name="Example")
    share(aimee, "norfolk_police", "contribute")
    sign_in_as(page, "mash.manager")
    page.goto(f"/cases/{aimee.pk}/")
    page.get_by_role("link", name="Schedule a meeting about this child").click()
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Time").fill("00:05")
    expect(page.get_by_label("Children to discuss")).to_have_value(aimee.reference)
    expect(page.get_by_label("Norfolk Constabulary")).to_be_checked()  # it shares the case
    page.get_by_label(HOSPITAL).check()
    clean(page)
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_text("The meeting is scheduled.")).to_be_visible()
    expect(page.get_by_test_id("children")).to_contain_text("Aimee Example")

    page.get_by_text("Record who attended").click()
    for agency in ("Norfolk Constabulary", HOSPITAL):
        page.get_by_role("group", name=agency).get_by_label("Attended").check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_test_id("attendance")).to_contain_text("Attended")

    page.get_by_text("Give an agency an action").click()
    page.get_by_label("Which child is it about?").select_option(
        label=f"Aimee Example ({aimee.reference})"
    )
    page.get_by_label("What is to be done").fill("Find the registered keeper of the grey car.")
    page.get_by_label("Which agency will do it?").select_option(label="Norfolk Constabulary")
    due = suggested_due(agencies["norfolk_police"])
    expect(page.locator("#id_action-due_on_day")).to_have_value(str(due.day))
    clean(page)
    page.get_by_role("button", name="Give the action").click()
    expect(page.get_by_text("The action is given to Norfolk Constabulary.")).to_be_visible()
    expect(page.get_by_test_id("meeting-actions")).to_contain_text("registered keeper")
    assert Action.objects.get().due_on == due

    context = browser.new_context(base_url=live_server.url)
    try:
        police = context.new_page()
        sign_in_as(police, "police.officer")
        police.goto("/")
        waiting = police.get_by_test_id("waiting-actions")
        expect(waiting).to_contain_text("registered keeper")
        waiting.get_by_role("link").first.click()
        clean(police)
        police.get_by_role("radio", name="Done").check()
        police.get_by_label("What was done, or why it was dropped").fill(
            "Keeper identified; intelligence report submitted."
        )
        police.get_by_role("button", name="Close the action").click()
        expect(police.get_by_text("The action is marked done.")).to_be_visible()
        police.goto("/")
        expect(police.get_by_test_id("waiting-actions")).to_have_count(0)
    finally:
        context.close()

    page.goto(f"/cases/{aimee.pk}/")
    strip = page.get_by_test_id("at-a-glance")
    expect(strip.locator('[data-flag="actions"]')).to_contain_text("Action done")
    expect(strip.locator('[data-flag="actions"]')).to_contain_text("Norfolk Constabulary")
    clean(page)

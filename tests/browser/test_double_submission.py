"""A real double click on a form that records something records once: with JavaScript the
second submit is stopped, and without it the form's one-time token makes the server record
the repeat once. The first request is slowed (as on a poor connection) so that the second
click lands while it is still on its way."""

import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Entry
from cases.views import chronology
from tests.browser.conftest import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Seen getting into a car outside school."


@pytest.fixture
def slow_entries(monkeypatch):
    """Adding an entry takes 600 ms on the live server (same process, real database)."""
    add_entry = chronology.add_entry

    def slowly(*args, **kwargs):
        time.sleep(0.6)
        return add_entry(*args, **kwargs)

    monkeypatch.setattr(chronology, "add_entry", slowly)


def double_click_add_entry(page: Page, case_id: int, gap_ms: int) -> None:
    page.goto(f"/cases/{case_id}/entries/new/")
    page.get_by_label("Category").select_option("concern")
    # The date and time it happened are filled in with now.
    page.get_by_label("What happened").fill(TEXT)
    button = page.get_by_role("button", name="Add the entry")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(gap_ms)
    page.mouse.click(x, y)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Add an entry to the chronology")


@pytest.mark.parametrize("gap_ms", [50, 400])
def test_a_double_click_on_add_entry_records_one_entry(
    page: Page, open_case_for, slow_entries, gap_ms
):
    case = open_case_for("social.worker")
    sign_in_as(page, "social.worker")
    double_click_add_entry(page, case.pk, gap_ms)
    expect(page.get_by_text(TEXT)).to_have_count(1)
    assert Entry.objects.filter(case=case, text=TEXT).count() == 1


def test_without_javascript_the_token_records_a_double_click_once(
    browser, live_server, open_case_for, slow_entries
):
    case = open_case_for("social.worker")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_as(page, "social.worker")
        double_click_add_entry(page, case.pk, 150)
        expect(page.get_by_text("already recorded when you first sent the form")).to_be_visible()
    finally:
        context.close()
    assert Entry.objects.filter(case=case, text=TEXT).count() == 1


def test_back_then_send_again_records_once(page: Page, open_case_for):
    """The browser's back button fetches the form afresh (a new token) and puts back what
    was typed; sending it again goes to what the first submission recorded. The server's
    clock stands two seconds before a minute turns, and moves on ten before Back: the
    fresh form prefills the next minute in the time the browser does not put back."""
    case = open_case_for("social.worker")
    start = (timezone.now() + dt.timedelta(minutes=1)).replace(second=58, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        sign_in_as(page, "social.worker")
        page.goto(f"/cases/{case.pk}/entries/new/")
        page.get_by_label("Category").select_option("concern")
        page.get_by_label("What happened").fill(TEXT)
        first_token = page.locator("input[name=once]").input_value()
        first_time = page.get_by_label("Time it happened").input_value()
        page.get_by_role("button", name="Add the entry").click()
        expect(page.get_by_text("The entry is added to the chronology.")).to_be_visible()

        clock.shift(dt.timedelta(seconds=10))
        page.go_back()
        expect(page.get_by_label("What happened")).to_have_value(TEXT)
        assert page.locator("input[name=once]").input_value() != first_token
        assert page.get_by_label("Time it happened").input_value() != first_time
        page.get_by_role("button", name="Add the entry").click()
        expect(
            page.get_by_text("You sent this form with the same details a moment ago")
        ).to_be_visible()
    assert Entry.objects.filter(case=case, text=TEXT).count() == 1

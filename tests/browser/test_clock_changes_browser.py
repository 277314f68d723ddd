"""Clock changes in a real browser: a time that happened twice (the clocks went back) is
asked about with two radios and recorded as answered; a time that never happened (the
clocks went forward) is refused; what was typed stays on the form both times."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import Entry
from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Seen getting into a car with two older men outside the station."


def type_entry(page: Page, day: str, month: str, year: str, time: str) -> None:
    page.locator("#id_occurred_on_day").fill(day)
    page.locator("#id_occurred_on_month").fill(month)
    page.locator("#id_occurred_on_year").fill(year)
    page.get_by_label("Time it happened").fill(time)


def test_a_repeated_time_is_asked_about_and_a_skipped_one_refused(page: Page, open_case_for):
    case = open_case_for("social.worker", date_of_birth=dt.date(2010, 5, 1))
    sign_in_as(page, "social.worker")
    page.goto(reverse("entry-new", args=[case.pk]))
    page.get_by_label("Category").select_option("concern")
    page.get_by_label("What happened").fill(TEXT)

    # The clocks went forward at 1am on 29 March 2026: 01:30 never happened.
    type_entry(page, "29", "3", "2026", "01:30")
    page.get_by_role("button", name="Add the entry").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "The clocks went forward at 1am on 29 March 2026: 1:30am did not happen that day. "
        "Give a time before 1am or from 2am."
    )
    expect(page.get_by_label("What happened")).to_have_value(TEXT)
    expect(page.get_by_label("Time it happened")).to_have_value("01:30")

    # The clocks went back at 2am on 25 October 2026: 01:30 happened twice.
    type_entry(page, "25", "10", "2026", "01:30")
    page.get_by_role("button", name="Add the entry").click()
    expect(summary).to_contain_text("1:30am on 25 October 2026 happened twice")
    question = page.get_by_role("group", name="Which 1:30am on 25 October 2026 do you mean?")
    expect(question).to_be_visible()
    assert axe_violations(page) == [], describe(axe_violations(page))
    # The summary's link takes the reader to the question.
    summary.get_by_role("link", name="happened twice").click()
    expect(page.get_by_label("1:30am BST (first time)")).to_be_focused()
    expect(page.get_by_label("What happened")).to_have_value(TEXT)
    assert not Entry.objects.filter(case=case, text=TEXT).exists()

    question.get_by_label("1:30am GMT (second time)").check()
    page.get_by_role("button", name="Add the entry").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The entry is added")
    expect(page.locator(f"#entry-{Entry.objects.get(text=TEXT).pk}")).to_contain_text(
        "25 October 2026 at 1:30am GMT"
    )
    assert Entry.objects.get(text=TEXT).occurred_at == dt.datetime(
        2026, 10, 25, 1, 30, tzinfo=dt.UTC
    )

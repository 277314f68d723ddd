"""The chronology in a real browser: the significant-events view hides the administrative
entries on every page it is paged to, and what others recorded since the reader's last
visit is counted, linked and flagged where it landed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Visit
from cases.services import add_entry
from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_significant_events_hide_the_paperwork_across_pages_and_new_entries_are_flagged(
    page: Page, open_case_for, share, people
):
    case = open_case_for("social.worker", concern="Seen with older men")
    now = timezone.now()
    for number in range(1, 35):
        add_entry(people["social.worker"], case, category="note",
                  occurred_at=now - dt.timedelta(hours=number), text=f"Note number {number}",
                  restricted=False)  # fmt: skip
        if number in (3, 20, 30):
            share(case, {3: "norfolk_police", 20: "norfolk_hospital", 30: "suffolk_police"}[
                number], "view")  # fmt: skip
    sign_in_as(page, "social.worker")
    page.goto(reverse("case", args=[case.pk]))
    chronology = page.locator(".app-chronology")
    expect(chronology).to_contain_text("Shared")  # the paperwork is there

    page.get_by_role("link", name="Show significant events only").click()
    expect(page.get_by_test_id("chronology-view")).to_contain_text(
        "Showing significant events only"
    )
    expect(chronology).not_to_contain_text("Shared")
    expect(chronology).not_to_contain_text("Case opened")
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Next").click()
    expect(page.get_by_test_id("chronology-view")).to_contain_text(
        "Showing significant events only"
    )
    expect(chronology).to_contain_text("Note number 34")
    expect(chronology).not_to_contain_text("Shared")
    expect(chronology).not_to_contain_text("Case opened")
    # The print keeps the view.
    page.get_by_role("link", name="Print the chronology").click()
    expect(page.get_by_test_id("print-view")).to_contain_text("Significant events only")
    expect(page.locator(".app-print__table")).not_to_contain_text("Shared.")

    # The police record something that happened weeks ago; the reader comes back later.
    Visit.objects.filter(case=case).update(seen_at=timezone.now() - dt.timedelta(hours=2))
    add_entry(people["police.officer"], case, category="intelligence",
              occurred_at=now - dt.timedelta(days=20), text="Seen in a red car weeks ago",
              restricted=False)  # fmt: skip
    page.goto(reverse("case", args=[case.pk]))
    expect(page.get_by_test_id("new-count")).to_contain_text(
        "1 entry recorded since your last visit"
    )
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_test_id("new-entries").get_by_role("link", name="Intelligence").click()
    new = page.locator(".app-entry--new")
    expect(new).to_have_count(1)
    expect(new).to_contain_text("Seen in a red car weeks ago")
    expect(new).to_contain_text("New since your last visit")
    expect(new).to_contain_text("20 days after it happened")
    expect(new).to_be_in_viewport()

"""The MASH manager's morning in a real browser, under the CSP, with axe on every page.

mash.manager opens the triage screen, filters the queue by RAG (htmx: in place, the URL
follows so it can be bookmarked), assigns a contact to a colleague in place, opens each
side list and the dashboard. axe-core finds no violations anywhere; the page fixture fails
the test on any console error or CSP violation.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.services import record_screening
from tests.browser.conftest import axe_violations, describe, sign_in_as
from triage.models import Contact
from triage.services import decide_contact, request_checks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIGH_RISK = ["missing", "older_partner", "money_or_gifts", "substance_misuse", "sexual_health"]


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.fixture
def morning(make_contact, open_case_for, missing, people, agencies):
    red = make_contact(rag="red", first_name="Rosa", last_name="Redcontact")
    amber = make_contact(rag="amber", first_name="Ada", last_name="Ambercontact")
    make_contact(rag="green", first_name="Gwen", last_name="Greencontact")
    late = make_contact(first_name="Lily", last_name="Latecontact")
    Contact.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    request_checks(people["mash.manager"], amber, [agencies["norfolk_police"]], "Known?")
    decided = make_contact(rag="amber", first_name="Dee", last_name="Decided")
    decide_contact(people["mash.manager"], decided, "early_help", "Family agreed.")
    case = open_case_for("social.worker", first_name="Mo", last_name="Missing",
                         looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    missing(case)
    record_screening(people["social.worker"], case, indicators=HIGH_RISK, notes="")
    return {"red": red, "amber": amber, "late": late}


def queue_rows(page: Page):
    return page.locator("#triage-results tbody tr")


def test_a_mash_manager_filters_assigns_and_reads_the_dashboard(page: Page, morning, people):
    sign_in_as(page, "mash.manager")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Triage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage")
    expect(queue_rows(page)).to_have_count(4)
    expect(queue_rows(page).first).to_contain_text("Lily Latecontact")
    expect(queue_rows(page).first).to_contain_text("Overdue")
    no_violations(page)

    # Filter with JavaScript: the queue changes in place and the address follows.
    page.evaluate("window.appNotReloaded = true")
    page.get_by_label("RAG rating").select_option("red")
    expect(page).to_have_url(re.compile(r"/triage/\?.*rag=red"))
    expect(queue_rows(page)).to_have_count(1)
    expect(queue_rows(page).first).to_contain_text("Rosa Redcontact")
    assert page.evaluate("window.appNotReloaded") is True
    no_violations(page)

    # Assign in place: the row's own form, the queue redrawn with the same filter.
    reference = morning["red"].reference
    page.get_by_label(f"Assign {reference} to").select_option(label="Jo Fletcher")
    page.get_by_role("button", name=f"Assign {reference}").click()
    expect(page.get_by_text(f"{reference} is now assigned to Jo Fletcher")).to_be_visible()
    expect(queue_rows(page)).to_have_count(1)
    expect(page.get_by_label(f"Assign {reference} to")).to_have_value(
        str(people["social.worker"].pk)
    )
    assert page.evaluate("window.appNotReloaded") is True
    assert Contact.objects.get(pk=morning["red"].pk).assigned_to == people["social.worker"]
    expect(page).to_have_url(re.compile(r"rag=red"))
    no_violations(page)

    # The bookmarked address gives the same queue without JavaScript's help.
    page.reload()
    expect(page.get_by_label("RAG rating")).to_have_value("red")
    expect(queue_rows(page)).to_have_count(1)

    # Each list beside the queue.
    for link, heading, child in [
        (re.compile("missing in the area"), "Children missing in the area", "Mo Missing"),
        (re.compile("return home interviews? due"), "Return home interviews due", None),
        (re.compile("high-risk screening"), "High-risk screenings in the last 7 days",
         "Mo Missing"),
    ]:  # fmt: skip
        page.goto("/triage/")
        page.locator("#triage-side").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        if child:
            expect(page.locator("tbody")).to_contain_text(child)
        no_violations(page)

    # The dashboard: charts with their tables.
    page.goto("/triage/")
    page.get_by_role("link", name="Open the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("img", name="Contacts received per day")).to_be_visible()
    expect(page.get_by_role("img", name="Decisions by outcome")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Decisions by outcome"))).to_contain_text(
        "Early help"
    )
    no_violations(page)

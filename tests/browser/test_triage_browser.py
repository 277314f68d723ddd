"""The MASH manager's morning in a real browser, under the CSP, with axe on every page.

mash.manager opens the triage screen, filters the queue by RAG (htmx: in place, the URL
follows so it can be bookmarked), ticks a contact and assigns it to a colleague in place
(the page's one assign control), opens each
side list and the dashboard. axe-core finds no violations anywhere; the page fixture fails
the test on any console error or CSP violation.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe, sign_in_as
from tests.conftest import scored_screening
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
    scored_screening(case, people["social.worker"], "high", indicators=HIGH_RISK)
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

    # Assign in place: tick the row, choose once for the page, the queue redrawn with the
    # same filter. With nothing ticked, the error summary says so and nothing changes.
    reference = morning["red"].reference
    page.get_by_label("Assign the selected contacts to").select_option(label="Jo Fletcher")
    page.get_by_role("button", name="Assign selected").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the contacts to assign")
    no_violations(page)
    page.get_by_label(f"Select {reference}").check()
    page.get_by_role("button", name="Assign selected").click()
    expect(page.get_by_text(f"{reference} is now assigned to Jo Fletcher")).to_be_visible()
    expect(queue_rows(page)).to_have_count(1)
    expect(queue_rows(page).first.get_by_test_id("assigned-to")).to_have_text("Jo Fletcher")
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


@pytest.fixture
def to_decide(make_contact, people, agencies):
    """An amber contact the police have answered and the hospital has not."""
    from triage.services import answer_check

    contact = make_contact(rag="amber", first_name="Tess", last_name="Todecide")
    checks = request_checks(people["mash.manager"], contact,
                            [agencies["norfolk_police"], agencies["norfolk_hospital"]],
                            "What do you hold?")  # fmt: skip
    police = next(c for c in checks if c.agency == agencies["norfolk_police"])
    answer_check(people["police.officer"], police, "Two call-outs to the address.")
    return contact


def test_deciding_warns_of_an_open_check_closes_it_and_offers_the_share(
    page: Page, to_decide, agencies
):
    """Item 5 of issue 17 in a browser: the warning, closing with a reason, the decision,
    the share form prefilled but for the lawful basis; and undoing an assignment."""
    hospital = agencies["norfolk_hospital"].name
    sign_in_as(page, "mash.manager")
    page.goto("/triage/")
    reference = to_decide.reference
    row = page.locator(f'tr[data-contact="{to_decide.pk}"]')
    expect(row).to_contain_text("Age ")
    expect(row).to_contain_text("1 contact in 12 months")
    page.get_by_label(f"Select {reference}").check()
    page.get_by_label("Assign the selected contacts to").select_option(label="Jo Fletcher")
    page.get_by_role("button", name="Assign selected").click()
    expect(page.get_by_text(f"{reference} is now assigned to Jo Fletcher.")).to_be_visible()
    no_violations(page)
    page.get_by_role("button", name=re.compile(f"Undo.*{reference}")).click()
    expect(
        page.get_by_text(f"Undone: {reference} is not assigned to anyone again.")
    ).to_be_visible()
    assert Contact.objects.get(pk=to_decide.pk).assigned_to is None

    page.goto(f"/contacts/{to_decide.pk}/decide/")
    expect(page.get_by_text("1 partner check is still outstanding")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Checks not yet answered"))).to_contain_text(
        hospital
    )
    no_violations(page)
    page.get_by_role("link", name=f"Close the check asked of {hospital}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Close the check with {hospital}")
    no_violations(page)
    page.get_by_label("Why are you closing the check?").fill("The police answer is enough.")
    page.get_by_role("button", name="Close the check").click()
    expect(page.get_by_text(f"The check with {hospital} is closed.")).to_be_visible()
    expect(page.get_by_text("still outstanding")).to_have_count(0)

    page.get_by_label("Strategy discussion (s.47)").check()
    page.get_by_label("Rationale").fill("Risk of sexual exploitation: s.47 threshold met.")
    page.get_by_role("button", name="Record the decision").click()
    offers = page.get_by_test_id("share-offers")
    expect(offers).to_contain_text("Norfolk Constabulary")
    expect(offers).not_to_contain_text(hospital)
    no_violations(page)
    offers.get_by_role("link", name=re.compile("Norfolk Constabulary")).click()
    expect(page.get_by_label("Agency to share with")).to_have_value(
        str(agencies["norfolk_police"].pk)
    )
    expect(page.get_by_label("View and add to the chronology")).to_be_checked()
    for radio in page.locator('input[name="lawful_basis"]').all():
        expect(radio).not_to_be_checked()
    no_violations(page)
    page.get_by_label(re.compile(r"^Children Act 1989 s\.47")).check()
    page.get_by_label("Purpose").fill("Strategy discussion")
    page.get_by_role("button", name="Share the case").click()
    expect(page.get_by_text("The case is shared with Norfolk Constabulary.")).to_be_visible()
    expect(page.get_by_test_id("share-offers")).to_have_count(0)
    expect(page).to_have_url(re.compile(f"/contacts/{to_decide.pk}/$"))


def test_the_police_mash_manager_finds_the_checks_due_from_the_menu(page: Page, morning):
    sign_in_as(page, "police.mash")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="MASH checks due").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MASH checks due")
    rows = page.get_by_test_id("checks-due").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Ambercontact")
    expect(rows.first).to_contain_text(morning["amber"].reference)
    no_violations(page)

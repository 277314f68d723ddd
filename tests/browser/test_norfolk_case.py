"""The Norfolk case, in a real browser under the CSP, with axe on every page.

Two girls in care were placed in Norfolk and the police were never told. Here a Norfolk
social worker places a child in Suffolk; Suffolk police see it in their inbox (and in the
header's count, which htmx refreshes without a reload), open the case and acknowledge it;
the social worker sees "acknowledged by Suffolk Constabulary" on the chronology.
"""

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def sign_in_again_as(page: Page, username: str) -> None:
    """Sign out, then in as someone else; a code is spent once used, so wait for a new one."""
    page.get_by_role("button", name="Sign out").click()
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while totp.t() <= device.last_t:
        time.sleep(1)
    sign_in_as(page, username)


def fill_moment(page: Page, date_field: str, time_label: str, when: dt.datetime) -> None:
    local = timezone.localtime(when)
    page.locator(f"#id_{date_field}_day").fill(str(local.day))
    page.locator(f"#id_{date_field}_month").fill(str(local.month))
    page.locator(f"#id_{date_field}_year").fill(str(local.year))
    page.get_by_label(time_label).fill(f"{local:%H:%M}")


def unacknowledged(count: int) -> re.Pattern:
    # Chromium puts spaces around the visually hidden parts: "Inbox , 1 unacknowledged".
    return re.compile(rf"^Inbox\s*,\s*{count}\s+unacknowledged\s*$")


def inbox_link(page: Page):
    return page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile("^Inbox")
    )


@pytest.fixture
def norfolk_child(open_case_for, agencies):
    return open_case_for(
        "social.worker", first_name="Kerry", last_name="Norfolkcase", looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
        concern="Placed out of county after a placement breakdown.",
    )  # fmt: skip


def test_the_police_where_a_child_is_placed_are_told_and_say_so(page: Page, norfolk_child, people):
    case_url = f"/cases/{norfolk_child.pk}/"

    # A Norfolk social worker places the child in Suffolk.
    sign_in_as(page, "social.worker")
    page.goto(case_url)
    # The case page leads with the chronology; placements have a tab of their own.
    page.get_by_role("navigation", name="Case sections").get_by_role(
        "link", name="Placement and missing"
    ).click()
    expect(page.get_by_role("heading", name="Placement and missing")).to_be_visible()
    expect(page.get_by_text("No current placement is recorded on this case.")).to_be_visible()
    no_violations(page)
    page.get_by_role("link", name="Record a placement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a placement")
    no_violations(page)

    # A mistake first: the form says so and keeps what was typed.
    page.get_by_label("Placement area").select_option(label="Suffolk")
    page.get_by_label("Address of the placement").fill("The Willows, 4 Example Lane, Ipswich")
    page.get_by_label("Postcode", exact=True).fill("IP1 XYZ")
    page.get_by_label("Children’s home").check()
    fill_moment(page, "started_on", "Time the placement starts",
                timezone.now() - dt.timedelta(hours=1))  # fmt: skip
    page.get_by_role("button", name="Record the placement").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a real postcode, like NR1 3QU")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Address of the placement")).to_have_value(
        "The Willows, 4 Example Lane, Ipswich"
    )
    expect(page.get_by_label("Children’s home")).to_be_checked()
    expect(page.get_by_label("Placement area")).to_have_value(re.compile(r"\d+"))
    no_violations(page)

    page.get_by_label("Postcode", exact=True).fill("IP1 1AA")
    page.get_by_role("button", name="Record the placement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kerry Norfolkcase")
    expect(
        page.get_by_text(
            "Placement in Suffolk recorded. Notified: Suffolk Constabulary and Suffolk County "
            "Council Children's Services."
        )
    ).to_be_visible()
    expect(page.get_by_test_id("current-placement")).to_contain_text("Suffolk")
    no_violations(page)

    # Suffolk police see it in their inbox, and in the count in the header.
    sign_in_again_as(page, "suffolk.officer")
    expect(inbox_link(page)).to_have_accessible_name(unacknowledged(1))
    no_violations(page)
    inbox_link(page).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    row = page.locator("tr", has_text=norfolk_child.reference)
    expect(row).to_contain_text("Child placed in your area")
    expect(row).to_contain_text("Norfolk County Council Children's Services")
    # They may see the case (the child is placed in their area), so the child is named.
    expect(row.get_by_test_id("child-name")).to_have_text("Kerry Norfolkcase")
    no_violations(page)

    # They can open the case.
    row.get_by_role("link", name=norfolk_child.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kerry Norfolkcase")
    expect(page.get_by_test_id("at-a-glance")).to_contain_text("Children’s home in Suffolk")
    expect(page.get_by_test_id("at-a-glance")).to_contain_text("Not acknowledged")
    no_violations(page)
    page.get_by_role("link", name="Placement and missing").click()
    expect(page.get_by_test_id("current-placement")).to_contain_text("Ipswich")
    no_violations(page)

    # They acknowledge it; the count goes.
    page.goto("/inbox/")
    page.get_by_role(
        "button", name=f"Acknowledge child placed in your area for {norfolk_child.reference}"
    ).click()
    expect(
        page.get_by_text(
            f"You acknowledged ‘Child placed in your area’ for case {norfolk_child.reference}"
        )
    ).to_be_visible()
    expect(inbox_link(page)).to_have_accessible_name("Inbox")
    expect(page.locator("tr", has_text=norfolk_child.reference)).to_contain_text("Robin Marsh")
    no_violations(page)

    # The social worker sees, on the chronology, that Suffolk police have taken it in.
    sign_in_again_as(page, "social.worker")
    page.goto(case_url)
    expect(
        page.locator(".app-chronology").get_by_text(
            re.compile("acknowledged by Suffolk Constabulary")
        )
    ).to_be_visible()
    no_violations(page)


def test_the_header_count_refreshes_without_a_reload(page: Page, norfolk_child, people):
    """htmx polls the count every 30 seconds (no inline script: the CSP holds)."""
    from missing.services import report_missing

    page.clock.install()
    sign_in_as(page, "suffolk.officer")
    expect(inbox_link(page)).to_have_accessible_name("Inbox")
    # Suffolk police hold a share on the case, so they are told when the child goes missing.
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    share_case(norfolk_child, people["social.worker"], people["suffolk.officer"].agency,
               "view", LawfulBasis.CA2004_S11, "Child known to Suffolk police")  # fmt: skip
    report_missing(
        people["social.worker"], norfolk_child,
        last_seen_at=timezone.now() - dt.timedelta(hours=1), last_seen_where="Ipswich",
        circumstances="Did not come back.", risk="high",
    )  # fmt: skip
    expect(inbox_link(page)).to_have_accessible_name("Inbox")  # not until the next poll
    page.clock.fast_forward("00:31")
    expect(inbox_link(page)).to_have_accessible_name(unacknowledged(1))
    no_violations(page)


def test_every_placement_and_missing_page_works_in_the_browser_and_passes_axe(
    page: Page, norfolk_child, people, partnership
):
    from missing.services import record_placement

    record_placement(
        people["social.worker"], norfolk_child, area=partnership.areas["suffolk"],
        address="2 Example Road, Ipswich", postcode="IP2 2BB", provider_type="foster_care",
        started_at=timezone.now() - dt.timedelta(days=3),
    )  # fmt: skip
    sign_in_as(page, "social.worker")
    page.goto(f"/cases/{norfolk_child.pk}/missing/")

    # Report missing (a mistake first).
    page.get_by_role("link", name="Report the child missing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report the child missing")
    no_violations(page)
    page.get_by_label("Where was the child last seen?").fill("Ipswich railway station")
    page.get_by_role("button", name="Report missing").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the risk grading")
    expect(page.get_by_label("Where was the child last seen?")).to_have_value(
        "Ipswich railway station"
    )
    no_violations(page)
    fill_moment(page, "last_seen_on", "Time last seen", timezone.now() - dt.timedelta(hours=5))
    page.get_by_label("Circumstances").fill("Did not come back after school.")
    page.get_by_label("High").check()
    page.get_by_role("button", name="Report missing").click()
    expect(
        page.get_by_text(re.compile(r"^The child is reported missing\. Notified: "))
    ).to_be_visible()
    expect(page.get_by_text("Still missing")).to_be_visible()
    no_violations(page)

    # Record the return.
    page.get_by_role("link", name=re.compile("^Record the return")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the child’s return")
    no_violations(page)
    fill_moment(
        page, "returned_on", "Time the child returned", timezone.now() - dt.timedelta(hours=1)
    )
    page.get_by_label("How was the child found?").fill("Found at a friend's flat in Norwich.")
    page.get_by_role("button", name="Record the return").click()
    expect(page.get_by_text(re.compile(r"^The child’s return is recorded\."))).to_be_visible()
    expect(page.get_by_test_id("missing-episodes")).to_contain_text("Due")
    no_violations(page)

    # Record the return home interview.
    page.get_by_role("link", name=re.compile("^Record the interview")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the return home interview")
    no_violations(page)
    fill_moment(page, "held_on", "Time of the interview", timezone.now() - dt.timedelta(minutes=10))
    page.get_by_label("Held", exact=True).check()
    page.get_by_label("Summary to share").fill("She was with a friend; safety plan agreed.")
    page.get_by_role("button", name="Record the interview").click()
    expect(page.get_by_text("The return home interview is recorded.")).to_be_visible()
    expect(page.get_by_test_id("missing-episodes")).to_contain_text("Done")
    no_violations(page)

    # End the placement.
    page.get_by_role("link", name="End the current placement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End the current placement")
    no_violations(page)
    fill_moment(
        page, "ended_on", "Time the placement ended", timezone.now() - dt.timedelta(minutes=5)
    )
    page.get_by_label("Why did the placement end?").fill("Returned to Norfolk.")
    page.get_by_role("button", name="End the placement").click()
    expect(page.get_by_text(re.compile(r"^Placement in Suffolk ended\."))).to_be_visible()
    expect(page.get_by_text("No current placement is recorded on this case.")).to_be_visible()
    no_violations(page)


def test_the_agency_admin_sees_failed_deliveries_and_sets_a_webhook(page: Page, norfolk_child,
                                                                    people, agencies):  # fmt: skip
    from notifications.models import Delivery, DeliveryAttempt, Notification
    from notifications.services import notify

    (notification,) = notify(
        norfolk_child, Notification.Kind.MISSING, 1, f"Case {norfolk_child.reference}: missing",
        people["police.officer"], [agencies["norfolk_childrens"]],
    )  # fmt: skip
    delivery = Delivery.objects.get(notification=notification)
    DeliveryAttempt.objects.create(delivery=delivery, succeeded=False, error="email: refused")
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.FAILED, attempts=1, last_error="email: refused"
    )
    sign_in_as(page, "admin.ncc")
    page.goto("/inbox/")
    no_violations(page)
    page.get_by_role("link", name=re.compile("deliveries that have not arrived")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification deliveries")
    expect(page.get_by_role("cell", name="email: refused")).to_be_visible()
    page.get_by_text("1 attempt").click()
    no_violations(page)

    page.get_by_label("Webhook address (optional)").fill("http://hub.ncc.example/in")
    page.get_by_role("button", name="Save the webhook address").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must start with https://")
    no_violations(page)
    page.get_by_label("Webhook address (optional)").fill("https://hub.ncc.example/in")
    page.get_by_role("button", name="Save the webhook address").click()
    secret = page.get_by_test_id("webhook-secret")
    expect(secret).to_have_text(re.compile(r"^[\w-]{40,}$"))
    no_violations(page)

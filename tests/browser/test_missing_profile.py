"""The missing-from-care profile in a real browser (issue 19): a Norfolk child placed in
Suffolk, with a profile and a photo, goes missing; suffolk.officer opens the notification,
reads the profile with its photo and "places the child goes" list, and records the return.
The social worker records the return home interview; the place it names is offered for the
profile; the compliance report counts it within 72 hours. Under the CSP, axe clean, and
nothing scrolls sideways at 320 px.
"""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from missing.services import record_placement, report_missing
from tests.browser.conftest import axe_violations, describe, sideways_scroll, sign_in_as
from tests.browser.test_norfolk_case import fill_moment, sign_in_again_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_violations(page: Page) -> None:
    violations = axe_violations(page, ("region",))
    assert violations == [], describe(violations)


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), "#505a5f").save(out, "PNG")
    return out.getvalue()


def test_the_police_read_the_profile_with_its_photo_and_record_the_return(
    page: Page, open_case_for, agencies, people, partnership
):
    case = open_case_for(
        "social.worker", first_name="Skye", last_name="Profilecase", looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )  # fmt: skip
    record_placement(
        people["social.worker"], case, area=partnership.areas["suffolk"],
        address="The Willows, 4 Example Lane, Ipswich", postcode="IP1 1AA",
        provider_type="childrens_home", started_at=timezone.now() - dt.timedelta(days=5),
    )  # fmt: skip

    # The social worker writes the profile and adds a photo.
    sign_in_as(page, "social.worker")
    page.goto(f"/cases/{case.pk}/missing/")
    page.get_by_test_id("profile-card").get_by_role("link", name="Write it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the missing-from-care profile")
    no_violations(page)
    page.get_by_label("Physical description").fill("Slim, about 5ft 2in, long dark hair.")
    page.get_by_label("Places the child goes or has been found").fill(
        "Ipswich railway station\nMcDonald’s, Example Street, Norwich"
    )
    page.get_by_label("Associates").fill("“Jay”, older boyfriend, 07700 900123")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_text("The profile is saved.")).to_be_visible()
    page.get_by_role("link", name="Add a photo").click()
    no_violations(page)
    page.get_by_label("Upload a recent photo").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": a_photo()}]
    )
    page.get_by_role("button", name="Add the photo").click()
    expect(page.get_by_text("The photo is added to the profile.")).to_be_visible()
    photo = page.get_by_role("img", name="Photo of Skye Profilecase")
    expect(photo).to_be_visible()
    expect(photo).to_have_js_property("naturalWidth", 120)  # loaded through the check
    no_violations(page)

    # She goes missing, last seen in Suffolk: Suffolk police are given the profile.
    report_missing(
        people["social.worker"], case, last_seen_at=timezone.now() - dt.timedelta(hours=3),
        last_seen_where="Ipswich railway station", last_seen_area=partnership.areas["suffolk"],
        circumstances="Did not come back after school.", risk="high",
    )  # fmt: skip

    sign_in_again_as(page, "suffolk.officer")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile("^Inbox")
    ).click()
    page.get_by_test_id("profile-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing-from-care profile")
    expect(page.get_by_test_id("released")).to_contain_text("Released to Suffolk Constabulary")
    expect(page.get_by_test_id("places")).to_contain_text("Ipswich railway station")
    expect(page.get_by_test_id("places")).to_contain_text("McDonald’s, Example Street")
    expect(page.get_by_test_id("associates")).to_contain_text("07700 900123")
    photo = page.get_by_role("img", name="Photo of Skye Profilecase")
    expect(photo).to_have_js_property("naturalWidth", 120)
    no_violations(page)
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        assert sideways_scroll(page) == "", f"scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 800})

    # Found: the officer records the return from the case's missing tab.
    page.get_by_role("link", name="Back to placement and missing").click()
    page.get_by_role("link", name=re.compile("^Record the return")).click()
    fill_moment(
        page, "returned_on", "Time the child returned", timezone.now() - dt.timedelta(minutes=20)
    )
    page.get_by_label("How was the child found?").fill(
        "Found at Ipswich railway station with an older man; brought back to the home."
    )
    page.get_by_role("button", name="Record the return").click()
    expect(page.get_by_text(re.compile(r"^The child’s return is recorded\."))).to_be_visible()
    # The profile still open to them for the grace period, and it says until when.
    expect(page.get_by_test_id("profile-card")).to_contain_text("Released to your agency")
    no_violations(page)

    # The social worker records the interview; the place it names is offered for the profile.
    sign_in_again_as(page, "social.worker")
    page.goto(f"/cases/{case.pk}/missing/")
    page.get_by_role("link", name=re.compile("^Record the interview")).click()
    no_violations(page)
    page.get_by_label("Held", exact=True).check()
    fill_moment(page, "held_on", "Time of the interview", timezone.now() - dt.timedelta(minutes=5))
    page.get_by_label("Adults who may be exploiting them").check()
    page.get_by_label("Places the child mentioned").fill("A flat above the shops, Example Parade")
    page.get_by_label("The child’s own words").fill("Jay said he would look after me.")
    page.get_by_label("Summary to share").fill("Talked about where she went; safety plan agreed.")
    page.get_by_role("button", name="Record the interview").click()
    expect(
        page.get_by_text(re.compile("The places and people it named are added below"))
    ).to_be_visible()
    places = page.get_by_label("Places the child goes or has been found")
    expect(places).to_have_value(re.compile("A flat above the shops, Example Parade"))
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_test_id("places")).to_contain_text("A flat above the shops, Example Parade")
    no_violations(page)

    # The compliance report counts it as held within 72 hours (Norfolk's own row, in full).
    month = timezone.localdate()
    page.goto(f"/reports/return-interviews/?month={month:%Y-%m}")
    row = page.get_by_role("row", name=re.compile("Norfolk County Council Children's Services"))
    expect(row).to_contain_text("1 (100.0%)")
    no_violations(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert sideways_scroll(page) == "", "the report scrolls sideways at 320 px"

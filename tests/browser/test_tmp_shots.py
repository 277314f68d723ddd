import datetime as dt
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page
from cases.models import Visit
from cases.services import add_entry
from missing.services import report_missing
from tests.browser.conftest import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_shots(page: Page, open_case_for, share, people):
    case = open_case_for("social.worker", concern="Seen with older men")
    now = timezone.now()
    for number in range(1, 30):
        add_entry(people["social.worker"], case, category="note",
                  occurred_at=now - dt.timedelta(hours=number * 5), text=f"Note number {number}",
                  restricted=False)
    share(case, "norfolk_police", "contribute")
    sign_in_as(page, "social.worker")
    page.goto(reverse("case", args=[case.pk]))
    Visit.objects.filter(case=case).update(seen_at=timezone.now() - dt.timedelta(hours=2))
    add_entry(people["police.officer"], case, category="intelligence",
              occurred_at=now - dt.timedelta(days=3), text="Seen in a red car",
              restricted=False)
    report_missing(people["police.officer"], case, last_seen_at=now - dt.timedelta(hours=30),
                   last_seen_where="The park", circumstances="Did not come home.", risk="high")
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(reverse("case", args=[case.pk]))
        page.screenshot(path=f"/tmp/shots/top-{width}.png")
        page.goto(reverse("case", args=[case.pk]) + "#chronology")
        page.screenshot(path=f"/tmp/shots/chron-{width}.png")
        page.locator("#new-entries a").nth(2).click()
        page.screenshot(path=f"/tmp/shots/jump-{width}.png")

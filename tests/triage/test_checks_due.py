"""The partner's MASH screen (triage/views/partner.py): the checks asked of the police force,
by due time, for its MASH manager (police.mash), who until now was refused the triage screen
and saw a practitioner's home. Who else may not is in test_contact_pages_permissions.py."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from tests.conftest import events
from tests.triage.test_screen_pages import text_of
from triage.models import PartnerCheck
from triage.services import answer_check, close_check, request_checks

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[int]:
    return [int(n) for n in re.findall(r'data-check="(\d+)"', response.content.decode())]


@pytest.fixture
def owed(make_contact, people, agencies):
    """Checks asked of Norfolk Constabulary: a red one overdue, an amber one, a green one,
    one answered and one closed; and one asked of Suffolk Constabulary."""
    manager, police = people["mash.manager"], agencies["norfolk_police"]
    made = {}
    for key, rag in [("red", "red"), ("amber", "amber"), ("green", "green"),
                     ("answered", "red"), ("closed", "amber")]:  # fmt: skip
        contact = make_contact(rag=rag, first_name=f"Owed{key.title()}")
        (made[key],) = request_checks(manager, contact, [police], "What do you hold?")
    PartnerCheck.objects.filter(pk=made["red"].pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=30)
    )
    answer_check(people["police.officer"], made["answered"], "Nothing held.")
    close_check(manager, made["closed"], "Not needed any more.")
    suffolk = make_contact(rag="red", first_name="OwedSuffolk")
    (made["suffolk"],) = request_checks(manager, suffolk, [agencies["suffolk_police"]], "?")
    return made


def test_the_force_sees_what_it_owes_soonest_due_first(sign_in, owed):
    response = sign_in("police.mash").get(reverse("checks-due"))
    assert response.status_code == 200
    assert rows_of(response) == [owed["red"].pk, owed["amber"].pk, owed["green"].pk]
    page = text_of(response)
    first = re.search(rf'data-check="{owed["red"].pk}">.*?</tr>', page).group(0)
    assert "Overdue" in first and "30 minutes over" in first  # in words
    assert "OwedRed" in first and "Norfolk County Council Children's Services MASH" in (
        first.replace("&#x27;", "'")
    )
    assert f'href="{reverse("check", args=[owed["red"].pk])}"' in first
    for hidden in ("OwedAnswered", "OwedClosed", "OwedSuffolk"):
        assert hidden not in page
    counts = re.search(r'data-testid="checks-due-counts">(.*?)</ul>', page).group(1)
    # Amber is due in 12 hours, green in 2 working days, red is overdue.
    assert " ".join(re.sub(r"<[^>]+>", "", counts).split()) == (
        "3 outstanding 1 overdue 1 due in the next 24 hours 1 answered in the last 7 days"
    )
    [event] = events(Action.CONTACTS_LISTED, actor_username="police.mash")
    assert event.detail["list"] == "checks_due"
    assert event.detail["checks"] == [owed["red"].pk, owed["amber"].pk, owed["green"].pk]


def test_an_empty_screen_says_so(sign_in, partnership):
    page = text_of(sign_in("police.mash").get(reverse("checks-due")))
    assert "No MASH is waiting for an answer from your agency." in page


def test_the_navigation_and_home_offer_it_to_the_partner_mash_manager_only(sign_in, partnership):
    link = f'href="{reverse("checks-due")}"'
    police_mash = sign_in("police.mash")
    home = text_of(police_mash.get(reverse("home")))
    assert home.count(link) == 2  # the navigation and the home page
    assert f'href="{reverse("triage")}"' not in home
    for username in ("mash.manager", "police.officer", "health.nurse", "social.worker"):
        assert link not in text_of(sign_in(username).get(reverse("home"))), username


def test_the_screen_costs_the_same_for_1_check_or_50(sign_in, make_contact, people, agencies):
    client = sign_in("police.mash")

    def add(count: int) -> None:
        for _ in range(count):
            contact = make_contact(rag="amber")
            request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "?")

    add(1)
    client.get(reverse("checks-due"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("checks-due"))
    add(49)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(reverse("checks-due"))
    assert len(rows_of(response)) == 25
    assert len(one) == len(fifty), [q["sql"][:90] for q in fifty.captured_queries]

"""Changing a case through its pages: adding and amending chronology entries, recording a
screening, closing the case; each form keeps what was typed when something is wrong."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from tests.cases.page_helpers import html, text_of
from tests.conftest import events, scored_screening

pytestmark = pytest.mark.django_db


def entry_form(**changes) -> dict:
    when = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "category": "concern",
        "occurred_on_day": str(when.day),
        "occurred_on_month": str(when.month),
        "occurred_on_year": str(when.year),
        "occurred_time": f"{when:%H:%M}",
        "text": "Missed school and came back with a new phone.",
    }
    return data | changes


# Adding to a case -----------------------------------------------------------------------


def test_adding_a_restricted_entry(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    client = sign_in("police.officer")
    url = reverse("entry-new", args=[case.pk])
    page = text_of(client.get(url))
    assert "Add an entry to the chronology" in page and "Only my agency can see this" in page
    response = client.post(url, entry_form(category="intelligence", restricted="on",
                                           text="Known associate seen"))  # fmt: skip
    assert response.status_code == 302
    entry = case.entries.get(category="intelligence")
    assert (entry.text, entry.restricted, entry.agency.name) == (
        "Known associate seen",
        True,
        "Norfolk Constabulary",
    )
    assert events(Action.ENTRY_ADDED)[-1].detail["restricted"] is True
    assert "The entry is added" in text_of(client.get(response["Location"]))


def test_the_entry_form_refuses_the_future_and_keeps_what_was_typed(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client = sign_in("social.worker")
    url = reverse("entry-new", args=[case.pk])
    page = html(
        client.post(
            url,
            entry_form(
                occurred_on_day=str(tomorrow.day),
                occurred_on_month=str(tomorrow.month),
                occurred_on_year=str(tomorrow.year),
                text="Typed words",
                restricted="on",
            ),
        )
    )
    assert "Date it happened must be today or in the past" in page
    assert "Typed words</textarea>" in page
    assert re.search(r'name="restricted" type="checkbox" value="on"\s+checked', page)
    soon = timezone.localtime() + dt.timedelta(minutes=30)
    if soon.date() == timezone.localdate():
        # Today's date with it: the form's default date is an hour ago (yesterday, just
        # after midnight).
        today = {"occurred_on_day": str(soon.day), "occurred_on_month": str(soon.month),
                 "occurred_on_year": str(soon.year)}  # fmt: skip
        page = html(client.post(url, entry_form(occurred_time=f"{soon:%H:%M}", **today)))
        assert "The time it happened must be in the past" in page
    page = html(client.post(url, entry_form(category="", occurred_time="25:99", text="")))
    for message in ["Select a category", "using the 24-hour clock", "Enter what happened"]:
        assert message in page
    page = html(client.post(url, entry_form(text="x" * 5001)))
    assert "What happened must be 5,000 characters or fewer" in page
    assert 'data-module="govuk-character-count" data-maxlength="5000"' in page
    assert case.entries.filter(category="concern").count() == 0


def test_amending_an_entry_through_its_page(sign_in, open_case_for, people):
    case = open_case_for("social.worker", concern="Met at 9pm")
    original = case.entries.get(category="concern")
    client = sign_in("social.worker")
    url = reverse("entry-amend", args=[case.pk, original.pk])
    form = html(client.get(url))
    assert "Met at 9pm</textarea>" in form
    assert re.search(r'value="concern"\s+selected', form)
    page = html(client.post(url, entry_form(text="Met at 10pm", reason="")))
    assert "Enter why you are amending the entry" in page and "Met at 10pm</textarea>" in page
    response = client.post(url, entry_form(text="Met at 10pm", reason="Time was wrong"))
    assert response.status_code == 302
    amendment = Entry.objects.get(supersedes=original)
    assert (amendment.text, amendment.amendment_reason) == ("Met at 10pm", "Time was wrong")
    again = html(client.post(url, entry_form(text="Met at 11pm", reason="Again")))
    assert "This entry has already been amended. Amend the newest version." in again
    assert Entry.objects.filter(case=case, category="concern").count() == 2


def test_another_agencys_entry_cannot_be_amended(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker", concern="Met at 9pm")
    share(case, "norfolk_police", "contribute")
    original = case.entries.get(category="concern")
    page = html(
        sign_in("police.officer").post(
            reverse("entry-amend", args=[case.pk, original.pk]),
            entry_form(text="Rewritten", reason="Because"),
        )
    )
    assert "Only the agency that recorded an entry can amend it." in page
    assert not Entry.objects.filter(supersedes=original).exists()


def test_scored_screenings_are_history_and_a_new_one_is_gone(sign_in, open_case_for, people):
    """Issue 21: the old screenings read as they were; posting a new one answers 410 with a
    pointer to the assessment, and saves nothing."""
    case = open_case_for("social.worker")
    scored_screening(case, people["social.worker"], "low", indicators=["missing"], notes="First")
    client = sign_in("social.worker")
    url = reverse("screenings", args=[case.pk])
    page = text_of(client.get(url))
    assert "Scored screenings" in page and "First" in page and "Going missing" in page
    response = client.post(url, {"indicators": ["older_partner", "money_or_gifts", "online"]})
    assert response.status_code == 410
    assert reverse("assessment-new", args=[case.pk]) in response.content.decode()
    assert "Scored screenings are no longer recorded" in response.content.decode()
    case.refresh_from_db()
    assert case.risk_level == "low" and case.screenings.count() == 1


def test_closing_a_case(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("case-close", args=[case.pk])
    assert "Enter why you are closing the case" in html(client.post(url, {"reason": ""}))
    assert client.post(url, {"reason": "No further concerns"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.entries.filter(category="case_closed", text__contains="No further").exists()
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "This case was closed on" in page and "Close this case" not in page
    assert client.get(url).status_code == 302

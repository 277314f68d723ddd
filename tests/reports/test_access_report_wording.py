"""Access reports read as words: an empty report says so, people are named, and an event's
detail is a phrase ("filtered by RAG rating red"), never JSON, and always escaped."""

import re
from html import unescape

import pytest
from django.urls import reverse

from audit.models import Action
from audit.services import record
from tests.reports.helpers import signed_in_as, viewed

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_a_report_with_no_results_says_so(world):
    response = signed_in_as("ig.officer").get(reverse("access-events"), {"action": "case_closed"})
    assert response.status_code == 200
    page = text_of(response)
    assert "No events match the filters." in page
    assert "Download CSV" not in page


def test_the_person_is_named_with_their_username_beside(world, people):
    viewed(people["police.officer"], world.amy, via="share", share=world.police_share.pk)
    page = text_of(signed_in_as("ig.officer").get(reverse("access-events")))
    assert "Dana Wells Username police.officer" in page


def test_details_read_as_words_not_json(world, people):
    record(
        Action.TRIAGE_VIEWED,
        actor=people["social.worker"],
        target_type="contact",
        detail={
            "page": "triage",
            "filters": {"rag": "red", "referrer": "3", "state": ""},
            "contacts": [4, 5],
            "invalid": [],
            "colour_of_sky": "<b>blue</b>",
        },
    )
    html = signed_in_as("ig.officer").get(reverse("access-events")).content.decode()
    page = text_of(signed_in_as("ig.officer").get(reverse("access-events")))
    for phrase in ("the triage page", "filtered by RAG rating red, referring agency 3",
                   "contacts: 4, 5", "colour_of_sky: <b>blue</b>"):  # fmt: skip
        assert phrase in page
    assert "<b>blue</b>" not in html and "&lt;b&gt;blue&lt;/b&gt;" in html
    assert "{" not in page.split("Access events", 1)[1].split("Support links")[0]


def test_no_filters_and_reads_say_so(world, people):
    record(
        Action.CASE_LISTED,
        actor=people["social.worker"],
        target_type="case",
        detail={"list": "home", "cases": [], "filters": {}, "page": 2, "rows": 1},
    )
    html = signed_in_as("ig.officer").get(reverse("access-events")).content.decode()
    # PostgreSQL keeps a detail's keys in its own order: each phrase, in any order.
    said = re.search(r">([^<>]*listed the home page worklist[^<>]*)<", html).group(1)
    assert {p.strip() for p in said.split(";")} == {
        "listed the home page worklist", "no cases", "no filters", "page 2", "1 row",
    }  # fmt: skip

"""The case list and the case page: what they show, the chronology's filters and paging,
that what another agency restricted never shows, the printable chronology and the CSV
export, and that HTML typed into a case is shown as text."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.services import add_entry, amend_entry
from people.models import Agency
from sharing.models import Share
from sharing.services import grant_emergency_access
from tests.cases.page_helpers import NHS_NUMBER, html, run_search, text_of
from tests.conftest import events, scored_screening

pytestmark = pytest.mark.django_db


# Cases ----------------------------------------------------------------------------------


def test_the_case_list_shows_the_agencys_cases_and_its_emergency_access(
    sign_in, open_case_for, share, people
):
    shared = open_case_for("social.worker", first_name="Shared")
    share(shared, "norfolk_police")
    open_case_for("social.worker", first_name="Unshared")
    suffolk = open_case_for("suffolk.officer", first_name="Broken", last_name="Glass")
    grant_emergency_access(suffolk, people["police.officer"], "Missing tonight, at risk")
    page = text_of(sign_in("police.officer").get(reverse("cases")))
    assert "1 case shared with your agency" in page
    assert shared.reference in page and "Shared Child" in page
    assert "Norfolk County Council Children's Services" in page
    assert "Not screened" in page
    assert "Unshared" not in page
    assert "Your emergency access" in page and suffolk.reference in page
    listed = events(Action.CASE_LISTED)
    assert [e.detail for e in listed] == [
        {"list": "cases", "page": 1, "cases": [shared.pk], "emergency": [suffolk.pk]}
    ]
    assert "Your emergency access" not in text_of(sign_in("health.nurse").get(reverse("cases")))


def test_the_case_page_shows_the_child_the_case_and_the_chronology(
    sign_in, open_case_for, share, people, agencies
):
    case = open_case_for("social.worker", first_name="Amélie", last_name="Brown",
                         aliases=["Mimi"], concern="Seen with older men",
                         nhs_number=NHS_NUMBER, looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    scored_screening(case, people["social.worker"], "high",
                     indicators=["older_partner", "money_or_gifts", "missing"])  # fmt: skip
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Car seen outside the home",
        restricted=False,
    )
    client = sign_in("mash.manager")
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert f"Case {case.reference}" in page and "Amélie Brown" in page
    # The risk and its screening are at a glance; who the child is, on the Details tab.
    assert "High CSE risk" in page and "From a scored screening" in page and "Jo Fletcher" in page
    assert "Mimi" not in page and "943 476 5919" not in page
    for link in ["Add an entry", "Record an exploitation risk assessment", "Share this case",
                 "Close this case", "Print the chronology",
                 "Download the chronology (CSV)"]:  # fmt: skip
        assert link in page, link
    assert "Who has access" not in page
    details = text_of(client.get(reverse("case-details", args=[case.pk])))
    assert "Mimi" in details and "943 476 5919" in details
    assert "Yes, by Norfolk County Council Children's Services" in details
    assert "From a scored screening" in details and "Jo Fletcher" in details
    access = text_of(client.get(reverse("case-access", args=[case.pk])))
    assert "Who has access" in access and "Norfolk Constabulary" in access
    # Newest first, each agency named on its entries.
    assert page.index("Car seen outside the home") < page.index("Seen with older men")
    assert "CSE screening" in page
    viewed = events(Action.CASE_VIEWED)
    assert [e.detail["view"] for e in viewed] == ["case", "details", "access"]
    assert {e.target_id for e in viewed} == {str(case.pk)}
    lead_share = case.shares.get(agency=case.lead_agency)
    assert viewed[0].detail == {
        "view": "case",
        "page": 1,
        "filters": {"agency": None, "category": "", "from": None, "to": None, "significant": False},
        # Under which share it was read, for the access report.
        "via": "share",
        "share": lead_share.pk,
        "level": "manage",
    }


def test_each_agencys_entries_are_distinguishable_and_links_follow_permission(
    sign_in, open_case_for, share, people
):
    case = open_case_for("social.worker", concern="Seen with older men")
    share(case, "norfolk_police", "view")
    add_entry(
        people["social.worker"],
        case,
        category="note",
        occurred_at=timezone.now(),
        text="Home visit",
        restricted=False,
    )
    page = html(sign_in("police.officer").get(reverse("case", args=[case.pk])))
    assert "app-entry--social_care" in page
    assert 'govuk-tag app-agency-tag govuk-tag--purple">Norfolk County Council' in page
    for absent in ["Add an entry", "Record an exploitation risk assessment", "Share this case",
                   "Close this case", "Who has access", ">Amend<"]:  # fmt: skip
        assert absent not in page, absent
    assert "Print the chronology" in page


def test_restricted_entries_of_another_agency_never_appear(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker", concern="Seen with older men")
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Registration AB12 CDE",
        restricted=True,
    )
    police = text_of(sign_in("police.mash").get(reverse("case", args=[case.pk])))
    assert "Registration AB12 CDE" in police
    assert "Restricted to Norfolk Constabulary" in police

    client = sign_in("social.worker")
    police_id = Agency.objects.get(name="Norfolk Constabulary").pk
    for url, query in [
        (reverse("case", args=[case.pk]), {}),
        (reverse("case", args=[case.pk]), {"agency": police_id}),
        (reverse("case", args=[case.pk]), {"category": "intelligence"}),
        (reverse("case-print", args=[case.pk]), {}),
        (reverse("case-export", args=[case.pk]), {}),
    ]:
        response = client.get(url, query)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        assert b"AB12 CDE" not in body, url
        assert b"Restricted to" not in body, url


def test_amendments_show_both_versions_and_only_the_newest_own_entry_can_be_amended(
    sign_in, open_case_for, share, people
):
    case = open_case_for("social.worker", concern="Met at 9pm")
    share(case, "norfolk_police", "contribute")
    original = case.entries.get(category="concern")
    amended = amend_entry(people["social.worker"], original, text="Met at 10pm",
                          occurred_at=original.occurred_at, category="concern",
                          reason="Time was wrong")  # fmt: skip
    police_entry = add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Seen in town",
        restricted=False,
    )
    page = html(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Met at 9pm" in words and "Met at 10pm" in words
    assert "Superseded by a later entry" in words
    assert "Amended on" in words and "by Jo Fletcher : Time was wrong" in words
    assert reverse("entry-amend", args=[case.pk, amended.pk]) in page
    assert reverse("entry-amend", args=[case.pk, original.pk]) not in page
    assert reverse("entry-amend", args=[case.pk, police_entry.pk]) not in page
    opened = case.entries.get(category="case_opened")
    assert reverse("entry-amend", args=[case.pk, opened.pk]) not in page


def test_the_chronology_filters_by_agency_category_and_date(
    sign_in, open_case_for, share, people, agencies
):
    case = open_case_for("social.worker", concern="Concern today")
    share(case, "norfolk_police", "contribute")
    long_ago = timezone.now() - dt.timedelta(days=400)
    add_entry(
        people["police.officer"],
        case,
        category="missing",
        occurred_at=long_ago,
        text="Reported missing last year",
        restricted=False,
    )
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Intelligence today",
        restricted=False,
    )
    client = sign_in("social.worker")
    url = reverse("case", args=[case.pk])

    police = text_of(client.get(url, {"agency": agencies["norfolk_police"].pk}))
    assert "Intelligence today" in police and "Reported missing" in police
    assert "Concern today" not in police
    assert "2 entries match the filters" in police

    missing = text_of(client.get(url, {"category": "missing"}))
    assert "Reported missing" in missing and "Intelligence today" not in missing

    today = timezone.localdate()
    recent = text_of(client.get(url, {"occurred_from_day": today.day,
                                      "occurred_from_month": today.month,
                                      "occurred_from_year": today.year}))  # fmt: skip
    assert "Reported missing" not in recent and "Intelligence today" in recent

    wrong = html(
        client.get(
            url,
            {
                "agency": "999999",
                "occurred_to_day": "40",
                "occurred_to_month": "1",
                "occurred_to_year": "2020",
            },
        )
    )
    assert "Select an agency from the list" in wrong and "To must be a real date" in wrong
    assert "Reported missing" in wrong  # an invalid filter is left out, not applied
    filters = [e.detail["filters"] for e in events(Action.CASE_VIEWED)]
    assert filters[0]["agency"] == agencies["norfolk_police"].pk
    assert filters[1]["category"] == "missing"
    assert filters[2]["from"] == today.isoformat()


def test_the_chronology_is_paged_and_pages_keep_the_filters(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    start = timezone.now() - dt.timedelta(days=40)
    for day in range(30):
        add_entry(people["social.worker"], case, category="note",
                  occurred_at=start + dt.timedelta(days=day), text=f"Note {day:02d}",
                  restricted=False)  # fmt: skip
    client = sign_in("social.worker")
    url = reverse("case", args=[case.pk])
    first = html(client.get(url, {"category": "note"}))
    assert "?category=note&amp;page=2" in first
    assert "Note 29" in first and "Note 04" not in first
    second = text_of(client.get(url, {"category": "note", "page": 2}))
    assert "Note 04" in second and "Note 00" in second and "Note 29" not in second


def test_html_typed_into_case_fields_is_shown_as_text(sign_in, open_case_for, share, people):
    script = '<script>alert("owned")</script>'
    case = open_case_for("social.worker", first_name=script, last_name=script, aliases=[script],
                         concern=script, address=script, police_reference="<b>x</b>")  # fmt: skip
    police = share(case, "norfolk_police", "contribute")
    Share.objects.filter(pk=police.pk).update(purpose=script)
    add_entry(people["social.worker"], case, category="note",
              occurred_at=timezone.now(), text=f"line one\n{script}", restricted=False)  # fmt: skip
    client = sign_in("social.worker")
    for url, query in [
        (reverse("case", args=[case.pk]), {}),
        (reverse("case-print", args=[case.pk]), {}),
        (reverse("children"), {"name": "alert"}),
        (reverse("cases"), {}),
        (reverse("entry-new", args=[case.pk]), {}),
    ]:
        searched = url == reverse("children")
        page = html(run_search(client, url, query) if searched else client.get(url, query))
        assert script not in page and "<b>x</b>" not in page, url
        assert "&lt;script&gt;" in page, url
    assert script not in html(sign_in("police.officer").get(reverse("shares")))


# Print and export -----------------------------------------------------------------------


def test_the_printable_chronology(sign_in, open_case_for, people):
    case = open_case_for("social.worker", first_name="Amélie", concern="Seen with older men")
    add_entry(
        people["social.worker"],
        case,
        category="missing",
        occurred_at=timezone.now(),
        text="Missing overnight",
        restricted=False,
    )
    client = sign_in("social.worker")
    page = text_of(client.get(reverse("case-print", args=[case.pk]), {"category": "missing"}))
    assert "Chronology of case" in page and "Amélie" in page
    assert "OFFICIAL-SENSITIVE" in page
    assert "Missing overnight" in page and "Seen with older men" not in page
    assert "Category: Missing" in page
    everything = text_of(client.get(reverse("case-print", args=[case.pk])))
    assert "Seen with older men" in everything and "Case opened" in everything
    assert [e.detail["format"] for e in events(Action.CHRONOLOGY_EXPORTED)] == ["print"] * 2
    assert [e.detail["view"] for e in events(Action.CASE_VIEWED)] == ["print"] * 2
    assert events(Action.CHRONOLOGY_EXPORTED)[1].detail["entries"] == 3


def test_the_csv_export_is_the_visible_chronology_with_formulas_defused(
    sign_in, open_case_for, share, people
):
    case = open_case_for("social.worker", concern='=HYPERLINK("http://evil.example")')
    share(case, "norfolk_police", "contribute")
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="@SUM(A1)",
        restricted=False,
    )
    add_entry(
        people["police.officer"],
        case,
        category="intelligence",
        occurred_at=timezone.now(),
        text="Police only",
        restricted=True,
    )
    response = sign_in("social.worker").get(reverse("case-export", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-chronology.csv"'
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:5] == [
        "Entry", "When it happened", "When it happened (ISO 8601)", "Recorded at",
        "Recorded at (ISO 8601)",
    ]  # fmt: skip
    # Said one way for people (4 December 2026 at 3:07pm), and in ISO 8601 for programs.
    for row in rows[1:]:
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}(:\d\d)?[ap]m", row[1]), row[1]
        assert dt.datetime.fromisoformat(row[2]).utcoffset() is not None
    texts = [row[9] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in texts
    assert "'@SUM(A1)" in texts
    assert "Police only" not in body
    # Opened, the concern, the share, the unrestricted intelligence; not the restricted one.
    assert sorted(row[7] for row in rows[1:]) == [
        "Case opened",
        "Concern",
        "Intelligence",
        "Shared",
    ]
    lead_share = case.shares.get(agency=case.lead_agency)
    assert [e.detail for e in events(Action.CHRONOLOGY_EXPORTED)] == [
        {
            "format": "csv",
            "filters": {
                "agency": None,
                "category": "",
                "from": None,
                "to": None,
                "significant": False,
            },
            "via": "share",
            "share": lead_share.pk,
            "level": "manage",
        }
    ]
    assert events(Action.CASE_VIEWED) == []

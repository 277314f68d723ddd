"""The MASH triage screen, its side lists and the dashboard (triage/views/screen.py).

The queue comes soonest-due first with a worded overdue marker; every filter narrows it and
a bad value is explained, not a crash; a row is assigned with a plain POST (back to the
same filtered page) or through htmx (a partial, the side counts swapped out of band); the
side counts match their lists, which show only cases the MASH's agency can see; the
dashboard's figures are right for a small known dataset; and the screen's query count is
the same for one contact or fifty.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.services import open_case
from missing.models import MissingEpisode, ReturnInterview
from missing.services import record_return
from notifications.models import Notification
from tests.conftest import events, scored_screening
from triage import dashboard as mash_dashboard
from triage.models import Contact, PartnerCheck
from triage.services import answer_check, assign_contact, decide_contact, request_checks

pytestmark = pytest.mark.django_db

# The triage screen's queries, whatever the queue holds (see the last test): 9, of which
# one is every count beside the queue (issue 18: it was six or seven) and, with no filter,
# the queue's own count too (a filter adds one query to count it), and no session write
# (issue 18: at most once a minute). Each row also shows its child's warning flags
# (cases.flags, issue 17): the children's open cases the MASH may see (1), then the flags
# of those cases, as a list shows them (5, brief: cases.flags.list_flag; the queue's own
# columns say the contacts and checks, whose provider's two queries are left out).
TRIAGE_QUERIES = 9 + 1 + 5
HIGH_RISK = ["missing", "older_partner", "money_or_gifts", "substance_misuse", "sexual_health"]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def rows_of(response) -> list[int]:
    """The contact ids of the queue's rows, in order."""
    return [int(n) for n in re.findall(r'data-contact="(\d+)"', response.content.decode())]


@pytest.fixture
def manager(sign_in):
    return sign_in("mash.manager")


def overdue_by(contact, hours: float) -> Contact:
    Contact.objects.filter(pk=contact.pk).update(due_at=timezone.now() - dt.timedelta(hours=hours))
    return Contact.objects.get(pk=contact.pk)


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_time_left_with_a_worded_overdue_marker(manager, make_contact):
    green = make_contact(rag="green", first_name="Gina")
    amber = make_contact(rag="amber", first_name="Alma")
    late = overdue_by(make_contact(rag="amber", first_name="Lara"), 3)
    new = make_contact(first_name="Nell")  # due as if red: 4 hours
    response = manager.get(reverse("triage"))
    assert response.status_code == 200
    assert rows_of(response) == [late.pk, new.pk, amber.pk, green.pk]
    page = text_of(response)
    late_row = page[page.index(f'data-contact="{late.pk}"') :].split("</tr>")[0]
    assert "Overdue" in late_row and "3 hours over" in late_row  # in words, not colour alone
    new_row = page[page.index(f'data-contact="{new.pk}"') :].split("</tr>")[0]
    assert "Overdue" not in new_row and "left" in new_row
    assert "Not rated" in new_row and "New: to be rated" in new_row
    assert f'href="{reverse("contact", args=[late.pk])}"' in late_row
    assert "Lara Testchild" in late_row and "Norfolk and Norwich" in late_row
    assert "None asked" in late_row


def test_the_checks_column_counts_outstanding_and_overdue(manager, make_contact, people,
                                                           agencies):  # fmt: skip
    contact = make_contact(rag="red")
    police, hospital = agencies["norfolk_police"], agencies["norfolk_hospital"]
    checks = request_checks(people["mash.manager"], contact, [police, hospital], "Known?")
    answer_check(people["police.officer"], checks[0], "Nothing known.")
    PartnerCheck.objects.filter(pk=checks[1].pk).update(due_at=timezone.now() - dt.timedelta(1))
    page = text_of(manager.get(reverse("triage")))
    assert "1 of 2 outstanding, " in page and "1 overdue" in page
    assert "Waiting for partner checks" in page


@pytest.fixture
def mixed_queue(make_contact, people, agencies):
    """A queue with one of everything the filters tell apart."""
    red = make_contact(rag="red", first_name="Rhea")
    amber = make_contact(rag="amber", first_name="Amy", by="police.officer")
    green = make_contact(rag="green", first_name="Gus")
    new = make_contact(first_name="Nina")
    request_checks(people["mash.manager"], red, [agencies["norfolk_police"]], "Known?")
    assign_contact(people["mash.manager"], amber, people["social.worker"])
    decided = make_contact(rag="amber", first_name="Dora")
    decide_contact(people["mash.manager"], decided, "advice", "Advice given.")
    return {"red": red, "amber": amber, "green": green, "new": new, "decided": decided}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["red", "new", "amber", "green"]),
        ({"rag": "red"}, ["red"]),
        ({"rag": "amber"}, ["amber"]),
        ({"rag": "green"}, ["green"]),
        ({"rag": "unrated"}, ["new"]),
        ({"state": "new"}, ["new"]),
        ({"state": "checks"}, ["red"]),
        ({"state": "ready"}, ["amber", "green"]),
        ({"state": "decided"}, ["decided"]),
        ({"assignee": "none"}, ["red", "new", "green"]),
        ({"rag": "amber", "state": "decided"}, ["decided"]),
    ],
)
def test_each_filter_narrows_the_queue(manager, mixed_queue, query, expected):
    response = manager.get(reverse("triage"), query)
    assert response.status_code == 200
    got = {mixed_queue[k].pk: k for k in mixed_queue}
    assert sorted(got[pk] for pk in rows_of(response)) == sorted(expected)


def test_filters_by_assignee_and_referring_agency(manager, mixed_queue, people, agencies):
    by_worker = manager.get(reverse("triage"), {"assignee": people["social.worker"].pk})
    assert rows_of(by_worker) == [mixed_queue["amber"].pk]
    by_police = manager.get(reverse("triage"), {"referrer": agencies["norfolk_police"].pk})
    assert rows_of(by_police) == [mixed_queue["amber"].pk]
    page = text_of(by_police)
    assert f'<option value="{agencies["norfolk_police"].pk}" selected>' in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"rag": "purple"}, "Select a RAG rating from the list"),
        ({"state": "lost"}, "Select a state from the list"),
        ({"assignee": "abc"}, "Select who it is assigned to from the list"),
        ({"assignee": "99999999999999999999999"}, "Select who it is assigned to from the list"),
        ({"referrer": "1; drop table"}, "Select a referring agency from the list"),
    ],
)
def test_a_bad_filter_value_is_explained_not_a_crash(manager, mixed_queue, query, message):
    response = manager.get(reverse("triage"), query)
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and message in page
    assert rows_of(response) == []
    assert "Correct the filters to see the queue" in page


def test_an_agency_that_never_referred_is_not_a_valid_filter(manager, mixed_queue, agencies):
    page = text_of(manager.get(reverse("triage"), {"referrer": agencies["suffolk_police"].pk}))
    assert "Select a referring agency from the list" in page


def test_paged_25_at_a_time(manager, make_contact, people):
    for n in range(27):
        make_contact(first_name=f"Child{n}")
    # Not in the queue, so not in its count (which, unfiltered, is the summary's).
    decided = make_contact(rag="amber", first_name="Dora")
    decide_contact(people["mash.manager"], decided, "advice", "Advice given.")
    first = manager.get(reverse("triage"))
    assert len(rows_of(first)) == 25
    assert "27 contacts" in text_of(first)
    second = manager.get(reverse("triage"), {"page": 2})
    assert len(rows_of(second)) == 2
    assert "27 contacts" in text_of(second)


def test_viewing_the_queue_is_audited_with_the_contacts_listed(manager, mixed_queue):
    manager.get(reverse("triage"), {"rag": "red"})
    event = events(Action.TRIAGE_VIEWED)[-1]
    assert event.detail["page"] == "triage"
    assert event.detail["filters"] == {"rag": "red"}
    assert event.detail["contacts"] == [mixed_queue["red"].pk]


# --- assigning -------------------------------------------------------------------------------


def test_assigning_without_javascript_goes_back_to_the_same_filtered_page(
    manager, mixed_queue, people
):
    contact = mixed_queue["red"]
    back = f"{reverse('triage')}?rag=red&page=1"
    response = manager.post(
        reverse("triage"),
        {"contact": contact.pk, "assignee": people["social.worker"].pk, "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    assert Contact.objects.get(pk=contact.pk).assigned_to == people["social.worker"]
    page = text_of(manager.get(back))
    assert f"{contact.reference} is now assigned to Jo Fletcher" in page
    assert events(Action.CONTACT_ASSIGNED)[-1].target_id == str(contact.pk)


def test_assigning_refuses_an_outside_address_and_goes_to_the_queue(manager, mixed_queue, people):
    response = manager.post(
        reverse("triage"),
        {"contact": mixed_queue["red"].pk, "assignee": "none", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("triage")


def test_assigning_through_htmx_answers_the_partial_with_the_side_counts(
    manager, mixed_queue, people
):
    contact = mixed_queue["green"]
    back = f"{reverse('triage')}?assignee=none"
    response = manager.post(
        reverse("triage"),
        {"contact": contact.pk, "assignee": people["mash.manager"].pk, "next": back},
        HTTP_HX_REQUEST="true",
    )
    # No redirect for htmx: XMLHttpRequest would follow it upgraded to https (the CSP).
    assert response.status_code == 200
    page = text_of(response)
    assert "<html" not in page and 'id="triage-results"' in page
    assert 'id="triage-side" class="app-triage-side" hx-swap-oob="true"' in page
    assert f"{contact.reference} is now assigned to Morgan Hale" in page
    assert contact.pk not in rows_of(response)  # no longer unassigned: filtered out
    assert "<strong>2</strong> not assigned" in page  # was 3: the side count followed


def test_taking_a_contact_off_everyone_and_refusing_an_outsider(manager, mixed_queue, people):
    amber = mixed_queue["amber"]
    manager.post(reverse("triage"), {"contact": amber.pk, "assignee": "none"})
    assert Contact.objects.get(pk=amber.pk).assigned_to is None
    response = manager.post(
        reverse("triage"), {"contact": amber.pk, "assignee": people["police.officer"].pk},
        follow=True,
    )  # fmt: skip
    assert "Choose someone who works at this MASH" in text_of(response)
    assert Contact.objects.get(pk=amber.pk).assigned_to is None


def test_a_decided_contact_cannot_be_assigned(manager, mixed_queue, people):
    decided = mixed_queue["decided"]
    response = manager.post(
        reverse("triage"),
        {"contact": decided.pk, "assignee": people["social.worker"].pk},
        follow=True,
    )
    assert "This contact has been decided" in text_of(response)


def test_assigning_another_mashs_contact_is_404(manager, make_contact, people):
    suffolk = make_contact(area="suffolk")
    response = manager.post(
        reverse("triage"), {"contact": suffolk.pk, "assignee": people["social.worker"].pk}
    )
    assert response.status_code == 404


def test_assigning_several_at_once_names_them_and_undo_gives_each_back(
    manager, mixed_queue, people
):
    red, amber, new = mixed_queue["red"], mixed_queue["amber"], mixed_queue["new"]
    back = f"{reverse('triage')}?rag="
    sent = manager.post(
        reverse("triage"),
        {"contact": [red.pk, amber.pk, new.pk], "assignee": people["mash.manager"].pk,
         "next": back},
    )  # fmt: skip
    assert sent.status_code == 302 and sent["Location"] == back
    for contact in (red, amber, new):
        assert Contact.objects.get(pk=contact.pk).assigned_to == people["mash.manager"]
    page = text_of(manager.get(back))
    assert "3 contacts are now assigned to Morgan Hale: " in page
    assert f"{amber.reference} was assigned to Jo Fletcher." in page
    assert f"{red.reference} was not assigned." in page
    # The undo gives each back to its own holder: amber to Jo, the others to no one.
    pairs = re.findall(r'name="give_back" value="([^"]+)"', page)
    manager.post(reverse("triage"), {"give_back": pairs, "undo": "1", "next": back})
    assert Contact.objects.get(pk=amber.pk).assigned_to == people["social.worker"]
    assert Contact.objects.get(pk=red.pk).assigned_to is None
    assert Contact.objects.get(pk=new.pk).assigned_to is None
    page = text_of(manager.get(back))
    assert f"Undone: {amber.reference} is assigned to Jo Fletcher again." in page


def test_the_same_assignment_sent_twice_records_once_per_contact(manager, mixed_queue, people):
    """Idempotent per contact: the second send finds each contact already held, changes
    nothing and audits nothing, and says so."""
    red, green = mixed_queue["red"], mixed_queue["green"]
    before = len(events(Action.CONTACT_ASSIGNED))
    form = {"contact": [red.pk, green.pk], "assignee": people["social.worker"].pk}
    manager.post(reverse("triage"), form)
    assert len(events(Action.CONTACT_ASSIGNED)) == before + 2
    assert {e.target_id for e in events(Action.CONTACT_ASSIGNED)[-2:]} == {
        str(red.pk),
        str(green.pk),
    }
    again = manager.post(reverse("triage"), form, follow=True)
    assert len(events(Action.CONTACT_ASSIGNED)) == before + 2
    assert f"{red.reference} and {green.reference} were already assigned to Jo Fletcher" in (
        text_of(again)
    )
    assert 'name="give_back"' not in text_of(again)


@pytest.mark.parametrize(
    "form, error, link",
    [
        ({"assignee": "none"}, "Select the contacts to assign", "#assign-contact"),
        ({"contact": "ticked"}, "Choose who to assign the selected contacts to",
         "#assign-assignee"),
    ],
)  # fmt: skip
def test_assigning_with_nothing_ticked_or_no_one_chosen_explains_and_keeps_the_filters(
    manager, mixed_queue, form, error, link
):
    red = mixed_queue["red"]
    form = {k: (red.pk if v == "ticked" else v) for k, v in form.items()}
    back = f"{reverse('triage')}?rag=red"
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = manager.post(back, {**form, "next": back}, **htmx)
        assert response.status_code == 200
        page = text_of(response)
        assert "There is a problem" in page and f'<a href="{link}">{error}</a>' in page
        assert rows_of(response) == [red.pk]  # still filtered
        if "contact" in form:
            assert f'value="{red.pk}" checked' in page  # still ticked
    assert Contact.objects.get(pk=red.pk).assigned_to is None
    assert not events(Action.CONTACT_ASSIGNED) or all(
        e.target_id != str(red.pk) for e in events(Action.CONTACT_ASSIGNED)
    )


def test_the_queue_has_one_assign_control_not_a_list_per_row(manager, mixed_queue, people):
    page = text_of(manager.get(reverse("triage")))
    assert page.count('name="assignee"') == 2  # the filter and the one control
    assert page.count(f'value="{people["social.worker"].pk}"') == 2
    assert page.count('name="contact" type="checkbox"') == 4
    assert "Assign the selected contacts to" in page and "Choose a colleague" in page


def test_the_selects_name_colleagues_as_a_person_is_named_and_leave_out_who_has_left(
    manager, mixed_queue, people
):
    from people.models import Person

    mash = people["mash.manager"].agency
    nameless = Person.objects.create_user(
        username="zz.no.name", agency=mash, role=Person.Role.PRACTITIONER
    )
    only_first = Person.objects.create_user(
        username="zz.first", first_name="Ōla", agency=mash, role=Person.Role.PRACTITIONER
    )
    gone = Person.objects.create_user(
        username="zz.gone", first_name="Left", last_name="Us", agency=mash,
        role=Person.Role.PRACTITIONER, is_active=False,
    )  # fmt: skip
    page = text_of(manager.get(reverse("triage")))
    assert page.count(f'<option value="{nameless.pk}">zz.no.name</option>') == 2
    assert page.count(f'<option value="{only_first.pk}">Ōla</option>') == 2
    assert f'value="{gone.pk}"' not in page
    # Chosen in a select read before they left: refused, nothing assigned.
    Person.objects.filter(pk=only_first.pk).update(is_active=False)
    response = manager.post(
        reverse("triage"), {"contact": [mixed_queue["red"].pk], "assignee": only_first.pk}
    )
    assert "Choose someone who works at this MASH" in text_of(response)
    assert Contact.objects.get(pk=mixed_queue["red"].pk).assigned_to_id != only_first.pk


def test_a_filter_through_htmx_answers_only_the_queue(manager, mixed_queue):
    response = manager.get(reverse("triage"), {"rag": "red"}, HTTP_HX_REQUEST="true")
    page = text_of(response)
    assert "<html" not in page and rows_of(response) == [mixed_queue["red"].pk]
    assert 'hx-swap-oob="true"' in page


def test_the_page_offers_htmx_filters_that_push_the_url(manager, mixed_queue):
    page = text_of(manager.get(reverse("triage")))
    assert 'hx-get="/triage/"' in page and 'hx-push-url="true"' in page
    assert 'hx-post="/triage/"' in page
    assert "style=" not in page and "<script>" not in page


# --- the side counts and lists ---------------------------------------------------------------


@pytest.fixture
def morning(open_case_for, missing, people, agencies):
    """One child missing now, one back with an interview due, one high-risk screening, and
    one missing child whose case Norfolk children's services cannot see."""
    now = timezone.now()
    gone = open_case_for("social.worker", first_name="Mia", last_name="Gone", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    still_missing = missing(gone)
    back = open_case_for("social.worker", first_name="Ben", last_name="Back", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    returned = missing(back)
    record_return(people["police.officer"], returned, returned_at=now, how_found="Home")
    ReturnInterview.objects.filter(episode=returned).update(due_at=now - dt.timedelta(hours=2))
    screened = open_case_for("social.worker", first_name="Sky", last_name="Screened")
    scored_screening(screened, people["social.worker"], "high", indicators=HIGH_RISK)
    # A Suffolk police case about a child Norfolk looks after, never shared with Norfolk.
    hidden = open_case_for("suffolk.officer", first_name="Hidden", last_name="Child",
                           responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    MissingEpisode.objects.create(
        case=hidden, last_seen_at=now, last_seen_where="Ipswich", circumstances="Gone",
        risk="high", reported_by=people["suffolk.officer"], reporting_agency=agencies[
            "suffolk_police"],
    )  # fmt: skip
    return {"missing": still_missing, "back": back, "returned": returned, "screened": screened}


def test_the_side_counts_match_their_lists_and_link_to_them(manager, morning, mixed_queue,
                                                            agencies):  # fmt: skip
    response = manager.get(reverse("triage"))
    page = text_of(response)
    unacknowledged = Notification.objects.filter(
        agency=agencies["norfolk_childrens"], acknowledged_at__isnull=True
    ).count()
    assert unacknowledged > 0
    side = page[page.index('id="triage-side"') :]
    for url, text in [
        (reverse("triage-missing"), "<strong>1</strong> child missing in the area"),
        (reverse("inbox"), f"<strong>{unacknowledged}</strong> notification"),
        (reverse("triage-interviews"), "<strong>1</strong> return home interview due"),
        (reverse("triage-screenings"), "<strong>1</strong> high-risk screening in the last"),
        ("/triage/?rag=unrated", "<strong>1</strong> not yet rated"),
        ("/triage/?rag=red", "<strong>1</strong> red"),
        ("/triage/?rag=amber", "<strong>1</strong> amber"),
        ("/triage/?rag=green", "<strong>1</strong> green"),
        ("/triage/?assignee=none", "<strong>3</strong> not assigned"),
        ("/triage/?state=checks", "<strong>1</strong> partner check outstanding"),
    ]:
        assert f'<a class="govuk-link" href="{url}">{text}' in side, text
    assert "<strong>4</strong> waiting for a decision" in side
    assert "<strong>0</strong> overdue" in side


def test_the_missing_list_shows_only_cases_the_agency_can_see(manager, morning):
    response = manager.get(reverse("triage-missing"))
    page = text_of(response)
    assert "Mia Gone" in page
    assert f'href="{reverse("case", args=[morning["missing"].case_id])}"' in page
    assert "Hidden Child" not in page and "Ben Back" not in page
    event = events(Action.TRIAGE_VIEWED)[-1]
    assert event.detail["page"] == "missing"
    assert event.detail["cases"] == [morning["missing"].case_id]


def test_a_missing_child_norfolk_answers_for_but_cannot_see_is_left_out(morning, people):
    """Hidden is looked after by Norfolk on a case never shared with it: not listed, not
    counted (pages and the API's summary alike)."""
    from triage.selectors import missing_in_area, triage_summary

    seen = missing_in_area(people["mash.manager"])
    assert {e.case.child.first_name for e in seen} == {"Mia"}
    assert triage_summary(people["mash.manager"])["missing"] == 1


def test_the_interviews_list(manager, morning):
    page = text_of(manager.get(reverse("triage-interviews")))
    assert "Ben Back" in page and "Overdue" in page
    assert f'href="{reverse("case", args=[morning["back"].pk])}"' in page
    assert events(Action.TRIAGE_VIEWED)[-1].detail["cases"] == [morning["back"].pk]


def test_the_screenings_list(manager, morning):
    page = text_of(manager.get(reverse("triage-screenings")))
    assert "Sky Screened" in page
    assert f'href="{reverse("case", args=[morning["screened"].pk])}"' in page
    assert events(Action.TRIAGE_VIEWED)[-1].detail["cases"] == [morning["screened"].pk]


def test_the_screenings_list_pages_newest_first_with_the_same_time_broken_by_id(
    manager, people, open_case_for
):
    """Paged through the agency's own rows (triage.selectors.HighRiskRecords): newest first,
    screenings recorded in the same instant newest id first, none twice or missed across
    pages, and older than 7 days left out."""
    from cases.models import Screening

    case = open_case_for("social.worker", first_name="Paged", last_name="Screenings")
    now = timezone.now()
    times = [now - dt.timedelta(hours=hours) for hours in range(27)] + [now] * 3
    times.append(now - dt.timedelta(days=8))  # too old for the list
    made = Screening.objects.bulk_create(
        Screening(case=case, screened_by=people["social.worker"], agency=case.lead_agency,
                  indicators=["missing"], risk_level="high", screened_at=at)
        for at in times
    )  # fmt: skip
    week = sorted(made[:-1], key=lambda s: (s.screened_at, s.pk), reverse=True)
    listed = []
    for number in (1, 2):
        manager.get(reverse("triage-screenings"), {"page": number})
        listed += events(Action.TRIAGE_VIEWED)[-1].detail["screenings"]
    assert listed == [s.pk for s in week]
    assert len(listed) == 30


def test_the_referrer_filter_offers_the_agencies_that_referred_to_this_mash(agencies, make_contact):
    """triage.selectors.referrer_names skips through the contacts' index: the same
    agencies, in the same order by name, as asking every agency whether it made a contact
    to this MASH; none of another MASH's referrers."""
    from django.db.models import Exists, OuterRef

    from people.models import Agency
    from triage.selectors import referrer_names

    for by in ("health.nurse", "police.officer", "health.nurse"):
        make_contact(by=by)
    mash = agencies["norfolk_childrens"]
    asked = Agency.objects.filter(
        Exists(Contact.objects.filter(mash=mash, referring_agency=OuterRef("pk")))
    ).order_by("name", "id")
    expected = [(agency.pk, agency.name) for agency in asked]
    assert referrer_names(mash) == expected
    assert {name for _, name in expected} == {
        agencies["norfolk_hospital"].name,
        agencies["norfolk_police"].name,
    }
    other = Agency.objects.filter(kind=Agency.Kind.SOCIAL_CARE).exclude(pk=mash.pk).first()
    assert other is None or referrer_names(other) == []


def test_empty_lists_say_so(manager, partnership):
    assert "No child is missing in the area." in text_of(manager.get(reverse("triage-missing")))
    assert "No return home interview is due" in text_of(manager.get(reverse("triage-interviews")))
    assert "No high-risk screening" in text_of(manager.get(reverse("triage-screenings")))
    assert "No contacts are waiting for a decision." in text_of(manager.get(reverse("triage")))


# --- the dashboard ---------------------------------------------------------------------------


def _decided(make_contact, people, rag: str, hours: float, due_hours: float, now, outcome):
    contact = make_contact(rag=rag)
    decide_contact(people["mash.manager"], contact, outcome, "Decided in a test.")
    received = now - dt.timedelta(days=2)
    Contact.objects.filter(pk=contact.pk).update(
        received_at=received,
        decided_at=received + dt.timedelta(hours=hours),
        due_at=received + dt.timedelta(hours=due_hours),
    )
    return contact


@pytest.fixture
def known(make_contact, people, agencies, open_case_for, missing):
    """A small dataset whose figures are worked out by hand in the tests below."""
    now = timezone.now()
    for hours in (2, 3, 6):  # red: median 3, two of three within 4 hours
        _decided(make_contact, people, "red", hours, 4, now, "advice")
    _decided(make_contact, people, "amber", 30, 24, now, "no_further_action")  # late
    # Checks: the police answer one in 1 hour (on time) and leave one overdue; the
    # hospital answers one in 10 hours (late).
    police, hospital = agencies["norfolk_police"], agencies["norfolk_hospital"]
    first, second = make_contact(rag="red"), make_contact(rag="red")
    (p1, h1) = request_checks(people["mash.manager"], first, [police, hospital], "Known?")
    (p2,) = request_checks(people["mash.manager"], second, [police], "Known?")
    asked = now - dt.timedelta(days=1)
    for check, answered in ((p1, 1), (h1, 10), (p2, None)):
        PartnerCheck.objects.filter(pk=check.pk).update(
            requested_at=asked,
            due_at=asked + dt.timedelta(hours=4),
            answered_at=asked + dt.timedelta(hours=answered) if answered else None,
            answer="Nothing known." if answered else "",
        )
    case = open_case_for("social.worker", first_name="Wren", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    three_weeks_ago = missing(case)
    # Back the next day (one open episode a case), before this week's report.
    MissingEpisode.objects.filter(pk=three_weeks_ago.pk).update(
        last_seen_at=now - dt.timedelta(weeks=3, hours=1),
        reported_at=now - dt.timedelta(weeks=3),
        returned_at=now - dt.timedelta(weeks=3) + dt.timedelta(days=1),
    )
    this_week = missing(case)
    return {"now": now, "this_week": this_week}


def test_dashboard_figures_for_a_known_dataset(known, people):
    figures = mash_dashboard.figures(people["mash.manager"], known["now"])
    # 4 decided + 2 with checks = 6 contacts, all recorded today (received_at moved for the
    # decided ones to two days ago).
    per_day = dict(figures["per_day"])
    today = timezone.localdate(known["now"])
    assert len(per_day) == 30 and max(per_day) == today
    assert per_day[today] == 2 and per_day[today - dt.timedelta(days=2)] == 4
    assert figures["contacts_total"] == 6
    outcomes = {value: n for value, _, n in figures["outcomes"]}
    assert outcomes["advice"] == 3 and outcomes["no_further_action"] == 1
    assert sum(outcomes.values()) == figures["decisions_total"] == 4
    red, amber, green = figures["timeliness"]
    assert (red.rag, red.decided, red.median_hours, red.within, red.within_percent) == (
        "red", 3, 3.0, 2, 67,
    )  # fmt: skip
    assert (amber.decided, amber.median_hours, amber.within_percent) == (1, 30.0, 0)
    assert (green.decided, green.median_hours, green.within_percent) == (0, None, None)
    weeks = figures["per_week"]
    assert len(weeks) == 12 and weeks[-1][1] == 1 and sum(n for _, n in weeks) == 2
    assert all(week.weekday() == 0 for week, _ in weeks)
    checks = {row.agency: row for row in figures["checks"]}
    police = checks["Norfolk Constabulary"]
    assert (police.asked, police.answered, police.median_hours, police.on_time_percent,
            police.overdue) == (2, 1, 1.0, 100, 1)  # fmt: skip
    hospital = checks["Norfolk and Norwich University Hospitals NHS Foundation Trust"]
    assert (hospital.asked, hospital.answered, hospital.median_hours,
            hospital.on_time_percent, hospital.overdue) == (1, 1, 10.0, 0, 0)  # fmt: skip


def test_days_are_local_days(make_contact, people):
    """A contact at 00:30 British Summer Time counts on its own (local) day."""
    contact = make_contact()
    now = timezone.make_aware(dt.datetime(2026, 7, 15, 12, 0))
    Contact.objects.filter(pk=contact.pk).update(
        received_at=dt.datetime(2026, 7, 14, 23, 30, tzinfo=dt.UTC)
    )
    per_day = dict(mash_dashboard.figures(people["mash.manager"], now)["per_day"])
    assert per_day[dt.date(2026, 7, 15)] == 1 and per_day[dt.date(2026, 7, 14)] == 0


def test_the_dashboard_page_draws_each_chart_with_a_table_of_its_numbers(manager, known):
    response = manager.get(reverse("triage-dashboard"))
    assert response.status_code == 200
    page = text_of(response)
    assert page.count('<svg class="app-chart__svg" role="img"') == 5
    for chart in ("per-day", "outcomes", "timeliness", "per-week", "checks"):
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in page
        assert f'<title id="chart-{chart}-title">' in page
    assert page.count('<caption class="govuk-table__caption') == 5
    assert '<th scope="col"' in page and '<th scope="row"' in page
    assert "67% (2 of 3)" in page and "3.0" in page and "30.0" in page
    assert "100% (1 of 1)" in page and "0% (0 of 1)" in page
    assert "style=" not in page
    assert events(Action.TRIAGE_VIEWED)[-1].detail["page"] == "dashboard"


def test_the_dashboard_sums_days_and_weeks_up_and_lists_only_those_with_any(manager, known):
    """Issue 17: no 30-row table of zeros; a summary in words and the days that had any."""
    response = manager.get(reverse("triage-dashboard"))
    page = text_of(response)
    today = timezone.localdate()
    assert "6 contacts in 30 days, 0.2 a day on average" in page
    assert f"the most on {today - dt.timedelta(days=2):%A} " in page
    assert "2 of the 30 days had any." in page
    assert "Days with contacts (2 of 30; the other days had none)" in page
    per_day = re.search(r"Days with contacts.*?</table>", page, re.S).group(0)
    assert per_day.count('<th scope="row"') == 2
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">0</td>' not in per_day
    assert "2 missing episodes reported in 12 weeks" in page
    assert "2 of the 12 weeks had any." in page
    per_week = re.search(r"Weeks with missing episodes.*?</table>", page, re.S).group(0)
    assert per_week.count('<th scope="row"') == 2


def test_an_empty_dashboard_says_so(manager, partnership):
    page = text_of(manager.get(reverse("triage-dashboard")))
    assert "No contacts in the last 30 days." in page
    assert "No decisions in the last 30 days." in page
    assert "No missing episodes in the last 12 weeks." in page
    assert "No partner checks asked in the last 30 days." in page
    assert '<svg class="app-chart__svg"' not in page


# --- home ------------------------------------------------------------------------------------


def test_home_links_to_the_mash_pages(sign_in):
    page = text_of(sign_in("mash.manager").get(reverse("home")))
    for name in ("triage", "triage-dashboard", "contact-new", "contacts", "checks"):
        assert f'href="{reverse(name)}"' in page, name
    assert "Not yet available" not in page
    other = text_of(sign_in("health.nurse").get(reverse("home")))
    assert f'href="{reverse("triage")}"' not in other
    assert f'href="{reverse("triage-dashboard")}"' not in other
    for name in ("contact-new", "contacts", "checks"):
        assert f'href="{reverse(name)}"' in other, name


# --- constant queries ------------------------------------------------------------------------


def test_the_triage_screen_takes_the_same_queries_for_1_contact_or_50(
    manager, make_contact, people, agencies
):
    police, hospital = agencies["norfolk_police"], agencies["norfolk_hospital"]

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            contact = make_contact(rag=["red", "amber", "green"][n % 3], first_name=f"Q{n}")
            # A case the MASH can see, so that each row reads its child's flags.
            open_case(people["social.worker"], contact.child)
            request_checks(people["mash.manager"], contact, [police, hospital], "Known?")
            assign_contact(people["mash.manager"], contact, people["social.worker"])

    add(1, 0)
    with CaptureQueriesContext(connection) as one:
        assert manager.get(reverse("triage")).status_code == 200
    add(49, 1)
    with CaptureQueriesContext(connection) as fifty:
        response = manager.get(reverse("triage"))
    assert len(rows_of(response)) == 25
    with CaptureQueriesContext(connection) as filtered:
        manager.get(reverse("triage"), {"rag": "red", "assignee": people["social.worker"].pk})
    counts = [len(one), len(fifty), len(filtered)]
    assert counts == [TRIAGE_QUERIES, TRIAGE_QUERIES, TRIAGE_QUERIES + 1], [
        q["sql"][:100] for q in fifty.captured_queries
    ]


def test_high_risk_screenings_are_counted_up_to_more_than_100(manager, people, open_case_for):
    """The count stops after 101 (what a page costs, not the country's week); the screen
    says "More than 100" and the list still pages through every one."""
    from cases.models import Screening
    from triage.selectors import HIGH_RISK_COUNT_CAP, triage_summary

    case = open_case_for("social.worker", first_name="Many", last_name="Screenings")
    Screening.objects.bulk_create(
        Screening(case=case, screened_by=people["social.worker"], agency=case.lead_agency,
                  indicators=["missing"], risk_level="high")
        for _ in range(HIGH_RISK_COUNT_CAP + 5)
    )  # fmt: skip
    assert triage_summary(people["mash.manager"])["high_risk_screenings"] == 101
    assert "More than 100" in manager.get(reverse("triage")).content.decode()


def test_the_summary_compiled_once_is_the_query_built_afresh_at_any_later_time(people, morning):
    """safeguarding.compiled moves every datetime parameter by the time since it compiled:
    right only while each is "now" moved by a fixed amount. A day and a clock change later,
    the statement run is exactly the one a fresh build makes, and gives the same counts."""
    from cases.selectors import reader_key
    from safeguarding.compiled import CompiledQuery
    from triage.selectors import summary_query

    person = people["mash.manager"]
    compiled = CompiledQuery("test")
    first = dt.datetime(2026, 3, 28, 9, 0, tzinfo=dt.UTC)  # the day before the clocks go forward
    compiled.sql(reader_key(person), lambda at: summary_query(person, at), first)
    for later in (first + dt.timedelta(hours=26, minutes=7, microseconds=5), timezone.now()):
        sql, params, _ = compiled.sql(
            reader_key(person), lambda at: summary_query(person, at), later
        )
        fresh_sql, fresh_params = summary_query(person, later).query.sql_with_params()
        assert (sql, params) == (fresh_sql, tuple(fresh_params))
        assert any(isinstance(p, dt.datetime) for p in params)  # the clock is in it


def test_the_summary_counts_follow_the_clock_after_it_is_compiled(people, make_contact):
    """Compiled while a contact was not yet overdue, counted again once it is: the cached
    statement's deadline moved with the clock."""
    from triage.selectors import SUMMARY, triage_summary

    SUMMARY.forget()
    manager = people["mash.manager"]
    contact = make_contact(rag="red")
    before = contact.due_at - dt.timedelta(minutes=1)
    after = contact.due_at + dt.timedelta(minutes=1)
    assert triage_summary(manager, before)["queue"]["overdue"] == 0
    assert triage_summary(manager, after)["queue"]["overdue"] == 1
    assert len(SUMMARY._compiled) == 1  # the second count ran the statement compiled first


def test_the_compiled_queue_is_the_fresh_queue_at_a_later_clock(people, make_contact):
    """The queue's page and count, compiled once, then run a day and a clock change later:
    the statement and parameters are a fresh build's at that clock, and a contact that fell
    overdue in between is shown overdue (its deadline moved with the clock)."""
    from cases.selectors import reader_key
    from triage.selectors import QUEUE, queue_rows, triage_queue, with_child_context

    QUEUE.forget()
    manager = people["mash.manager"]
    contact = make_contact(rag="red")
    before = contact.due_at - dt.timedelta(minutes=1)
    rows = queue_rows(manager, {}, before)
    assert rows.count() == 1 and rows[0:25][0].overdue is False
    later = dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)  # the morning the clocks go forward
    for now in (contact.due_at + dt.timedelta(minutes=1), later):
        rows = queue_rows(manager, {}, now)
        assert rows.count() == 1 and rows[0:25][0].overdue is True

        def page(at):
            return with_child_context(triage_queue(manager.agency, now=at), manager, at)[0:25]

        key = (reader_key(manager), ())
        sql, params, _ = QUEUE.sql((key, 0, 25), page, now)  # the page's compiled statement
        fresh_sql, fresh_params = page(now).query.sql_with_params()
        assert (sql, params) == (fresh_sql, tuple(fresh_params))
    assert len(QUEUE._compiled) == 2  # one page and one count, whatever the clock


def test_cases_assessed_high_this_week_are_counted_and_listed(manager, people, open_case_for):
    """Issue 21: no new scored screenings are made, so the MASH sees the week's assessments
    that set a level to high; a lower level waiting for agreement is not one of them."""
    from cases.assessments import record_assessment
    from triage.selectors import triage_summary

    def assess(case, level):
        return record_assessment(
            people["social.worker"], case, harm=["disclosure"], vulnerabilities=[],
            protective=[], child_view="", analysis="Told her teacher.", level=level,
            rationale="Harm now.", review_by=timezone.localdate() + dt.timedelta(days=30),
        )  # fmt: skip

    high = open_case_for("social.worker", first_name="Hana", last_name="Assessed")
    assess(high, "high")
    lowered = open_case_for("social.worker", first_name="Lola", last_name="Lowered")
    assess(lowered, "high")
    with time_machine.travel(timezone.now() - dt.timedelta(days=8), tick=False):
        old = open_case_for("social.worker", first_name="Olga", last_name="Earlier")
        assess(old, "high")
    assert triage_summary(people["mash.manager"])["high_risk_assessments"] == 2
    page = text_of(manager.get(reverse("triage")))
    assert "<strong>2</strong> cases assessed as high risk in the last 7 days" in page
    listed = text_of(manager.get(reverse("triage-assessments")))
    assert "Hana Assessed" in listed and "Lola Lowered" in listed and "Olga" not in listed
    assert events(Action.TRIAGE_VIEWED)[-1].detail["cases"] == [lowered.pk, high.pk]

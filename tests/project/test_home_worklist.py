"""Home is a worklist (safeguarding/views.py): each person first sees what is waiting for
them, read by the app that owns it, only what they may see, in a constant number of queries.

- notifications not acknowledged: the person's agency's, as the inbox shows them;
- MASH partner checks not answered: asked of the person's agency;
- MASH contacts assigned to the person, not yet decided;
- return home interviews the person's authority owes, due within a day or overdue, on
  cases its agency may see;
- cases with entries others recorded since the person's last visit (restricted entries of
  another agency are not news to them).
"""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from cases.services import add_entry
from cases.visits import visit
from missing.models import ReturnInterview
from missing.selectors import INTERVIEW_DUE_SOON
from missing.services import record_return
from notifications.models import Notification
from notifications.services import notify
from safeguarding.compiled import CompiledQuery
from safeguarding.views import sources
from tests.conftest import events
from triage.services import assign_contact, request_checks

pytestmark = pytest.mark.django_db

# The home page's queries at most, whatever is waiting: each kind is counted only once it
# has more than the five shown, and green deadlines read the agencies' calendars once.
HOME_QUERIES = 20


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def section(response, kind: str) -> str:
    """The text of one section of the worklist ("" if the page has none)."""
    html = response.content.decode()
    found = re.search(rf'data-testid="waiting-{kind}">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(1)))) if found else ""


@pytest.fixture
def week(open_case_for, share, place, missing, make_contact, people, agencies):
    """A week's work for Norfolk: a Suffolk placement (Suffolk police told), a contact with
    a check asked of Norfolk police and assigned to the social worker, a child back from
    missing with an interview overdue, and a case with entries since the worker's visit."""
    now = timezone.now()
    placed = open_case_for("social.worker", first_name="Pippa", last_name="Placed",
                           looked_after=True,
                           responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    place(placed, "suffolk")
    contact = make_contact(rag="amber", first_name="Cora", last_name="Contacted")
    request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?")
    assign_contact(people["mash.manager"], contact, people["social.worker"])
    back = open_case_for("social.worker", first_name="Ben", last_name="Back", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    returned = missing(back)
    record_return(people["police.officer"], returned, returned_at=now, how_found="Home")
    ReturnInterview.objects.filter(episode=returned).update(due_at=now - dt.timedelta(hours=2))
    news = open_case_for("social.worker", first_name="Nell", last_name="News")
    share(news, "norfolk_police", "contribute")
    visit(people["social.worker"], news, now - dt.timedelta(hours=3))
    for text, restricted in (("Seen at the station.", False), ("Seen again.", False),
                             ("Police-only intelligence.", True)):  # fmt: skip
        add_entry(people["police.officer"], news, category=Entry.Category.NOTE,
                  occurred_at=now, text=text, restricted=restricted)  # fmt: skip
    # The worker's own entry is not news to them.
    add_entry(people["social.worker"], news, category=Entry.Category.NOTE, occurred_at=now,
              text="My own note.", restricted=False)  # fmt: skip
    return {"placed": placed, "contact": contact, "back": back, "news": news}


def test_a_social_worker_sees_what_is_waiting_for_them(sign_in, week):
    response = sign_in("social.worker").get(reverse("home"))
    assert response.status_code == 200
    contact = week["contact"]
    assigned = section(response, "contacts")
    assert "MASH contacts assigned to you: 1" in assigned
    assert f"Contact {contact.reference}: Cora Contacted" in assigned and "Amber" in assigned
    interviews = section(response, "interviews")
    assert "Return home interviews due: 1" in interviews
    assert f"Ben Back ({week['back'].reference})" in interviews and "Overdue" in interviews
    news = section(response, "news")
    # Two entries by the police: not the restricted one, not the worker's own.
    assert "Cases with new entries since your last visit: 1" in news
    assert "2 entries recorded since your last visit" in news
    assert f"Nell News ({week['news'].reference})" in news
    # Norfolk children's services were asked for no check.
    assert section(response, "checks") == ""
    assert "Nothing waiting: " in text_of(response) and "MASH checks" in text_of(response)


def test_each_row_links_to_where_the_work_is_done(sign_in, week):
    html = sign_in("social.worker").get(reverse("home")).content.decode()
    assert f'href="{reverse("contact", args=[week["contact"].pk])}"' in html
    assert f'href="{reverse("case", args=[week["back"].pk])}"' in html
    assert f'href="{reverse("case", args=[week["news"].pk])}"' in html


def test_the_police_see_the_check_asked_of_them_and_the_notice_of_the_missing_child(sign_in, week):
    response = sign_in("police.officer").get(reverse("home"))
    checks = section(response, "checks")
    assert "MASH checks to answer: 1" in checks
    assert f"Contact {week['contact'].reference}: Cora Contacted" in checks
    assert "Norfolk County Council Children's Services" in checks
    assert reverse("checks") in response.content.decode()
    # The police recorded the news entries themselves: nothing new for them there.
    assert section(response, "news") == ""
    # Police are not a MASH that assigns contacts.
    assert section(response, "contacts") == ""


def test_suffolk_police_see_the_placement_notice_and_nothing_of_norfolk(sign_in, week):
    response = sign_in("suffolk.officer").get(reverse("home"))
    notifications = section(response, "notifications")
    assert "Notifications to acknowledge: 1" in notifications
    assert "Child placed in your area" in notifications
    assert week["placed"].reference in notifications
    page = text_of(response)
    for other in ("Cora", "Ben Back", "Nell News", week["contact"].reference):
        assert other not in page


def test_the_header_and_the_worklist_give_one_count_of_notifications(
    sign_in, week, people, agencies
):
    """Seven waiting, more than the five listed: counted once, for the header and the
    worklist alike."""
    for number in range(6):
        notify(week["placed"], Notification.Kind.MISSING, 500 + number, f"Test {number}",
               people["social.worker"], [agencies["suffolk_police"]])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        response = sign_in("suffolk.officer").get(reverse("home"))
    assert "Notifications to acknowledge: 7" in section(response, "notifications")
    header = re.search(r'<span id="app-inbox-count".*?</span></span>', response.content.decode())
    assert 'app-inbox-count">7</strong>' in header.group(0)
    with connection.cursor() as cursor:  # what each prepared statement run is
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        prepared = {name: re.sub(r"^PREPARE \w+ AS ", "", text) for name, text in cursor}
    sent = [re.sub(r"^EXECUTE (\w+).*", lambda m: prepared[m[1]], q["sql"]) for q in queries]
    counts = [sql for sql in sent if re.search(r'COUNT\(.*FROM "notifications_notification"', sql)]
    assert len(counts) == 1, counts


@pytest.mark.parametrize("username", ["health.nurse", "admin.ncc", "suffolk.officer"])
def test_a_person_of_another_agency_or_role_sees_none_of_it(sign_in, week, username):
    """Only what their agency was told (a notification names the case by its reference
    alone, as the inbox does): no child's name, no contact, no case's news."""
    response = sign_in(username).get(reverse("home"))
    page = text_of(response)
    for shown in ("Cora", "Ben Back", "Nell News", "Pippa", week["contact"].reference,
                  week["news"].reference):  # fmt: skip
        assert shown not in page
    for kind in ("checks", "contacts", "interviews", "news"):
        assert section(response, kind) == ""


def test_a_case_no_longer_shared_is_not_news(sign_in, week, people):
    from sharing.models import Share
    from sharing.services import revoke_share

    police = sign_in("police.officer")
    visit(people["police.officer"], week["news"], timezone.now())
    add_entry(people["social.worker"], week["news"], category=Entry.Category.NOTE,
              occurred_at=timezone.now(), text="Later.", restricted=False)  # fmt: skip
    assert "1 entry recorded since your last visit" in section(police.get("/"), "news")
    share = Share.objects.get(case=week["news"], agency__name="Norfolk Constabulary")
    revoke_share(share, people["social.worker"])
    assert section(police.get("/"), "news") == ""


def test_reading_the_worklist_is_recorded_with_what_it_showed(sign_in, week):
    sign_in("social.worker").get(reverse("home"))
    event = events(Action.CASE_LISTED)[-1]
    assert event.detail["list"] == "home"
    assert event.detail["cases"] == sorted([week["back"].pk, week["news"].pk])
    assert event.detail["contacts"] == [week["contact"].pk]
    told = Notification.objects.filter(
        agency__name="Norfolk County Council Children's Services", acknowledged_at__isnull=True
    )
    assert event.detail["checks"] == []
    assert sorted(event.detail["notifications"]) == sorted(n.pk for n in told)


def test_nothing_shown_nothing_recorded(sign_in, partnership):
    sign_in("health.nurse").get(reverse("home"))
    assert events(Action.CASE_LISTED) == []


def test_the_first_five_then_a_link_to_the_full_list(sign_in, make_contact, people, agencies):
    for n in range(7):
        contact = make_contact(rag="red", first_name=f"Child{n}", last_name="Many")
        request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?")
    response = sign_in("police.officer").get(reverse("home"))
    checks = section(response, "checks")
    assert "MASH checks to answer: 7" in checks
    assert checks.count("Many") == 5
    assert "See all 7" in checks


def test_the_home_page_takes_the_same_queries_for_one_item_or_many(
    sign_in, week, make_contact, open_case_for, missing, share, people, agencies,
    django_assert_max_num_queries,
):  # fmt: skip
    worker = sign_in("social.worker")
    with django_assert_max_num_queries(HOME_QUERIES):
        response = worker.get(reverse("home"))
    assert "MASH contacts assigned to you: 1" in section(response, "contacts")
    now = timezone.now()
    for n in range(8):
        contact = make_contact(rag="green", first_name=f"More{n}", last_name="Contacts")
        assign_contact(people["mash.manager"], contact, people["social.worker"])
        back = open_case_for("social.worker", first_name=f"Back{n}", last_name="Again",
                             looked_after=True,
                             responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
        returned = missing(back)
        record_return(people["police.officer"], returned, returned_at=now, how_found="Home")
        share(back, "norfolk_police", "contribute")
        visit(people["social.worker"], back, now - dt.timedelta(hours=3))
        add_entry(people["police.officer"], back, category=Entry.Category.NOTE,
                  occurred_at=now, text="Seen.", restricted=False)  # fmt: skip
    ReturnInterview.objects.update(due_at=now - dt.timedelta(hours=1))
    with django_assert_max_num_queries(HOME_QUERIES):
        response = worker.get(reverse("home"))
    assert "MASH contacts assigned to you: 9" in section(response, "contacts")
    assert "Return home interviews due: 9" in section(response, "interviews")
    assert "Cases with new entries since your last visit: 9" in section(response, "news")
    for n in range(8, 14):
        contact = make_contact(rag="green", first_name=f"More{n}", last_name="Contacts")
        assign_contact(people["mash.manager"], contact, people["social.worker"])
    with django_assert_max_num_queries(HOME_QUERIES):
        response = worker.get(reverse("home"))
    assert "MASH contacts assigned to you: 15" in section(response, "contacts")


def test_each_list_compiled_once_is_the_query_built_afresh_at_a_later_clock(week, people):
    """safeguarding.compiled moves every datetime parameter by the time since it compiled:
    right only while each is "now" moved by a fixed amount. A day and a clock change later,
    each list's statement is exactly the one a fresh build makes."""
    first = dt.datetime(2026, 3, 28, 9, 0, tzinfo=dt.UTC)  # the day before the clocks go forward
    for username in ("social.worker", "police.officer", "mash.manager"):
        for kind, (key, build) in sources(people[username]).items():
            compiled = CompiledQuery("test")
            compiled.sql(key, build, first)
            for later in (first + dt.timedelta(hours=26, minutes=7, microseconds=5),
                          timezone.now()):  # fmt: skip
                sql, params, _ = compiled.sql(key, build, later)
                fresh_sql, fresh_params = build(later).query.sql_with_params()
                assert (sql, params) == (fresh_sql, tuple(fresh_params)), kind


def test_an_interview_comes_due_on_the_list_compiled_before_it_did(sign_in, week):
    """Read once (compiled) while the interview was more than a day away, read again once
    it is within a day: it is listed."""
    soon = timezone.now() + INTERVIEW_DUE_SOON + dt.timedelta(hours=1)
    ReturnInterview.objects.filter(episode__case=week["back"]).update(due_at=soon)
    client = sign_in("social.worker")
    assert section(client.get(reverse("home")), "interviews") == ""
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        later = sign_in("social.worker")  # two hours idle signed the first one out
        assert "Return home interviews due: 1" in section(later.get(reverse("home")), "interviews")

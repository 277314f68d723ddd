"""The child at a glance (issue 17): the case page's strip of flags (missing, placement,
risk, the return home interview, notices not acknowledged, MASH contacts and checks), the
same flags as tags in the lists, that each person sees only what they may (as on the
chronology), and a constant number of queries however many cases, episodes or
notifications there are."""

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
from cases import registry, risk
from cases.flags import Flag
from cases.services import add_entry
from missing.models import ReturnInterview
from missing.services import record_placement, record_return, report_missing
from notifications.models import Notification
from notifications.services import acknowledge_notification
from safeguarding import uk_time
from sharing.services import revoke_share
from tests.cases.page_helpers import html, run_search, text_of
from tests.cases.test_pages_audit_and_queries import FLAG_QUERIES
from tests.conftest import events, scored_screening
from triage.services import request_checks

pytestmark = pytest.mark.django_db


def ago(**delta) -> dt.datetime:
    return (timezone.now() - dt.timedelta(**delta)).replace(second=0, microsecond=0)


def strip_of(response) -> str:
    """The strip's text, as a person reads it."""
    page = html(response)
    start = page.index('data-testid="at-a-glance"')
    strip = page[start : page.index("</section>", start)]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", strip)))


def flag_keys(response) -> list[str]:
    page = html(response)
    start = page.index('data-testid="at-a-glance"')
    return re.findall(r'data-flag="([a-z]+)"', page[start : page.index("</section>", start)])


def case_page(client, case):
    return client.get(reverse("case", args=[case.pk]))


def go_missing(people, case, *, hours: int = 5, risk: str = "high", by: str = "social.worker"):
    return report_missing(
        people[by], case, last_seen_at=ago(hours=hours), last_seen_where="Norwich bus station",
        circumstances="Did not come home after school.", risk=risk,
    )  # fmt: skip


def place(people, partnership, case):
    return record_placement(
        people["social.worker"], case, area=partnership.areas["cambridgeshire"],
        address="2 Example Road, Ely", postcode="CB7 4AA", provider_type="foster_care",
        started_at=ago(days=10),
    )  # fmt: skip


@pytest.fixture
def looked_after(open_case_for, agencies):
    return open_case_for("social.worker", first_name="Glance", last_name="Testchild",
                         looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip


# Each flag appears, in words, and goes when it no longer holds ----------------------------


def test_the_strip_sits_under_the_heading_before_the_tabs_and_the_chronology(sign_in, looked_after):
    page = html(case_page(sign_in("social.worker"), looked_after))
    heading = page.index("<h1")
    strip = page.index('data-testid="at-a-glance"')
    tabs = page.index('aria-label="Case sections"')
    chronology = page.index('id="chronology"')
    assert heading < strip < tabs < chronology
    # Only the page's own sections come between the heading and the strip.
    assert "govuk-summary-list" not in page[heading:strip]
    assert (
        '<a class="govuk-link app-case-tabs__link" href="{}" aria-current="page">'.format(
            reverse("case", args=[looked_after.pk])
        )
        in page
    )


def test_a_case_with_nothing_happening_says_only_that_it_is_not_screened(sign_in, looked_after):
    response = case_page(sign_in("social.worker"), looked_after)
    assert flag_keys(response) == ["risk"]
    strip = strip_of(response)
    assert "Not screened No exploitation risk assessment is recorded on this case." in strip


def test_missing_now_says_since_when_how_long_and_the_risk(sign_in, people, looked_after):
    go_missing(people, looked_after, hours=5, risk="high")
    response = case_page(sign_in("social.worker"), looked_after)
    assert flag_keys(response)[0] == "missing"
    strip = strip_of(response)
    assert "Missing now Since " in strip and "(5 hours), high risk." in strip
    assert "Last seen: Norwich bus station." in strip
    assert 'govuk-tag--red app-glance__tag">Missing now' in html(response)
    assert reverse("case-missing", args=[looked_after.pk]) in html(response)


def test_after_the_return_the_latest_episode_and_the_interview_due_show(
    sign_in, people, looked_after
):
    episode = go_missing(people, looked_after, hours=30, risk="medium")
    record_return(people["social.worker"], episode, returned_at=ago(hours=2), how_found="Home")
    client = sign_in("social.worker")
    strip = strip_of(case_page(client, looked_after))
    assert "Missing now" not in strip
    assert "Returned Last missing from" in strip and "medium risk" in strip
    assert "Interview due Return home interview due by" in strip
    assert "(Norfolk County Council Children's Services)" in strip
    # Past its time, it is overdue, in words as well as colour.
    ReturnInterview.objects.filter(episode=episode).update(due_at=ago(hours=1))
    response = case_page(client, looked_after)
    assert "Interview overdue Return home interview was due by" in strip_of(response)
    assert 'govuk-tag--red app-glance__tag">Interview overdue' in html(response)


def test_the_current_placement_says_where_since_when_and_who_placed(
    sign_in, people, partnership, looked_after
):
    place(people, partnership, looked_after)
    strip = strip_of(case_page(sign_in("social.worker"), looked_after))
    assert "Placed Foster care in Cambridgeshire. Since " in strip
    assert "Placing authority: Norfolk County Council Children's Services." in strip
    # A placement is no warning: the strip says it, the lists do not tag it.
    listed = html(sign_in("social.worker").get(reverse("cases")))
    assert ">Placed</strong>" not in listed


def test_the_risk_says_the_level_and_the_latest_screening(sign_in, people, looked_after):
    indicators = ["missing", "older_partner", "money_or_gifts"]
    scored_screening(looked_after, people["social.worker"], "high", indicators=indicators)
    strip = strip_of(case_page(sign_in("social.worker"), looked_after))
    assert "High CSE risk From a scored screening on" in strip and "Jo Fletcher" in strip
    # Reviewed within SCREENING_REVIEW_MONTHS (3): by the same day three months on.
    due = risk.months_after(timezone.localdate(), 3)
    assert f"Review by {uk_time.said(due)}." in strip
    assert "Review overdue" not in strip


def test_a_screening_past_its_review_date_says_so_in_words(sign_in, people, looked_after):
    # Screenings are append-only: recorded 100 days ago rather than moved there.
    with time_machine.travel(timezone.now() - dt.timedelta(days=100), tick=False):
        scored_screening(looked_after, people["social.worker"], "low", indicators=["missing"])
    strip = strip_of(case_page(sign_in("social.worker"), looked_after))
    assert "Review overdue The CSE screening was due to be reviewed by" in strip
    assert "Review by" not in strip


def test_a_review_date_is_the_same_day_months_later_or_the_months_last_day():
    assert risk.months_after(dt.date(2026, 8, 31), 3) == dt.date(2026, 11, 30)
    assert risk.months_after(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert risk.months_after(dt.date(2027, 11, 29), 3) == dt.date(2028, 2, 29)
    assert risk.months_after(dt.date(2026, 12, 5), 3) == dt.date(2027, 3, 5)


def test_notifications_not_acknowledged_say_by_whom_and_go_once_acknowledged(
    sign_in, people, share, looked_after
):
    share(looked_after, "norfolk_police", "view")
    go_missing(people, looked_after)
    told = Notification.objects.get(case=looked_after, kind="missing",
                                    agency__name="Norfolk Constabulary")  # fmt: skip
    # The managing agency sees which partner has not taken it in.
    strip = strip_of(case_page(sign_in("social.worker"), looked_after))
    assert "Not acknowledged" in strip and "not yet acknowledged, by " in strip
    assert "Norfolk Constabulary: 1" in strip and "Soonest: child missing, due by" in strip
    # Past the deadline it says so in words.
    Notification.objects.filter(pk=told.pk).update(acknowledge_by=ago(minutes=5))
    strip = strip_of(case_page(sign_in("social.worker"), looked_after))
    assert "Acknowledgement overdue" in strip and "Norfolk Constabulary: 1, 1 overdue" in strip
    assert "Soonest: child missing, was due by" in strip
    acknowledge_notification(told, people["police.officer"])
    strip = strip_of(case_page(sign_in("social.worker"), looked_after))
    assert "Norfolk Constabulary" not in strip


def test_mash_contacts_and_checks_show_to_the_mash(
    sign_in, people, agencies, make_contact, looked_after
):
    contact = make_contact(child=looked_after.child, rag="amber")
    request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?")
    response = case_page(sign_in("mash.manager"), looked_after)
    assert flag_keys(response)[-2:] == ["contacts", "checks"]
    strip = strip_of(response)
    assert f"Awaiting MASH decision 1 contact awaiting a decision: {contact.reference}" in strip
    assert "Checks outstanding 1 partner check not answered: Norfolk Constabulary for" in strip


# Each person sees only what they may: as the chronology -----------------------------------


def test_a_partner_sees_only_the_check_asked_of_it_never_the_contact(
    sign_in, people, agencies, share, make_contact, looked_after
):
    share(looked_after, "norfolk_police", "view")
    contact = make_contact(child=looked_after.child, rag="amber")
    [asked] = request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "?")
    other = make_contact(child=looked_after.child, rag="green")
    request_checks(people["mash.manager"], other, [agencies["norfolk_hospital"]], "Known?")
    response = case_page(sign_in("police.officer"), looked_after)
    strip = strip_of(response)
    assert "contacts" not in flag_keys(response)
    assert "1 partner check not answered: your agency for" in strip
    assert "Norfolk and Norwich" not in strip and other.reference not in strip
    assert reverse("check", args=[asked.pk]) in html(response)


def test_the_referrer_sees_its_own_contact_and_nobody_elses(
    sign_in, share, make_contact, looked_after
):
    share(looked_after, "norfolk_hospital", "view")
    share(looked_after, "norfolk_police", "view")
    mine = make_contact(child=looked_after.child, by="health.nurse")
    hospital = strip_of(case_page(sign_in("health.nurse"), looked_after))
    assert mine.reference in hospital
    assert mine.reference not in strip_of(case_page(sign_in("police.officer"), looked_after))


def test_a_partner_sees_only_its_own_notifications_not_other_agencies(
    sign_in, people, share, partnership, looked_after
):
    share(looked_after, "norfolk_police", "contribute")
    share(looked_after, "norfolk_hospital", "view")
    go_missing(people, looked_after)
    police = strip_of(case_page(sign_in("police.officer"), looked_after))
    assert "1 notification not yet acknowledged, by Norfolk Constabulary: 1." in police
    assert "Norfolk and Norwich" not in police
    nurse = strip_of(case_page(sign_in("health.nurse"), looked_after))
    assert "Norfolk Constabulary" not in nurse


def test_restricted_entries_never_reach_another_agencys_strip(sign_in, people, share, looked_after):
    share(looked_after, "norfolk_police", "contribute")
    add_entry(people["police.officer"], looked_after, category="missing",
              occurred_at=ago(hours=1), text="Restricted sighting at Lowestoft",
              restricted=True)  # fmt: skip
    worker = case_page(sign_in("social.worker"), looked_after)
    assert "missing" not in flag_keys(worker)
    assert "Lowestoft" not in html(worker)
    police = case_page(sign_in("police.officer"), looked_after)
    assert "Lowestoft" in html(police) and "Lowestoft" not in strip_of(police)


def test_someone_who_may_not_see_the_case_gets_404_without_the_strip(sign_in, people, looked_after):
    go_missing(people, looked_after)
    for name in ("case", "case-details", "case-missing", "case-access"):
        response = sign_in("suffolk.officer").get(reverse(name, args=[looked_after.pk]))
        assert response.status_code == 404, name
        body = response.content.decode()
        assert "Testchild" not in body and "Missing now" not in body, name


# The same flags as tags, in the lists ------------------------------------------------------


def test_the_case_list_and_the_search_tag_the_child(sign_in, people, share, looked_after):
    share(looked_after, "norfolk_police", "view")
    go_missing(people, looked_after)
    client = sign_in("police.officer")
    listed = html(client.get(reverse("cases")))
    row = listed[listed.index("Glance Testchild") :]
    row = row[: row.index("</tr>")]
    assert ">Missing now</strong>" in row and "Not acknowledged" in row
    found = html(run_search(client, reverse("children"), {"name": "glance"}))
    assert ">Missing now</strong>" in found


def test_a_list_says_each_flag_once_where_the_strip_says_each_one(
    sign_in, people, share, looked_after
):
    """Two return interviews not yet held: the case page says each, with its deadline; the
    case list tags the child "Interview due" once, not once an interview."""
    for hours in (30, 60):
        episode = go_missing(people, looked_after, hours=hours)
        record_return(people["social.worker"], episode, returned_at=ago(hours=hours - 20),
                      how_found="Home")  # fmt: skip
    client = sign_in("social.worker")
    assert strip_of(case_page(client, looked_after)).count("Interview due Return home") == 2
    listed = html(client.get(reverse("cases")))
    row = listed[listed.index("Glance Testchild") :]
    row = row[: row.index("</tr>")]
    assert row.count(">Interview due</strong>") == 1


def test_the_inbox_names_the_child_with_flags_only_to_those_who_may_see_the_case(
    sign_in, people, share, looked_after
):
    police = share(looked_after, "norfolk_police", "view")
    go_missing(people, looked_after)
    page = html(sign_in("police.officer").get(reverse("inbox")))
    assert 'data-testid="child-name">Glance Testchild' in page
    assert ">Missing now</strong>" in page
    revoke_share(police, people["social.worker"])
    page = html(sign_in("police.officer").get(reverse("inbox")))
    assert looked_after.reference in page
    assert "Testchild" not in page and "Missing now" not in page


def test_the_triage_queue_tags_a_child_missing_now(sign_in, people, make_contact, looked_after):
    make_contact(child=looked_after.child, rag="red")
    go_missing(people, looked_after)
    page = html(sign_in("mash.manager").get(reverse("triage")))
    row = page[page.index("Glance Testchild") :]
    row = row[: row.index("</tr>")]
    assert ">Missing now</strong>" in row
    # The queue's own columns say the contact's state: not repeated as tags.
    assert "Awaiting MASH decision" not in row


# The tabs, each audited as a read of the case ---------------------------------------------


def test_each_tab_marks_itself_current_and_only_managers_have_access_and_activity(
    sign_in, share, looked_after
):
    share(looked_after, "norfolk_police", "view")
    manager = sign_in("social.worker")
    for name in ("case", "case-missing", "case-details", "case-access"):
        url = reverse(name, args=[looked_after.pk])
        page = html(manager.get(url))
        start = page.index('aria-label="Case sections"')
        nav = page[start : page.index("</nav>", start)]
        assert nav.count('aria-current="page"') == 1
        assert f'href="{url}" aria-current="page"' in nav, name
    assert "Who has access" in text_of(manager.get(reverse("case-access", args=[looked_after.pk])))
    # (sign_in signs the one test client in as someone else)
    police = sign_in("police.officer")
    nav = html(police.get(reverse("case-details", args=[looked_after.pk])))
    assert reverse("case-access", args=[looked_after.pk]) not in nav
    assert police.get(reverse("case-access", args=[looked_after.pk])).status_code == 404
    views = [(event.actor_username, event.detail["view"]) for event in events(Action.CASE_VIEWED)]
    assert views == [
        ("social.worker", "case"), ("social.worker", "missing"), ("social.worker", "details"),
        ("social.worker", "access"), ("social.worker", "access"),
        ("police.officer", "details"),
    ]  # fmt: skip


# A constant number of queries -------------------------------------------------------------


def _busy_case(open_case_for, share, people, partnership, agencies, make_contact, n: int):
    """A case with what every flag reads: placed, missing before and now, an interview
    owed, notifications waiting, a contact with a check out."""
    case = open_case_for("social.worker", first_name=f"Busy{n}", looked_after=True,
                         responsible_authority=agencies["norfolk_childrens"])  # fmt: skip
    share(case, "norfolk_police", "view")
    place(people, partnership, case)
    earlier = go_missing(people, case, hours=40)
    record_return(people["social.worker"], earlier, returned_at=ago(hours=30), how_found="Home")
    go_missing(people, case, hours=3)
    scored_screening(case, people["social.worker"], "low", indicators=["missing"])
    contact = make_contact(child=case.child, rag="amber")
    request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?")
    return case


def test_the_flags_of_1_case_or_12_take_the_same_queries(
    people, open_case_for, share, partnership, agencies, make_contact
):
    cases = [
        _busy_case(open_case_for, share, people, partnership, agencies, make_contact, n)
        for n in range(12)
    ]
    for who in ("mash.manager", "police.officer"):
        person = people[who]
        with CaptureQueriesContext(connection) as one:
            flags = registry.case_flags(person, cases[:1])
        assert {flag.key for flag in flags[cases[0].pk]} >= {"missing", "placement", "checks"}
        with CaptureQueriesContext(connection) as twelve:
            flags = registry.case_flags(person, cases)
        assert len(one) == len(twelve) == FLAG_QUERIES, [q["sql"][:80] for q in twelve]
        assert all(any(f.key == "interview" for f in flags[case.pk]) for case in cases)
    assert registry.case_flags(people["police.officer"], []) == {}


def test_pages_with_flags_take_the_same_queries_for_1_case_or_many(
    sign_in, people, open_case_for, share, partnership, agencies, make_contact,
    django_assert_max_num_queries,
):  # fmt: skip
    from tests.cases.test_pages_audit_and_queries import CASE_LIST_QUERIES, CASE_PAGE_QUERIES
    from tests.notifications.test_inbox_pages import INBOX_QUERIES

    first = _busy_case(open_case_for, share, people, partnership, agencies, make_contact, 0)
    client = sign_in("police.officer")
    pages = [
        (reverse("cases"), CASE_LIST_QUERIES),
        (reverse("inbox"), INBOX_QUERIES),
        (reverse("case", args=[first.pk]), CASE_PAGE_QUERIES),
    ]
    few = {}
    for url, most in pages:
        with django_assert_max_num_queries(most) as captured:
            assert client.get(url).status_code == 200
        few[url] = len(captured)
    for n in range(1, 8):
        _busy_case(open_case_for, share, people, partnership, agencies, make_contact, n)
    for _ in range(5):  # more episodes and notifications on the first case
        episode = first.missing_episodes.get(returned_at__isnull=True)
        record_return(people["social.worker"], episode, returned_at=ago(hours=2), how_found=".")
        go_missing(people, first, hours=1)
    for url, _ in pages:
        with django_assert_max_num_queries(few[url]):
            response = client.get(url)
        assert response.status_code == 200
        assert "Missing now" in response.content.decode()


def test_a_flag_names_a_known_key_and_tone():
    with pytest.raises(ValueError):
        Flag("weather", "Sunny", "Nice out")
    with pytest.raises(ValueError):
        Flag("risk", "High", "Red alone is no signal", tone="crimson")

"""Repeat-missing alerts (issue 19, item 4): a child missing a third time in 30 days (the
lead agency's rule, which it may change), or graded high risk, raises an alert for the lead
agency to convene a strategy discussion by a deadline in its working days. The alert is in
its inbox and the case's strip until a strategy discussion is on the chronology, and
escalates to its MASH managers like any notification nobody acknowledged.

Counts are per child: across the child's cases, placements and areas, and every grade
counts, very low included.

The child: looked after by Norfolk (social.worker leads the case), placed in Suffolk,
shared `contribute` with Norfolk Constabulary.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Entry
from cases.services import add_entry, open_case
from missing.models import RepeatMissingAlert
from missing.services import record_return, regrade_missing, report_missing
from notifications.models import Delivery, Notification
from notifications.tasks import escalate
from tests.conftest import events
from tests.missing.test_pages import client_for, text_of

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NORFOLK_CHILDRENS = "Norfolk County Council Children's Services"


@pytest.fixture
def case(open_case_for, agencies, share, place):
    case = open_case_for(
        "social.worker",
        first_name="Repeat",
        last_name="Testchild",
        looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )
    share(case, "norfolk_police", "contribute")
    place(case, "suffolk")
    return case


def gone(people, case, days_ago: float, *, risk: str = "low", by: str = "police.officer",
         back: bool = True, now=None):  # fmt: skip
    """An episode last seen `days_ago`, and (unless `back=False`) the child's return."""
    seen = timezone.now() - dt.timedelta(days=days_ago)
    episode = report_missing(
        people[by], case, last_seen_at=seen, last_seen_where="Town centre",
        circumstances="Did not come home.", risk=risk, now=now,
    )  # fmt: skip
    if back:
        record_return(people[by], episode, returned_at=seen + dt.timedelta(hours=5),
                      how_found="Came home.")  # fmt: skip
    return episode


def alerts(case) -> list[str]:
    return list(RepeatMissingAlert.objects.filter(case=case).values_list("reasons", flat=True))


# --- the rule -------------------------------------------------------------------------------


def test_the_third_time_in_30_days_raises_one_alert_whatever_the_grade(case, people):
    gone(people, case, 40)  # outside the 30 days: not counted
    gone(people, case, 20, risk="very_low")
    gone(people, case, 10, risk="very_low")
    assert alerts(case) == []
    third = gone(people, case, 1, risk="very_low", back=False)
    assert alerts(case) == ["Missing for the 3rd time in 30 days"]
    alert = RepeatMissingAlert.objects.get(case=case)
    assert alert.episode == third
    # Audited as a change to the case, by whoever's report raised it.
    [raised] = events("repeat_missing_alert_raised")
    assert raised.target_id == str(case.pk) and raised.actor_username == "police.officer"
    assert raised.detail == {"alert": alert.pk, "episode": third.pk,
                             "due_at": alert.due_at.isoformat()}  # fmt: skip


def test_any_high_risk_episode_raises_one_and_regrading_to_high_too(case, people):
    first = gone(people, case, 2, risk="high")
    assert alerts(case) == ["Graded high risk"]
    second = gone(people, case, 0.5, risk="medium", back=False)
    assert len(alerts(case)) == 1
    regrade_missing(people["police.officer"], second, risk="high", reason="Seen with adults.")
    assert alerts(case) == ["Graded high risk", "Graded high risk"]
    assert {a.episode for a in RepeatMissingAlert.objects.filter(case=case)} == {first, second}


def test_counts_are_per_child_across_cases_and_agencies(case, people, partnership):
    gone(people, case, 12)
    gone(people, case, 8)
    # The police's own case on the same child (another lead agency, whose rule applies).
    police_case = open_case(people["police.officer"], case.child)
    gone(people, police_case, 1, back=False)
    assert alerts(police_case) == ["Missing for the 3rd time in 30 days"]
    assert alerts(case) == []


def test_an_authority_sets_its_own_rule(case, people, agencies):
    lead = agencies["norfolk_childrens"]
    lead.repeat_missing_episodes, lead.repeat_missing_days = 2, 7
    lead.save()
    gone(people, case, 10)
    gone(people, case, 1)
    assert alerts(case) == []  # 9 days apart: not within 7
    gone(people, case, 0.5, back=False)
    assert alerts(case) == ["Missing for the 2nd time in 7 days"]


# --- who is told, by when -------------------------------------------------------------------


def test_the_lead_agency_is_told_by_a_deadline_in_its_working_days(case, people):
    # Reported on Friday 18 December 2026, 16:00 UK time: two working days is Tuesday 16:00.
    friday = dt.datetime(2026, 12, 18, 16, 0, tzinfo=LONDON)
    gone(people, case, 0.2, risk="high", back=False, now=friday)
    alert = RepeatMissingAlert.objects.get(case=case)
    assert alert.due_at == dt.datetime(2026, 12, 22, 16, 0, tzinfo=LONDON)
    [notice] = Notification.objects.filter(kind="repeat_missing")
    assert notice.agency.name == NORFOLK_CHILDRENS  # the lead agency, though police reported
    assert (notice.subject_id, notice.acknowledge_by) == (alert.pk, alert.due_at)
    # What an email or webhook may carry: the reference, never the child's name.
    assert notice.summary == (
        f"Case {case.reference}: repeat missing: convene a strategy discussion by "
        "22 December 2026 at 4pm"
    )

    # Nobody acknowledged by then: escalated to its MASH managers, once.
    assert escalate(now=(alert.due_at + dt.timedelta(minutes=1)).isoformat()) >= 1
    notice.refresh_from_db()
    assert notice.escalated_at is not None
    assert Delivery.objects.filter(notification=notice, channel="escalation").count() == 1


def test_the_strip_says_so_until_a_strategy_discussion_is_recorded(case, people):
    gone(people, case, 0.2, risk="high", back=False)
    client = client_for("social.worker")
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "Strategy discussion due" in page
    assert "Graded high risk. Convene a strategy discussion: due by" in page

    add_entry(
        people["social.worker"], case, category=Entry.Category.STRATEGY_DISCUSSION,
        text="Strategy discussion held with police and health.", occurred_at=timezone.now(),
        restricted=False,
    )  # fmt: skip
    page = text_of(client.get(reverse("case", args=[case.pk])))
    assert "Strategy discussion due" not in page


def test_an_overdue_alert_says_so_in_the_lists_too(case, people):
    gone(people, case, 5, risk="high", back=False)
    RepeatMissingAlert.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))
    client = client_for("social.worker")
    assert "Strategy discussion overdue" in text_of(client.get(reverse("case", args=[case.pk])))
    assert "Strategy discussion overdue" in text_of(client.get(reverse("cases")))


def test_the_lead_agencys_inbox_shows_it_and_the_police_inbox_does_not(case, people):
    gone(people, case, 0.2, risk="high", back=False)
    inbox = text_of(client_for("social.worker").get(reverse("inbox")))
    assert "Repeat missing: convene a strategy discussion" in inbox
    police = text_of(client_for("police.officer").get(reverse("inbox")))
    assert "Repeat missing" not in police


def test_the_triage_screens_missing_list_says_a_strategy_discussion_is_due(case, people):
    gone(people, case, 0.2, risk="high", back=False)
    manager = client_for("mash.manager")
    page = text_of(manager.get(reverse("triage-missing")))
    assert "Repeat Testchild" in page and "Due by" in page
    RepeatMissingAlert.objects.update(due_at=timezone.now() - dt.timedelta(minutes=5))
    assert "Overdue was due by" in text_of(manager.get(reverse("triage-missing")))
    add_entry(
        people["social.worker"], case, category=Entry.Category.STRATEGY_DISCUSSION,
        text="Strategy discussion held.", occurred_at=timezone.now(), restricted=False,
    )  # fmt: skip
    assert "None asked for" in text_of(manager.get(reverse("triage-missing")))


def test_an_agency_admin_sets_the_rule_on_its_own_page_and_nobody_else_may(people, agencies):
    from tests.missing.test_pages import client_for, text_of

    admin = client_for("admin.ncc")
    url = reverse("repeat-rule")
    page = text_of(admin.get(url))
    assert "Repeat-missing rule" in page
    refused = admin.post(url, {"episodes": "1", "days": "abc"})
    said = text_of(refused)
    assert "must be 2 or more" in said and "as a whole number" in said
    assert 'value="abc"' in refused.content.decode()  # what was typed stays
    assert admin.post(url, {"episodes": "2", "days": "14"}).status_code == 302
    agency = agencies["norfolk_childrens"]
    agency.refresh_from_db()
    assert (agency.repeat_missing_episodes, agency.repeat_missing_days) == (2, 14)
    [changed] = events("repeat_rule_changed")
    assert changed.detail == {"was": {"episodes": 3, "days": 30},
                              "now": {"episodes": 2, "days": 14}}  # fmt: skip
    for who in ("social.worker", "mash.manager", "police.officer"):
        refused = client_for(who).get(url)
        assert refused.status_code == 403
        assert "your agency’s admins do" in refused.content.decode()
    assert events("permission_refused")[-1].detail == {"need": "agency_admin"}

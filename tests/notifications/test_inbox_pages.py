"""The inbox: an agency's notifications, unacknowledged first; acknowledging one; the count
in the header (and the fragment htmx polls); and the agency admin's deliveries page with
the agency's webhook.
"""

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from missing.services import record_placement, report_missing
from notifications.models import Delivery, DeliveryAttempt, Notification
from notifications.services import acknowledge_notification, notify
from people.middleware import TOUCHED_AT_KEY
from people.models import Agency, Person, SignedInSession
from tests.conftest import events, verify_second_factor

pytestmark = pytest.mark.django_db

# Measured with 3 notifications: the session (read, and its save in a savepoint: 4), the
# person, their authenticator, the page's count and rows, the audit insert, the header's
# count; and for placements, counted in working days, the calendar of the agency told (its
# areas and its closure days: 2). 40 must not need more.
# The child's name and warning flags on each case the agency may see (issue 17): which of
# the page's cases those are, with their children (1), and the flags a list shows (7,
# brief: cases.flags.list_flag).
INBOX_QUERIES = 12 + 1 + 7


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def client_for(username: str) -> Client:
    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


@pytest.fixture
def placed(open_case_for, people, partnership):
    """The Norfolk case: a Norfolk child placed in Suffolk, so Suffolk police are told."""
    case = open_case_for("social.worker", first_name="Inbox", last_name="Testchild",
                         looked_after=True)  # fmt: skip
    record_placement(
        people["social.worker"], case, area=partnership.areas["suffolk"],
        address="1 Example Lane, Ipswich", postcode="IP1 1AA", provider_type="foster_care",
        started_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    return case


def told(case, agency_key, agencies, kind=Notification.Kind.PLACEMENT) -> Notification:
    return Notification.objects.get(case=case, agency=agencies[agency_key], kind=kind)


def many(case, people, agencies, count: int, start: int = 1000) -> None:
    """`count` more notifications to Suffolk police about the case."""
    for number in range(start, start + count):
        notify(case, Notification.Kind.MISSING, number, f"Case {case.reference}: test {number}",
               people["social.worker"], [agencies["suffolk_police"]])  # fmt: skip


# The inbox -----------------------------------------------------------------------------


def test_the_recipient_sees_the_notification_and_can_open_the_case(placed, agencies):
    client = client_for("suffolk.officer")
    page = text_of(client.get(reverse("inbox")))
    notification = told(placed, "suffolk_police", agencies)
    assert "1 notification, 1 not acknowledged" in page
    assert "Child placed in your area" in page
    assert f"Case {placed.reference}: child placed in Suffolk" in page
    assert "Norfolk County Council Children's Services" in page
    html = client.get(reverse("inbox")).content.decode()
    assert f'id="notification-{notification.pk}"' in html
    assert f'href="{reverse("case", args=[placed.pk])}"' in html
    # Suffolk police may see the case (the child is placed in their area): the child is
    # named (never in the summary, which is emailed; tests/cases/test_at_a_glance.py has
    # the agency that may not see the case).
    assert "Testchild" in page and "Testchild" not in notification.summary
    assert client.get(reverse("case", args=[placed.pk])).status_code == 200


def test_the_inbox_says_each_time_the_gov_uk_way(placed, people, agencies):
    placement = told(placed, "suffolk_police", agencies)
    Notification.objects.filter(pk=placement.pk).update(
        created_at=dt.datetime(2026, 12, 4, 15, 7, tzinfo=dt.UTC),
        acknowledge_by=dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC),
    )
    many(placed, people, agencies, 1)
    done = Notification.objects.get(agency=agencies["suffolk_police"], subject_id=1000)
    acknowledge_notification(done, people["suffolk.officer"])
    # The night the clocks went back, 01:30 happened twice: which one is said.
    Notification.objects.filter(pk=done.pk).update(
        acknowledged_at=dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    )
    page = text_of(client_for("suffolk.officer").get(reverse("inbox")))
    assert "Norfolk County Council Children's Services 4 December 2026 at 3:07pm" in page
    assert "7 December 2026 at 3pm" in page
    assert "25 October 2026 at 1:30am GMT by Robin Marsh" in page


def test_other_agencies_see_none_of_it(placed):
    page = text_of(client_for("health.nurse").get(reverse("inbox")))
    assert "0 notifications" in page and "Your agency has no notifications." in page
    assert placed.reference not in page


def test_unacknowledged_come_first_soonest_deadline_first_overdue_and_escalated_marked(
    placed, people, agencies
):
    suffolk = agencies["suffolk_police"]
    placement = told(placed, "suffolk_police", agencies)
    missing = report_missing(
        people["social.worker"], placed, last_seen_at=timezone.now() - dt.timedelta(hours=1),
        last_seen_where="Ipswich", circumstances="Ran", risk="high",
    )  # fmt: skip
    urgent = Notification.objects.get(agency=suffolk, kind="missing", subject_id=missing.pk)
    Notification.objects.filter(pk=urgent.pk).update(
        acknowledge_by=timezone.now() - dt.timedelta(minutes=5), escalated_at=timezone.now()
    )
    many(placed, people, agencies, 1)
    done = Notification.objects.get(agency=suffolk, subject_id=1000)
    acknowledge_notification(done, people["suffolk.officer"])

    response = client_for("suffolk.officer").get(reverse("inbox"))
    order = [n.pk for n in response.context["page_obj"]]
    assert order == [urgent.pk, placement.pk, done.pk]
    rows = re.findall(r'<tr class="govuk-table__row" id="notification-(\d+)">(.*?)</tr>',
                      response.content.decode(), re.S)  # fmt: skip
    by_id = {int(pk): row for pk, row in rows}
    assert "Overdue" in by_id[urgent.pk] and "Escalated" in by_id[urgent.pk]
    assert "Overdue" not in by_id[placement.pk] and "Acknowledge" in by_id[placement.pk]
    assert "Robin Marsh" in by_id[done.pk] and "<form" not in by_id[done.pk]


def test_reading_the_inbox_is_audited_with_what_was_listed(placed, agencies):
    client_for("suffolk.officer").get(reverse("inbox"))
    (listed,) = events(Action.NOTIFICATIONS_LISTED)
    notification = told(placed, "suffolk_police", agencies)
    assert listed.actor_username == "suffolk.officer"
    assert listed.detail == {"page": 1, "notifications": [notification.pk], "cases": [placed.pk]}


def test_a_notification_about_a_case_the_agency_cannot_open_says_so(
    open_case_for, people, agencies
):
    case = open_case_for("social.worker", first_name="Unshared")
    notify(case, Notification.Kind.MISSING, 1, f"Case {case.reference}: child missing",
           people["social.worker"], [agencies["suffolk_police"]])  # fmt: skip
    client = client_for("suffolk.officer")
    html = client.get(reverse("inbox")).content.decode()
    assert case.reference in html
    assert reverse("case", args=[case.pk]) not in html
    assert "Your agency cannot open this case." in unescape(html)


def test_the_inbox_is_paged(placed, people, agencies):
    many(placed, people, agencies, 30)
    client = client_for("suffolk.officer")
    first = client.get(reverse("inbox"))
    assert len(first.context["page_obj"].object_list) == 25
    assert "31 notifications, 31 not acknowledged" in text_of(first)
    second = client.get(reverse("inbox"), {"page": 2})
    assert len(second.context["page_obj"].object_list) == 6


def test_the_inbox_takes_the_same_queries_for_3_notifications_or_40(
    placed, people, agencies, django_assert_max_num_queries
):
    many(placed, people, agencies, 2)
    client = client_for("suffolk.officer")
    with django_assert_max_num_queries(INBOX_QUERIES):
        assert len(client.get(reverse("inbox")).context["page_obj"].object_list) == 3
    many(placed, people, agencies, 37, start=2000)
    with django_assert_max_num_queries(INBOX_QUERIES):
        assert len(client.get(reverse("inbox")).context["page_obj"].object_list) == 25
    with django_assert_max_num_queries(INBOX_QUERIES):
        page = client.get(reverse("inbox"), {"page": 2}).context["page_obj"]
        assert len(page.object_list) == 15


# Acknowledging -----------------------------------------------------------------------------


def test_acknowledging_records_who_and_when_on_the_notification_and_the_chronology(
    placed, agencies, people
):
    notification = told(placed, "suffolk_police", agencies)
    client = client_for("suffolk.officer")
    response = client.post(reverse("inbox-acknowledge", args=[notification.pk]),
                           {"next": reverse("inbox") + "?page=1"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("inbox") + "?page=1"
    notification.refresh_from_db()
    assert notification.acknowledged_by == people["suffolk.officer"]
    assert notification.acknowledged_at is not None
    entry = placed.entries.get(category="notification_acknowledged")
    assert "acknowledged by Suffolk Constabulary" in entry.text
    (event,) = events(Action.NOTIFICATION_ACKNOWLEDGED)
    # The placement gave Suffolk police view access: acknowledged with it (one event).
    assert event.detail == {"notification": notification.pk, "kind": "placement",
                            "share": notification.share_id, "with_share": True}  # fmt: skip
    page = text_of(client.get(response["Location"]))
    assert f"You acknowledged ‘Child placed in your area’ for case {placed.reference}" in page
    assert "1 notification, 0 not acknowledged" in page

    # Again is harmless: no second entry, no second event.
    client.post(reverse("inbox-acknowledge", args=[notification.pk]))
    assert placed.entries.filter(category="notification_acknowledged").count() == 1
    assert len(events(Action.NOTIFICATION_ACKNOWLEDGED)) == 1

    # The placing social worker sees it on the chronology.
    chronology = text_of(client_for("social.worker").get(reverse("case", args=[placed.pk])))
    assert "acknowledged by Suffolk Constabulary" in chronology


@pytest.mark.parametrize("username", ["police.officer", "social.worker", "health.nurse"])
def test_a_notification_to_another_agency_is_404_to_acknowledge(placed, agencies, username):
    notification = told(placed, "suffolk_police", agencies)
    response = client_for(username).post(reverse("inbox-acknowledge", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.acknowledged_at is None
    (refusal,) = events(Action.PERMISSION_REFUSED)
    assert (refusal.target_type, refusal.target_id) == ("notification", str(notification.pk))
    assert client_for(username).post(reverse("inbox-acknowledge", args=[999999])).status_code == 404


def test_acknowledging_is_post_only_and_signed_in_only(placed, agencies):
    notification = told(placed, "suffolk_police", agencies)
    url = reverse("inbox-acknowledge", args=[notification.pk])
    assert client_for("suffolk.officer").get(url).status_code == 405
    response = Client().post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("sign-in"))
    notification.refresh_from_db()
    assert notification.acknowledged_at is None


def test_acknowledging_does_not_follow_a_next_address_off_the_site(placed, agencies):
    notification = told(placed, "suffolk_police", agencies)
    response = client_for("suffolk.officer").post(
        reverse("inbox-acknowledge", args=[notification.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("inbox")


# The count in the header -------------------------------------------------------------------


def test_every_page_shows_the_count_in_the_header_for_people_and_screen_readers(
    placed, people, agencies
):
    many(placed, people, agencies, 2)
    client = client_for("suffolk.officer")
    html = client.get(reverse("home")).content.decode()
    link = re.search(r'<a class="govuk-service-navigation__link" href="/inbox/".*?</a>', html, re.S)
    assert link, "the header has an Inbox link"
    spoken = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", link.group(0)))).strip()
    assert spoken == "Inbox, 3 unacknowledged"
    assert 'hx-get="/inbox/count/?shown=3"' in link.group(0)
    assert 'hx-trigger="every 30s"' in link.group(0)

    acknowledge_notification(told(placed, "suffolk_police", agencies),
                             people["suffolk.officer"])  # fmt: skip
    assert "Inbox, 2 unacknowledged" in text_of(client.get(reverse("cases"))).replace(" ,", ",")


def test_no_count_is_shown_when_there_is_nothing_to_acknowledge(placed):
    html = client_for("health.nurse").get(reverse("home")).content.decode()
    assert 'href="/inbox/"' in html and "unacknowledged" not in html


def test_before_the_second_factor_there_is_no_count_and_no_query_for_it(placed, people):
    client = Client()
    client.force_login(people["suffolk.officer"])
    response = client.get(reverse("sign-in-code"))
    assert response.status_code == 200
    assert "/inbox/" not in response.content.decode()


def test_the_count_fragment_answers_with_the_count_or_nothing_new(placed, people, agencies):
    client = client_for("suffolk.officer")
    url = reverse("inbox-count")
    response = client.get(url, {"shown": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith('<span id="app-inbox-count"') and "<html" not in fragment
    assert ">1<" in fragment and "unacknowledged" in fragment
    assert 'hx-get="/inbox/count/?shown=1"' in fragment
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # Unchanged: 204, and htmx leaves the page as it is.
    assert client.get(url, {"shown": "1"}, HTTP_HX_REQUEST="true").status_code == 204


def test_polling_the_count_does_not_keep_an_idle_session_alive(placed):
    client = client_for("suffolk.officer")
    key = client.session.session_key
    SignedInSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=5)
    )
    session = client.session
    session[TOUCHED_AT_KEY] = 0  # renewed long ago: the next request of activity renews it
    session.save()
    SignedInSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=5)
    )
    before = SignedInSession.objects.get(session_key=key).expire_date
    assert client.get(reverse("inbox-count"), HTTP_HX_REQUEST="true").status_code == 200
    assert SignedInSession.objects.get(session_key=key).expire_date == before
    # An ordinary page is activity, and pushes the idle timeout back.
    client.get(reverse("home"))
    assert SignedInSession.objects.get(session_key=key).expire_date > before


def test_signed_out_the_count_stops_htmx_polling_or_goes_to_sign_in(placed):
    polled = Client().get(reverse("inbox-count"), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286 and polled.content == b""
    opened = Client().get(reverse("inbox-count"))
    assert opened.status_code == 302 and opened["Location"].startswith(reverse("sign-in"))


# The agency admin's deliveries and webhook -----------------------------------------------


@pytest.fixture
def troubled(placed, agencies, people):
    """Norfolk children's services with one failed and one pending email delivery."""
    ncc = agencies["norfolk_childrens"]
    first, second = (
        notify(placed, Notification.Kind.MISSING, number, f"Case {placed.reference}: missing",
               people["police.officer"], [ncc])[0]
        for number in (1, 2)
    )  # fmt: skip
    failed = Delivery.objects.get(notification=first)
    for _ in range(3):
        DeliveryAttempt.objects.create(delivery=failed, succeeded=False,
                                       error="email: SMTPServerDisconnected: gone")  # fmt: skip
    Delivery.objects.filter(pk=failed.pk).update(
        state=Delivery.State.FAILED, attempts=3, last_error="email: SMTPServerDisconnected: gone"
    )
    pending = Delivery.objects.get(notification=second)
    DeliveryAttempt.objects.create(delivery=pending, succeeded=False, error="email: timed out")
    Delivery.objects.filter(pk=pending.pk).update(attempts=1, last_error="email: timed out")
    # Delivered ones, and other agencies' troubles, are not this page's business.
    Delivery.objects.filter(notification__agency=agencies["suffolk_police"]).update(
        state=Delivery.State.FAILED, last_error="suffolk's own trouble"
    )
    return failed, pending


def test_the_agency_admin_sees_what_was_not_delivered_and_why(troubled):
    failed, pending = troubled
    Delivery.objects.filter(pk=pending.pk).update(
        next_attempt_at=dt.datetime(2026, 12, 4, 15, 7, tzinfo=dt.UTC)
    )
    # Attempts are said to the second: several can fall in one minute.
    pending.tries.update(attempted_at=dt.datetime(2026, 12, 4, 15, 6, 5, tzinfo=dt.UTC))
    response = client_for("admin.ncc").get(reverse("agency-deliveries"))
    assert [d.pk for d in response.context["page_obj"]] == [failed.pk, pending.pk]
    page = text_of(response)
    assert "2 deliveries not made" in page
    assert "Failed after every retry" in page
    assert "Retrying next attempt on 4 December 2026 at 3:07pm" in page
    assert "4 December 2026 at 3:06:05pm: email: timed out" in page
    assert "email: SMTPServerDisconnected: gone" in page and "email: timed out" in page
    assert "3 attempts" in page and "1 attempt" in page
    assert "suffolk's own trouble" not in page


def test_the_deliveries_page_takes_the_same_queries_however_many_attempts(
    troubled, django_assert_max_num_queries
):
    client = client_for("admin.ncc")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("agency-deliveries"))
    failed, _ = troubled
    for _ in range(5):
        DeliveryAttempt.objects.create(delivery=failed, succeeded=False, error="again")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("agency-deliveries"))


@pytest.mark.parametrize("username", ["social.worker", "mash.manager", "suffolk.officer"])
def test_only_agency_admins_may_open_the_deliveries_page(troubled, username):
    client = client_for(username)
    response = client.get(reverse("agency-deliveries"))
    assert response.status_code == 403
    assert "You do not have permission to do that" in response.content.decode()
    posted = client.post(reverse("agency-deliveries"),
                         {"action": "webhook", "webhook_url": "https://x.example/"})  # fmt: skip
    assert posted.status_code == 403
    assert Agency.objects.filter(webhook_url="https://x.example/").count() == 0
    assert [e.detail for e in events(Action.PERMISSION_REFUSED)] == [{"need": "agency_admin"}] * 2


def test_setting_a_webhook_makes_a_secret_shown_once_and_audited_without_it(agencies):
    client = client_for("admin.ncc")
    url = reverse("agency-deliveries")
    response = client.post(url, {"action": "webhook", "webhook_url": "https://hub.ncc.example/in"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    ncc = Agency.objects.get(pk=agencies["norfolk_childrens"].pk)
    assert ncc.webhook_url == "https://hub.ncc.example/in" and len(ncc.webhook_secret) >= 40
    assert ncc.webhook_secret in response.content.decode()
    assert "it will not be shown again" in text_of(response)
    (event,) = events(Action.WEBHOOK_CHANGED)
    assert event.detail == {"host": "hub.ncc.example", "address_changed": True, "removed": False,
                            "secret_generated": True}  # fmt: skip
    assert ncc.webhook_secret not in str(event.detail)
    assert ncc.webhook_secret not in client.get(url).content.decode()

    # Rotating makes another, shown once; the old one is gone.
    old = ncc.webhook_secret
    rotated = client.post(url, {"action": "rotate"})
    ncc.refresh_from_db()
    assert ncc.webhook_secret != old and ncc.webhook_secret in rotated.content.decode()
    assert events(Action.WEBHOOK_CHANGED)[-1].detail["secret_generated"] is True

    # Changing the address keeps the secret; removing the address removes it.
    changed = client.post(url, {"action": "webhook", "webhook_url": "https://new.ncc.example/"})
    assert changed.status_code == 302
    ncc.refresh_from_db()
    assert ncc.webhook_url == "https://new.ncc.example/" and ncc.webhook_secret
    client.post(url, {"action": "webhook", "webhook_url": ""})
    ncc.refresh_from_db()
    assert (ncc.webhook_url, ncc.webhook_secret) == ("", "")
    assert [e.detail["removed"] for e in events(Action.WEBHOOK_CHANGED)] == [
        False, False, False, True,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://hub.ncc.example/in", "The webhook address must start with https://"),
        ("https://user:pw@hub.ncc.example/", "Take the user name and password out"),
        ("https://127.0.0.1/in", "not a local or private address"),
        ("https://10.1.2.3/in", "not a local or private address"),
        ("https://localhost/in", "not a local or private address"),
        ("not an address", "Enter a web address"),
    ],
)
def test_a_webhook_address_must_be_https_on_the_internet(agencies, address, message):
    response = client_for("admin.ncc").post(
        reverse("agency-deliveries"), {"action": "webhook", "webhook_url": address}
    )
    page = text_of(response)
    assert "There is a problem" in page and message in page
    assert address in unescape(response.content.decode())  # kept as typed
    assert Agency.objects.get(pk=agencies["norfolk_childrens"].pk).webhook_url == ""
    assert events(Action.WEBHOOK_CHANGED) == []


def test_with_debug_on_a_local_http_webhook_is_allowed_for_development(settings, agencies):
    settings.DEBUG = True
    response = client_for("admin.ncc").post(
        reverse("agency-deliveries"), {"action": "webhook", "webhook_url": "http://localhost:9000/"}
    )
    assert response.status_code == 200  # the new secret is shown
    assert Agency.objects.get(pk=agencies["norfolk_childrens"].pk).webhook_url == (
        "http://localhost:9000/"
    )


def test_the_inbox_links_admins_to_the_deliveries_page(placed):
    assert (
        reverse("agency-deliveries")
        in client_for("admin.ncc").get(reverse("inbox")).content.decode()
    )
    assert (
        reverse("agency-deliveries")
        not in client_for("social.worker").get(reverse("inbox")).content.decode()
    )

"""A form that records something records once per one-time token: a double click, a retry
or the back button sends the person to what the first submission did, and records nothing
again. A form shown again with its errors keeps its token usable."""

import datetime as dt
import html
import json
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Entry
from idempotency.forms import ALREADY, SAME_AGAIN
from idempotency.middleware import SAME_AGAIN_WINDOW
from idempotency.models import Claim
from idempotency.tasks import forget_expired_claims
from missing.models import MissingEpisode
from people.models import ApiToken
from tests.cases.page_helpers import text_of
from tests.cases.test_pages_changes import entry_form
from tests.conftest import verify_second_factor
from tests.missing.test_pages import missing_form

TOKEN = re.compile(r'<input type="hidden" name="once" value="([A-Za-z0-9_-]+)">')
SHOWN = re.compile(r'<input type="hidden" name="once_shown" value="([^"]*)">')


def token_of(response) -> str:
    found = TOKEN.search(response.content.decode())
    assert found, "the form carries no one-time token"
    return found.group(1)


@pytest.fixture
def entry_page(sign_in, open_case_for):
    """A social worker's case, her signed-in client, its entry form's address and token."""
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("entry-new", args=[case.pk])
    return case, client, url, token_of(client.get(url))


@pytest.mark.django_db
def test_the_same_entry_form_sent_twice_records_one_entry(entry_page):
    case, client, url, token = entry_page
    before = case.entries.count()
    first = client.post(url, entry_form(once=token, text="Seen near the station at night"))
    second = client.post(url, entry_form(once=token, text="Seen near the station at night"))
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == first["Location"] == reverse("case", args=[case.pk])
    assert case.entries.filter(text="Seen near the station at night").count() == 1
    assert case.entries.count() == before + 1
    assert ALREADY in text_of(client.get(second["Location"]))
    # A new showing of the form is a new token: the next entry is recorded.
    again = token_of(client.get(url))
    assert again != token
    client.post(url, entry_form(once=again, text="Seen again near the station"))
    assert case.entries.filter(text="Seen again near the station").count() == 1


@pytest.mark.django_db
def test_the_back_button_then_send_again_records_nothing_more(entry_page):
    """Back fetches the form afresh (a new token) and the browser puts back what was
    typed: the same details sent again soon after are the first submission again."""
    case, client, url, token = entry_page
    details = entry_form(text="Seen near the station at night")
    first = client.post(url, details | {"once": token})
    again = token_of(client.get(url))  # the back button
    second = client.post(url, details | {"once": again})
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert case.entries.filter(text="Seen near the station at night").count() == 1
    assert SAME_AGAIN in text_of(client.get(second["Location"]))
    # A change to what was typed is a new record...
    changed = details | {"text": "Seen near the bus station", "once": token_of(client.get(url))}
    third = client.post(url, changed)
    assert third.status_code == 302
    assert case.entries.filter(text="Seen near the bus station").count() == 1
    # ...and so are the same details sent again once the moment has passed.
    with time_machine.travel(timezone.now() + SAME_AGAIN_WINDOW + dt.timedelta(minutes=1)):
        later = token_of(client.get(url))
        assert client.post(url, details | {"once": later}).status_code == 302
    assert case.entries.filter(text="Seen near the station at night").count() == 2


def as_a_browser_sends(response, **typed) -> dict:
    """What a browser sends from this form: its token, its prefilled fields as they were
    shown (with the page's record of them), and what was typed over them."""
    found = SHOWN.search(response.content.decode())
    assert found, "the form does not say what it prefilled"
    shown = json.loads(html.unescape(found.group(1)))
    return shown | {"once": token_of(response), "once_shown": json.dumps(shown)} | typed


@pytest.mark.django_db
def test_back_as_the_minute_turns_records_nothing_more(entry_page):
    """The form prefills the time now. Back a few seconds later, in the next minute, shows
    the new minute in the field the browser does not put back: the time left as shown is
    the same detail, not a new entry."""
    case, client, url, _ = entry_page
    typed = {"category": "concern", "text": "Seen near the station at night"}
    before = timezone.now().replace(second=55, microsecond=0) - dt.timedelta(hours=1)
    with time_machine.travel(before, tick=False):
        shown = client.get(url)
        first = client.post(url, as_a_browser_sends(shown, **typed))
    with time_machine.travel(before + dt.timedelta(seconds=10), tick=False):
        back = client.get(url)
        sent = as_a_browser_sends(back, **typed)
        assert sent["occurred_time"] != as_a_browser_sends(shown)["occurred_time"]
        second = client.post(url, sent)
    assert (first.status_code, second.status_code) == (302, 302)
    assert case.entries.filter(text=typed["text"]).count() == 1
    assert SAME_AGAIN in text_of(client.get(second["Location"]))


@pytest.mark.django_db
def test_a_time_typed_over_the_prefilled_one_is_a_new_detail(entry_page):
    case, client, url, _ = entry_page
    typed = {"category": "concern", "text": "Seen near the station at night"}
    client.post(url, as_a_browser_sends(client.get(url), **typed))
    # Two hours earlier, with its own day: just after midnight that is yesterday evening.
    earlier = timezone.localtime() - dt.timedelta(hours=2)
    again = as_a_browser_sends(
        client.get(url), **typed, occurred_time=f"{earlier:%H:%M}",
        occurred_on_day=str(earlier.day), occurred_on_month=str(earlier.month),
        occurred_on_year=str(earlier.year),
    )  # fmt: skip
    assert client.post(url, again).status_code == 302
    assert case.entries.filter(text=typed["text"]).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile", ["not json", "[1, 2]", '{"occurred_time": 5}', '{"<script>": "x"}', "{" * 5000]
)
def test_a_malformed_record_of_the_prefilled_fields_is_ignored(entry_page, hostile):
    """It only ever matches a person's own two posts: anything else counts for nothing."""
    case, client, url, _ = entry_page
    typed = {"category": "concern", "text": "Seen near the station at night"}
    with time_machine.travel(timezone.now() - dt.timedelta(hours=1), tick=False):
        sent = as_a_browser_sends(client.get(url), **typed) | {"once_shown": hostile}
        first = client.post(url, sent)
        again = as_a_browser_sends(client.get(url), **typed) | {"once_shown": hostile}
        second = client.post(url, again)
        assert (second.status_code, second["Location"]) == (302, first["Location"])
        assert case.entries.filter(text=typed["text"]).count() == 1
        wrong = as_a_browser_sends(client.get(url), text="") | {"once_shown": hostile}
        shown_again = client.post(url, wrong)
    assert shown_again.status_code == 200
    assert "<script>" not in shown_again.content.decode()


@pytest.mark.django_db
def test_a_form_shown_again_with_errors_keeps_what_it_first_prefilled(entry_page):
    _, client, url, _ = entry_page
    first = client.get(url)
    wrong = client.post(url, as_a_browser_sends(first, text=""))
    assert wrong.status_code == 200
    assert SHOWN.search(wrong.content.decode()).group(1) == SHOWN.search(
        first.content.decode()
    ).group(1)


@pytest.mark.django_db
def test_the_same_details_from_someone_else_or_to_another_form_are_recorded(
    sign_in, open_case_for, share
):
    first_case = open_case_for("social.worker")
    second_case = open_case_for("social.worker")
    share(first_case, "norfolk_police", "contribute")
    details = entry_form(text="Seen near the station at night")
    worker = sign_in("social.worker")
    for case in (first_case, second_case):
        url = reverse("entry-new", args=[case.pk])
        worker.post(url, details | {"once": token_of(worker.get(url))})
    officer = sign_in("police.officer")
    url = reverse("entry-new", args=[first_case.pk])
    officer.post(url, details | {"once": token_of(officer.get(url))})
    assert first_case.entries.filter(text="Seen near the station at night").count() == 2
    assert second_case.entries.filter(text="Seen near the station at night").count() == 1


@pytest.mark.django_db
def test_a_form_shown_again_with_errors_keeps_its_token_usable(entry_page):
    case, client, url, token = entry_page
    wrong = client.post(url, entry_form(once=token, text=""))
    assert wrong.status_code == 200 and token_of(wrong) == token
    assert not Claim.objects.exists()
    right = client.post(url, entry_form(once=token, text="Came home with a new phone"))
    assert right.status_code == 302
    assert case.entries.filter(text="Came home with a new phone").count() == 1
    assert Claim.objects.get(kind=Claim.Kind.FORM).location == right["Location"]


@pytest.mark.django_db
def test_a_double_missing_report_makes_one_episode(sign_in, open_case_for):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    url = reverse("missing-new", args=[case.pk])
    token = token_of(client.get(url))
    for _ in range(2):
        assert client.post(url, missing_form(once=token)).status_code == 302
    assert MissingEpisode.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_a_token_is_the_persons_own(sign_in, open_case_for, share, client, people):
    """Another person's use of the same token value is another claim (tokens are random,
    but a person cannot block someone else's form by sending its token first)."""
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    url = reverse("entry-new", args=[case.pk])
    token = token_of(sign_in("social.worker").get(url))
    client.post(url, entry_form(once=token, text="From the social worker"))
    client.logout()
    officer = sign_in("police.officer")
    officer.post(url, entry_form(once=token, text="From the officer"))
    assert case.entries.filter(text__startswith="From the").count() == 2


@pytest.mark.django_db
def test_a_repeated_token_form_makes_one_token_and_never_shows_its_secret_again(sign_in):
    client = sign_in("social.worker")
    url = reverse("tokens")
    token = token_of(client.get(url))
    first = client.post(url, {"name": "Force case system link", "days": "7", "once": token})
    assert first.status_code == 200 and "Copy it now" in text_of(first)
    again = client.post(url, {"name": "Force case system link", "days": "7", "once": token})
    assert (again.status_code, again["Location"]) == (302, url)
    assert ApiToken.objects.filter(name="Force case system link").count() == 1
    assert Claim.objects.get(kind=Claim.Kind.FORM).body is None


@pytest.mark.django_db
def test_expired_claims_are_forgotten_every_hour(settings, people):
    Claim.objects.create(
        person_id=people["social.worker"].pk, kind=Claim.Kind.FORM, key="k", location="/",
        created_at=timezone.now() - dt.timedelta(hours=25),
    )  # fmt: skip
    schedule = settings.CELERY_BEAT_SCHEDULE["idempotency-forget"]
    assert (schedule["task"], schedule["schedule"]) == (forget_expired_claims.name, 3600.0)
    assert forget_expired_claims() == 1


CREATING_FORMS = [
    ("child-new", ""),
    ("entry-new", "case"),
    ("assessment-new", "case"),
    ("assessment-contribute", "case"),
    ("case-close", "case"),
    ("case-share", "case"),
    ("placement-new", "case"),
    ("missing-new", "case"),
    ("contact-new", "?new=1"),
    ("emergency-access", ""),
    ("tokens", ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "where"), CREATING_FORMS)
def test_every_form_that_creates_carries_a_token(sign_in, open_case_for, name, where):
    case = open_case_for("social.worker")
    client = sign_in("social.worker")
    of_case = where == "case"
    address = reverse(name, args=[case.pk] if of_case else []) + ("" if of_case else where)
    response = client.get(address)
    assert response.status_code == 200
    token_of(response)


def signed_in_client(person) -> Client:
    client = Client()
    client.force_login(person)
    verify_second_factor(client, person)
    return client


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_record_one_entry(open_case_for, people):
    """Two requests with one token at the same moment, each on its own connection to the
    real database: the second waits for the first's claim and records nothing."""
    case = open_case_for("social.worker")
    url = reverse("entry-new", args=[case.pk])
    first = signed_in_client(people["social.worker"])
    token = token_of(first.get(url))
    second = Client()
    second.cookies = first.cookies
    start = threading.Barrier(2)
    answers = []

    def send(client: Client) -> None:
        try:
            start.wait()
            answers.append(client.post(url, entry_form(once=token, text="Both at once")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [302, 302]
    assert Entry.objects.filter(case=case, text="Both at once").count() == 1

"""Matches across cases (issue 20, item 3): the worker compares a link with its thing's
other links after commit; each side is told only that there is a match and whom to ask,
never a child, a case or content; recording takes the same path with or without a match;
links per person are rate-limited."""

import datetime as dt
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from links.matching import compare, sweep
from links.models import Link, Match
from links.services import TooManyLinks
from notifications.models import Notification
from tests.cases.page_helpers import text_of
from tests.conftest import events
from tests.links.helpers import link

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(open_case_for, people, share):
    """The issue's journey: police record a vehicle on Aimee's case, restricted to them; the
    social worker records the same registration from a return interview on Tyler's."""
    aimee = open_case_for("social.worker", first_name="Aimee")
    tyler = open_case_for("social.worker", first_name="Tyler")
    share(aimee, "norfolk_police", "contribute")
    police = link(people["police.officer"], aimee, "vehicle", registration="AB12 CDE",
                  colour="Silver", restricted=True)  # fmt: skip
    council = link(people["social.worker"], tyler, "vehicle", registration="ab12cde",
                   learned_how="return_interview")  # fmt: skip
    assert compare(police.pk) == []  # the first of the thing: nothing to meet yet
    return aimee, tyler, police, council


def test_each_side_is_told_only_that_there_is_a_match_and_whom_to_ask(journey, agencies):
    aimee, tyler, police, council = journey
    [match] = compare(council.pk)
    assert (match.first, match.second) == (police, council)
    told = {n.agency_id: n for n in Notification.objects.filter(kind="link_match")}
    # The police recorded theirs; the council recorded Tyler's and leads his case. The
    # police's link is restricted, so Aimee's lead agency is not told through it.
    assert set(told) == {agencies["norfolk_police"].pk, agencies["norfolk_childrens"].pk}
    to_police = told[agencies["norfolk_police"].pk]
    to_council = told[agencies["norfolk_childrens"].pk]
    assert "Ask Norfolk County Council Children's Services to share" in to_police.summary
    assert "Ask Norfolk Constabulary to share" in to_council.summary
    for notification in told.values():
        assert notification.case_id is None and notification.subject_id == match.pk
        assert notification.reference == f"Match {match.pk}"
        for secret in ("Aimee", "Tyler", aimee.reference, tyler.reference, "AB12", "Silver"):
            assert secret.lower() not in notification.summary.lower()
    [event] = events(Action.LINK_MATCHED)
    assert event.detail["links"] == [police.pk, council.pk]
    assert "AB12CDE" not in str(event.detail)
    # Again (the sweep and the task both ran): nothing new.
    assert compare(council.pk) == [] and compare(police.pk) == []
    assert Notification.objects.filter(kind="link_match").count() == 2
    assert Match.objects.count() == 1


def test_an_unrestricted_link_tells_the_agency_leading_its_case(open_case_for, people,
                                                                agencies, share):  # fmt: skip
    led_by_council = open_case_for("social.worker")
    other = open_case_for("social.worker")
    share(led_by_council, "norfolk_hospital", "contribute")
    share(other, "norfolk_police", "contribute")
    first = link(people["health.nurse"], led_by_council, "phone", number="07700 900123")
    compare(first.pk)
    second = link(people["police.officer"], other, "phone", number="+44 7700 900123")
    compare(second.pk)
    told = set(Notification.objects.filter(kind="link_match").values_list("agency", flat=True))
    assert told == {agencies[k].pk for k in ("norfolk_hospital", "norfolk_childrens",
                                             "norfolk_police")}  # fmt: skip


def test_two_links_on_one_case_are_not_a_match_and_a_name_alone_never_is(open_case_for, people):
    case = open_case_for("social.worker")
    other = open_case_for("social.worker")
    a = link(people["social.worker"], case, "phone", number="07700 900123")
    b = link(people["social.worker"], case, "phone", number="07700900123")
    c = link(people["social.worker"], case, "person", name="Jay", relationship="associate")
    d = link(people["social.worker"], other, "person", name="Jay", relationship="associate")
    assert [compare(x.pk) for x in (a, b, c, d)] == [[], [], [], []]
    assert not Notification.objects.filter(kind="link_match").exists()


def test_the_match_page_shows_our_side_and_whom_to_ask_and_nothing_of_theirs(
    journey, client, sign_in
):
    aimee, tyler, _police, council = journey
    [match] = compare(council.pk)
    sign_in("police.officer")  # sees Aimee's case, not Tyler's
    page = client.get(reverse("link-match", args=[match.pk]))
    assert page.status_code == 200
    text = text_of(page)
    assert "AB12 CDE" in text and "Aimee" in text  # their own side
    assert "Norfolk County Council Children's Services" in text  # whom to ask
    assert "Tyler" not in text and tyler.reference not in text
    assert "return home interview" not in text.lower()  # how the council learned it
    [event] = events(Action.LINK_MATCH_VIEWED)
    assert event.detail == {"cases": [aimee.pk]}


def test_an_agency_not_told_of_a_match_cannot_read_it(journey, client, sign_in):
    *_, council = journey
    [match] = compare(council.pk)
    sign_in("health.nurse")
    assert client.get(reverse("link-match", args=[match.pk])).status_code == 404
    assert client.get(reverse("link-match", args=[match.pk + 999])).status_code == 404
    assert events(Action.PERMISSION_REFUSED)


def test_who_may_see_both_cases_sees_the_other_on_the_links_tab(journey, client, sign_in,
                                                                share):  # fmt: skip
    aimee, tyler, _police, _council = journey
    share(tyler, "norfolk_police", "view")
    sign_in("police.officer")
    page = client.get(reverse("case-links", args=[aimee.pk]))
    also = also_on(page)
    assert "Tyler" in also and tyler.reference in also
    assert b'data-node="case-' in page.content  # on the chart too
    [event] = events(Action.LINK_CHART_VIEWED)
    assert event.detail == {"cases": [tyler.pk], "children": [tyler.child_id]}


def test_a_restricted_link_is_never_shown_as_shared_to_another_agency(journey, client, sign_in):
    _aimee, tyler, _police, _council = journey
    sign_in("social.worker")  # sees both cases, but not the police's restricted link
    page = client.get(reverse("case-links", args=[tyler.pk]))
    assert "Aimee" not in also_on(page)
    assert b'data-node="case-' not in page.content
    assert not events(Action.LINK_CHART_VIEWED)


def also_on(page) -> str:
    """The "Also linked to" cells of the links table, as text."""
    cells = re.findall(r'data-testid="also-on">(.*?)</td>', page.content.decode(), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(cells)))


def _shape(queries) -> list[str]:
    """The statements without their values: what differs only in data is the same path."""
    said = []
    for query in queries:
        sql = re.sub(r'"s\d+_x\d+"', "savepoint", query["sql"])
        sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
        said.append(re.sub(r"\b\d+(\.\d+)?\b", "?", sql))
    return said


def test_recording_takes_the_same_path_with_or_without_a_match(open_case_for, people):
    """No other case's existence can show in the request: same statements either way."""
    holder = open_case_for("social.worker", first_name="Held")
    link(people["social.worker"], holder, "vehicle", registration="HE11 OOO")
    case = open_case_for("social.worker")
    worker = people["social.worker"]
    with CaptureQueriesContext(connection) as without:
        link(worker, case, "vehicle", registration="NE11 WWW")
    with CaptureQueriesContext(connection) as with_match:
        link(worker, case, "vehicle", registration="HE11 OOO")
    assert _shape(without.captured_queries) == _shape(with_match.captured_queries)
    assert not Match.objects.exists()  # the worker's, after commit


def test_links_per_person_are_rate_limited_and_the_refusal_audited(open_case_for, people,
                                                                   settings):  # fmt: skip
    settings.LINKS_PER_HOUR = 3
    case = open_case_for("social.worker")
    worker = people["social.worker"]
    for number in ("07700 900001", "07700 900002", "07700 900003"):
        link(worker, case, "phone", number=number)
    with pytest.raises(TooManyLinks, match="linked 3 things in the last hour"):
        link(worker, case, "phone", number="07700 900004")
    assert Link.objects.count() == 3
    assert events(Action.LINK_RATE_LIMITED)[0].detail == {"limit": 3}
    # An hour on, they may again; and the limit is per person.
    Link.objects.update(recorded_at=timezone.now() - dt.timedelta(minutes=61))
    link(worker, case, "phone", number="07700 900004")
    link(people["mash.manager"], case, "phone", number="07700 900005")


def test_the_sweep_compares_links_whose_task_was_lost(journey, settings):
    *_, council = journey
    Link.objects.filter(pk=council.pk).update(
        recorded_at=timezone.now()
        - dt.timedelta(seconds=settings.LINKS_MATCH_SWEEP_AFTER_SECONDS + 1)
    )
    assert sweep() == 1
    assert Match.objects.count() == 1 and sweep() == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_matches_after_commit(celery_worker, open_case_for, people, share):
    aimee = open_case_for("social.worker", first_name="Aimee")
    tyler = open_case_for("social.worker", first_name="Tyler")
    share(aimee, "norfolk_police", "contribute")
    link(people["police.officer"], aimee, "vehicle", registration="AB12 CDE", restricted=True)
    link(people["social.worker"], tyler, "vehicle", registration="AB12CDE")
    deadline = time.monotonic() + 20
    while Notification.objects.filter(kind="link_match").count() < 2:
        assert time.monotonic() < deadline, "the worker did not match within 20 s"
        time.sleep(0.1)
    assert Match.objects.count() == 1
    assert not Link.objects.filter(matched_at__isnull=True).exists()


def test_similar_names_are_suggested_to_who_sees_both_never_matched(
    open_case_for, people, client, sign_in, share
):
    one = open_case_for("social.worker", first_name="Aimee")
    two = open_case_for("social.worker", first_name="Tyler")
    share(one, "norfolk_police", "contribute")
    worker = people["social.worker"]
    named = link(worker, one, "person", name="Jay Example", relationship="adult_of_concern")
    alias = link(worker, two, "person", name="J", aliases="JAY EXÁMPLE\nJ-Man",
                 relationship="associate")  # fmt: skip
    secret = link(people["police.officer"], one, "person", name="Jay-Example",
                  relationship="adult_of_concern", restricted=True)  # fmt: skip
    assert [compare(x.pk) for x in (named, alias, secret)] == [[], [], []]  # never a match
    sign_in("social.worker")
    page = client.get(reverse("case-links", args=[two.pk])).content.decode()
    similar = page.split('data-testid="similar"')[1].split("</p>")[0]
    assert "Jay Example" in similar and "Aimee" in similar  # the council's, not the police's
    assert "Jay-Example" not in page
    rows = client.get(reverse("api-case-links", args=[two.pk])).json()["results"]
    assert rows[0]["similar_names"] == [{"id": one.pk, "reference": one.reference}]
    sign_in("police.officer")  # sees Aimee's case only: nothing of Tyler's
    page = client.get(reverse("case-links", args=[one.pk])).content.decode()
    assert "Tyler" not in page and 'data-testid="similar"' not in page

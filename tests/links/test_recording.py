"""Things of concern linked to a case (issue 20, item 1): recorded by whoever may add to
the chronology, normalised into one thing however written, kept as written, restricted
like an entry, and read on the case's Links tab."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from links.models import Link, Thing
from links.services import links_seen_by
from tests.cases.page_helpers import text_of
from tests.conftest import events
from tests.idempotency.test_forms import token_of
from tests.links.helpers import link

pytestmark = pytest.mark.django_db


def test_the_same_vehicle_written_two_ways_on_two_cases_is_one_thing(open_case_for, people, share):
    aimee = open_case_for("social.worker", first_name="Aimee")
    tyler = open_case_for("social.worker", first_name="Tyler")
    share(aimee, "norfolk_police", "contribute")
    police = link(people["police.officer"], aimee, "vehicle", registration="AB12 CDE",
                  colour="Silver", restricted=True)  # fmt: skip
    council = link(people["social.worker"], tyler, "vehicle", registration="ab12cde",
                   learned_how="return_interview")  # fmt: skip
    assert police.thing == council.thing and police.thing.key == "AB12CDE"
    assert police.written == {"registration": "AB12 CDE", "colour": "Silver"}  # as written
    assert Thing.objects.count() == 1
    assert events(Action.LINK_RECORDED)[-1].detail == {
        "link": council.pk,
        "kind": "vehicle",
        "restricted": False,
    }  # no content in the audit log


@pytest.mark.parametrize("written", ["07700 900123", "+44 7700 900123", "(07700) 900-123"])
def test_phone_numbers_meet_however_written(open_case_for, people, written):
    case = open_case_for("social.worker")
    first = link(people["social.worker"], case, "phone", number="07700900123")
    second = link(people["social.worker"], case, "phone", number=written)
    assert first.thing == second.thing


def test_a_name_alone_never_meets_a_name_with_a_date_of_birth_does(open_case_for, people):
    case = open_case_for("social.worker")
    worker = people["social.worker"]
    one = link(worker, case, "person", name="Jay Example", relationship="adult_of_concern")
    two = link(worker, case, "person", name="jay example", relationship="adult_of_concern")
    assert one.thing != two.thing and one.thing.key == ""
    born = dt.date(1999, 4, 1)
    three = link(worker, case, "person", name="Jay Exámple", date_of_birth=born,
                 relationship="adult_of_concern")  # fmt: skip
    four = link(worker, case, "person", name="JAY EXAMPLE", date_of_birth=born,
                relationship="adult_of_concern")  # fmt: skip
    assert three.thing == four.thing
    assert three.written["ethnicity"] == "not_known" and three.written["nationality"] == "Not known"


def test_bad_input_is_refused_with_a_reason_and_nothing_is_recorded(open_case_for, people):
    case = open_case_for("social.worker")
    with pytest.raises(ValidationError, match="Enter a phone number"):
        link(people["social.worker"], case, "phone", number="not a number")
    with pytest.raises(ValidationError, match="address and postcode"):
        link(people["social.worker"], case, "place", place_type="flat")
    with pytest.raises(PermissionDenied):
        link(people["ig.officer"], case, "phone", number="07700 900123")
    assert not Link.objects.exists()


def test_a_restricted_link_is_read_only_by_its_agency(open_case_for, people, share, sign_in):
    case = open_case_for("social.worker", first_name="Aimee")
    share(case, "norfolk_police", "contribute")
    link(people["police.officer"], case, "vehicle", registration="AB12 CDE", restricted=True)
    link(people["social.worker"], case, "place", address="Flat 2, 14 Example Road",
         postcode="nr1 3ab", place_type="flat")  # fmt: skip
    assert links_seen_by(people["social.worker"], case).count() == 1
    assert links_seen_by(people["police.officer"], case).count() == 2
    council = text_of(sign_in("social.worker").get(reverse("case-links", args=[case.pk])))
    assert "AB12 CDE" not in council and "NR1 3AB" in council and "Flat or house" in council
    police = text_of(sign_in("police.officer").get(reverse("case-links", args=[case.pk])))
    assert "AB12 CDE" in police and "Only your agency" in police


def test_the_form_asks_the_kind_then_records_once_and_keeps_what_was_typed(open_case_for, sign_in):
    case = open_case_for("social.worker", first_name="Formed")
    client = sign_in("social.worker")
    start = reverse("link-new", args=[case.pk])
    chooser = text_of(client.get(start))
    assert "What do you want to link to this case?" in chooser and "Phone number" in chooser
    url = f"{start}?kind=phone"
    token = token_of(client.get(url))
    bad = client.post(url, {"number": "0770", "learned_how": "sighting", "once": token,
                            "learned_on_day": "1", "learned_on_month": "12",
                            "learned_on_year": "2026"})  # fmt: skip
    assert bad.status_code == 200
    assert "Enter a phone number" in text_of(bad) and 'value="0770"' in bad.content.decode()
    sent = {"number": "07700 900123", "learned_how": "disclosure", "once": token,
            "learned_on_day": "1", "learned_on_month": "12", "learned_on_year": "2026"}  # fmt: skip
    assert client.post(url, sent).status_code == 302
    assert client.post(url, sent).status_code == 302  # a double click records once
    assert Link.objects.filter(case=case).count() == 1
    page = text_of(client.get(reverse("case-links", args=[case.pk])))
    assert "07700 900123" in page and "Disclosure, 1 December 2026" in page
    future = timezone.localdate() + dt.timedelta(days=2)
    late = client.post(url, {**sent, "once": token_of(client.get(url)),
                             "learned_on_day": str(future.day),
                             "learned_on_month": str(future.month),
                             "learned_on_year": str(future.year)})  # fmt: skip
    assert late.status_code == 200 and re.search(r"today or in the past", text_of(late))

"""A referrer reads, on its own agency's contacts, the child as it gave them: typed, or picked
as it was shown them when recording. Never the record an NHS number linked, nor a
placeholder because the agency no longer sees the child (issue 17 item 6: a contact about a
child known through another agency read "The child with the NHS number you gave").

Pages (the contact, "contacts your agency made") and the API alike; the MASH still reads
the record, and what was typed beside it only for a typed child. Contacts recorded before
the name was kept are filled in by triage migration 0003 where the referrer's agency knew
the child then.
"""

import datetime as dt
import importlib
import re
from html import unescape

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Child
from sharing.services import revoke_share
from triage.models import Contact
from triage.services import NewChild, record_contact

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("triage.migrations.0003_contact_child_as_given_backfill")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def shown_to(client, contact: Contact) -> tuple[str, str, dict]:
    """The contact page, the list of contacts made, and the API's child, as `client` reads."""
    page = text(client.get(reverse("contact", args=[contact.pk])))
    listed = text(client.get(reverse("contacts")))
    api = client.get(reverse("api-contact", args=[contact.pk])).json()["child"]
    return page, listed, api


def contact_about(person, child=None, *, new_child=None, partnership) -> Contact:
    return record_contact(
        person, child, new_child=new_child, area=partnership.areas["norfolk"],
        referrer_type="professional", referrer_name=person.get_full_name(),
        referrer_role=person.job_title, received_at=timezone.now() - dt.timedelta(minutes=5),
        concern="Seen with older men.",
    )  # fmt: skip


@pytest.fixture
def shared_then_revoked(open_case_for, share, people, partnership):
    """The police pick a child the social worker shared with them; the share then ends."""
    case = open_case_for("social.worker", first_name="Pickable", last_name="Sharedchild",
                         date_of_birth=dt.date(2012, 1, 5))  # fmt: skip
    given = share(case, "norfolk_police")
    contact = contact_about(people["police.officer"], case.child, partnership=partnership)
    revoke_share(given, people["social.worker"])
    return contact


def test_a_picked_child_is_kept_as_the_referrer_was_shown_it(shared_then_revoked):
    assert shared_then_revoked.child_as_given == {
        "first_name": "Pickable", "last_name": "Sharedchild", "date_of_birth": "2012-01-05",
        "picked": True,
    }  # fmt: skip
    assert shared_then_revoked.child_typed == {}


def test_the_referrer_still_reads_the_name_it_picked_after_losing_sight_of_the_child(
    shared_then_revoked, sign_in
):
    page, listed, api = shown_to(sign_in("police.officer"), shared_then_revoked)
    for shown in (page, listed):
        assert "Pickable Sharedchild" in shown
        assert "NHS number you gave" not in shown and "Name not recorded" not in shown
    assert api == {"name": "Pickable Sharedchild", "date_of_birth": "2012-01-05"}


def test_the_referrer_reads_what_it_typed_not_the_record_it_later_sees(
    open_case_for, share, people, partnership, sign_in
):
    """Typed one way, linked by NHS number to another agency's record; the police come to
    see that record later through a share. Their contact still reads as they typed it."""
    known = open_case_for("social.worker", first_name="Recordname", last_name="Other",
                          nhs_number="9434765919")  # fmt: skip
    typed = NewChild(child_fields={
        "first_name": "Typedname", "last_name": "Asgiven", "date_of_birth": dt.date(2011, 3, 4),
        "gender": "female", "nhs_number": "943 476 5919",
    })  # fmt: skip
    contact = contact_about(people["police.officer"], new_child=typed, partnership=partnership)
    assert contact.child == known.child
    share(known, "norfolk_police")
    page, listed, api = shown_to(sign_in("police.officer"), contact)
    for shown in (page, listed):
        assert "Typedname Asgiven" in shown and "Recordname" not in shown
    assert api["name"] == "Typedname Asgiven"


def test_the_mash_reads_the_record_and_is_not_told_a_picked_child_was_typed(
    shared_then_revoked, sign_in
):
    client = sign_in("social.worker")
    page = text(client.get(reverse("contact", args=[shared_then_revoked.pk])))
    assert "Pickable Sharedchild" in page and "As the referrer gave the child" not in page
    read = client.get(reverse("api-contact", args=[shared_then_revoked.pk])).json()
    assert read["child_as_given"] is None and read["child"]["name"] == "Pickable Sharedchild"


def test_a_transferred_contact_names_the_child_for_the_mash_that_passed_it_on(
    make_contact, people, agencies
):
    from triage.services import decide_contact

    contact = make_contact(rag="green", first_name="Movedaway")
    decide_contact(people["mash.manager"], contact, "transfer", "Moved to Suffolk.",
                   transfer_to=agencies["suffolk_childrens"])  # fmt: skip
    moved = Contact.objects.get(mash=agencies["suffolk_childrens"])
    assert moved.child_given_name == "Movedaway Testchild"


class TestContactsRecordedBeforeTheNameWasKept:
    """triage migration 0003, run on rows as the old code left them (no picked child kept)."""

    def forget(self, *contacts: Contact) -> None:
        Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(child_as_given={})

    def test_filled_in_where_the_referrers_agency_knew_the_child(
        self, shared_then_revoked, make_contact, partnership, people
    ):
        own = make_contact(by="health.nurse", first_name="Ownrecord")
        self.forget(shared_then_revoked, own)
        backfill.backfill(apps, None)
        shared_then_revoked.refresh_from_db()
        own.refresh_from_db()
        assert shared_then_revoked.child_given_name == "Pickable Sharedchild"
        assert own.child_given_name == "Ownrecord Testchild"
        assert own.child_as_given["picked"] is True

    def test_left_empty_where_it_did_not_and_then_no_name_is_shown(
        self, open_case_for, people, partnership, sign_in
    ):
        """As the demo did: the police recorded a contact about a child only the hospital
        had recorded. No name is better than the hospital's record."""
        child = Child.objects.create(
            first_name="Hospitalonly", last_name="Record", gender="female",
            created_by=people["health.nurse"], search_text="hospitalonly record",
        )  # fmt: skip
        contact = contact_about(people["police.officer"], child, partnership=partnership)
        typed = make_typed(people, partnership)
        self.forget(contact)
        backfill.backfill(apps, None)
        contact.refresh_from_db()
        typed_before = typed.child_as_given
        typed.refresh_from_db()
        assert contact.child_as_given == {} and typed.child_as_given == typed_before
        page, listed, api = shown_to(sign_in("police.officer"), contact)
        for shown in (page, listed):
            assert "Hospitalonly" not in shown and "Name not recorded with this contact" in shown
        assert api == {"name": "", "date_of_birth": None}


def make_typed(people, partnership) -> Contact:
    typed = NewChild(child_fields={
        "first_name": "Stays", "last_name": "Typed", "date_of_birth": None, "gender": "male",
        "nhs_number": "",
    })  # fmt: skip
    return contact_about(people["police.officer"], new_child=typed, partnership=partnership)


def test_the_list_of_contacts_made_costs_the_same_with_1_or_20(make_contact, sign_in):
    client = sign_in("health.nurse")
    counts = []
    for total in (1, 20):
        while Contact.objects.count() < total:
            make_contact(first_name=f"Listed{Contact.objects.count()}")
        client.get(reverse("contacts"))
        with CaptureQueriesContext(connection) as queries:
            page = text(client.get(reverse("contacts")))
        assert page.count("Testchild") == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts

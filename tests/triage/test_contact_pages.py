"""The contact and partner-check pages: recording a contact, the MASH's work, the answers.

Who may open each page is tests/triage/test_contact_pages_permissions.py; here is what the pages
do for those who may: they call the services, show their refusals on the form with what
was typed kept, show each person only their part, and record every read.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Child, Entry, searchable
from people.models import Agency
from tests.cases.page_helpers import run_search
from tests.conftest import events
from triage.models import Contact, PartnerCheck
from triage.services import answer_check, decide_contact, rate_contact, request_checks

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")

CONCERN = "Seen getting into cars with older men after school."


def contact_data(when: dt.datetime | None = None, **overrides) -> dict:
    local = timezone.localtime(when or timezone.now() - dt.timedelta(minutes=30))
    from people.models import Area

    data = {
        "area": str(Area.objects.get(name="Norfolk").pk),
        "referrer_type": "professional",
        "referrer_name": "Taylor Reed",
        "referrer_role": "Safeguarding nurse",
        "referrer_phone": "01603 000000",
        "referrer_email": "",
        "received_on_day": str(local.day),
        "received_on_month": str(local.month),
        "received_on_year": str(local.year),
        "received_time": f"{local:%H:%M}",
        "concern": CONCERN,
    }
    return data | overrides


def new_child_data(**overrides) -> dict:
    data = {
        "new": "1",
        "first_name": "Jaydene",
        "last_name": "Newchild",
        "aliases": "JJ",
        "date_of_birth_day": "4",
        "date_of_birth_month": "3",
        "date_of_birth_year": "2011",
        "gender": "female",
        "nhs_number": "",
        "police_reference": "",
        "local_authority_reference": "",
        "address": "3 Example Road, Norwich",
        "postcode": "nr1 3qu",
        "looked_after": "no",
        "responsible_authority": "",
    }
    return data | overrides


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def rated(make_contact):
    return make_contact(by="health.nurse", rag="amber", first_name="Kerry", last_name="Pagechild")


@pytest.fixture
def with_checks(rated, people, agencies):
    """The amber contact, with Norfolk Constabulary and the hospital asked."""
    checks = request_checks(
        people["mash.manager"], rated,
        [agencies["norfolk_police"], agencies["norfolk_hospital"]], "What do you hold?",
    )  # fmt: skip
    rated.refresh_from_db()
    return rated, {c.agency.name: c for c in checks}


class TestRecordingAContact:
    def test_the_first_step_finds_only_children_the_person_can_see(
        self, sign_in, open_case_for, share
    ):
        shared = open_case_for("social.worker", first_name="Shared", last_name="Findme")
        share(shared, "norfolk_hospital")
        open_case_for("social.worker", first_name="Hidden", last_name="Findme")
        client = sign_in("health.nurse")
        page = body(run_search(client, reverse("contact-new"), {"name": "findme"}))
        assert "Shared Findme" in page
        assert "Hidden" not in page
        assert f"?child={shared.child.pk}" in page
        assert events(Action.SEARCH)[-1].detail["children"] == [shared.child.pk]

    def test_a_contact_about_a_child_already_known(self, sign_in, open_case_for, share):
        case = open_case_for("social.worker", first_name="Known", last_name="Child")
        share(case, "norfolk_hospital")
        client = sign_in("health.nurse")
        form = client.get(reverse("contact-new"), {"child": case.child.pk})
        assert "Known Child" in body(form)
        # The hospital's only area is chosen, and the recorder's own details filled in.
        assert "selected>Norfolk</option>" in body(form)
        assert 'value="Taylor"' not in body(form)  # not a name box: the full name is
        assert "Taylor Reed" in body(form)
        response = client.post(reverse("contact-new"), {"child": case.child.pk} | contact_data())
        contact = Contact.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("contact", args=[contact.pk])
        assert contact.child == case.child
        assert contact.mash.name == "Norfolk County Council Children's Services"
        assert contact.referring_agency.name.startswith("Norfolk and Norwich")
        assert contact.concern == CONCERN
        page = body(client.get(response["Location"]))
        assert f"Contact {contact.reference} recorded" in page
        assert len(events(Action.CONTACT_RECORDED)) == 1

    def test_a_contact_about_a_new_child_records_the_child_as_the_case_flow_does(self, sign_in):
        client = sign_in("health.nurse")
        response = client.post(
            reverse("contact-new"), new_child_data(nhs_number="943 476 5919") | contact_data()
        )
        assert response.status_code == 302
        child = Child.objects.get()
        assert child.nhs_number == "9434765919"
        assert child.postcode == "NR1 3QU"
        assert child.search_text.startswith(searchable("Jaydene Newchild") + "\n")
        assert "jj" in child.search_text
        assert child.cases.count() == 0  # the MASH decides whether a case is opened
        assert Contact.objects.get().child == child
        assert len(events(Action.CHILD_CREATED)) == 1

    def test_a_possible_duplicate_the_person_can_see_is_named(self, sign_in, open_case_for, share):
        case = open_case_for("social.worker", first_name="Jaydene", last_name="Newchild",
                             date_of_birth=dt.date(2011, 3, 4))  # fmt: skip
        share(case, "norfolk_hospital")
        client = sign_in("health.nurse")
        data = new_child_data() | contact_data()
        warned = client.post(reverse("contact-new"), data)
        assert warned.status_code == 200
        page = body(warned)
        assert "This child may already be recorded" in page
        assert f"?child={case.child.pk}" in page
        assert "I have checked: this is a different child" in page
        assert Contact.objects.count() == 0
        assert CONCERN in page  # what was typed is kept
        # Confirming it is a different child records it.
        checked = warned.context["confirm"]["checked_details"]
        confirmed = client.post(
            reverse("contact-new"),
            data | {"confirm_different": "on", "checked_details": checked},
        )
        assert confirmed.status_code == 302
        assert Child.objects.filter(first_name="Jaydene").count() == 2
        assert len(events(Action.DUPLICATE_WARNED)) == 1

    def test_a_possible_duplicate_the_person_cannot_see_is_warned_about_without_details(
        self, sign_in, open_case_for
    ):
        open_case_for("social.worker", first_name="Jaydene", last_name="Newchild",
                      date_of_birth=dt.date(2011, 3, 4), address="9 Secret Lane")  # fmt: skip
        client = sign_in("health.nurse")
        page = body(client.post(reverse("contact-new"), new_child_data() | contact_data()))
        assert "may already be recorded by another agency" in page
        assert "Secret Lane" not in page
        assert "?child=" not in page
        assert Contact.objects.count() == 0

    def test_the_same_nhs_number_links_the_contact_to_the_known_child(self, sign_in, open_case_for):
        """Not refused: the concern must reach the MASH whoever knows the child; the nurse
        is not shown that child, and the MASH sees what was typed beside the record."""
        known = open_case_for("social.worker", first_name="Other", nhs_number="9434765919")
        client = sign_in("health.nurse")
        response = client.post(
            reverse("contact-new"), new_child_data(nhs_number="943 476 5919") | contact_data(),
            follow=True,
        )  # fmt: skip
        page = body(response)
        # Nothing says the number was known: the child reads as the nurse gave it.
        assert "already known to the Hub" not in page and "Jaydene Newchild" in page
        assert "Other" not in page  # the known child's record is not shown to the nurse
        listed = body(client.get(reverse("contacts")))
        assert "Jaydene Newchild" in listed and "Other" not in listed
        contact = Contact.objects.get()
        assert contact.child == known.child
        assert Child.objects.count() == 1
        assert contact.child_given_name == "Jaydene Newchild"
        assert contact.child_given_born == dt.date(2011, 3, 4)

    def test_errors_keep_everything_typed(self, sign_in):
        client = sign_in("health.nurse")
        data = new_child_data(first_name="") | contact_data(
            concern="", referrer_name="Someone Typed", referrer_role="Ward sister"
        )
        response = client.post(reverse("contact-new"), data)
        assert response.status_code == 200
        page = body(response)
        assert "There is a problem" in page
        assert 'href="#id_first_name">Enter first name' in page
        assert 'href="#id_concern">Enter what was reported' in page
        assert 'value="Someone Typed"' in page
        assert 'value="Ward sister"' in page
        assert 'value="Newchild"' in page
        assert "<title>Error: " in page
        assert Child.objects.count() == Contact.objects.count() == 0

    def test_a_time_in_the_future_is_refused(self, sign_in):
        # At noon, so that two hours on is still today (the date alone is then right).
        with time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=LONDON), tick=True):
            client = sign_in("health.nurse")
            later = timezone.now() + dt.timedelta(hours=2)
            data = new_child_data() | contact_data(later)
            page = body(client.post(reverse("contact-new"), data))
            assert (
                'href="#id_received_time">The time it was received must be now or in the past'
                in page
            )
            tomorrow = timezone.now() + dt.timedelta(days=1)
            data = new_child_data() | contact_data(tomorrow)
            page = body(client.post(reverse("contact-new"), data))
            assert 'href="#id_received_on_day">Date received must be today or in the past' in page
            assert f'value="{timezone.localtime(tomorrow).day}"' in page
        assert Contact.objects.count() == 0

    def test_a_member_of_the_public_needs_a_way_to_be_reached(self, sign_in):
        client = sign_in("health.nurse")
        public = contact_data(referrer_type="public", referrer_phone="", referrer_email="",
                              referrer_name="A neighbour", referrer_role="Neighbour")  # fmt: skip
        page = body(client.post(reverse("contact-new"), new_child_data() | public))
        assert "Enter a telephone number or email address so the MASH can reach them" in page
        assert 'value="A neighbour"' in page
        assert Contact.objects.count() == 0
        reached = public | {"referrer_email": "neighbour@example.com"}
        assert client.post(reverse("contact-new"), new_child_data() | reached).status_code == 302
        assert Contact.objects.get().referrer_type == "public"

    def test_a_professional_needs_no_phone_or_email(self, sign_in):
        client = sign_in("health.nurse")
        data = contact_data(referrer_phone="", referrer_email="")
        assert client.post(reverse("contact-new"), new_child_data() | data).status_code == 302


class TestTheMashActs:
    def test_rating_through_the_page(self, sign_in, make_contact):
        contact = make_contact(received_at=dt.datetime(2025, 12, 3, 15, 7, tzinfo=LONDON))
        client = sign_in("mash.manager")
        assert "Rate the contact" in body(client.get(reverse("contact", args=[contact.pk])))
        response = client.post(
            reverse("contact-rate", args=[contact.pk]),
            {"rag": "amber", "reason": "Older men, no immediate danger."},
        )
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.rag == "amber"
        page = body(client.get(reverse("contact", args=[contact.pk])))
        # Amber: decided within 24 hours of receipt, said as every page says a time.
        assert "Rated amber. The decision is due by 4 December 2025 at 3:07pm." in page
        assert "Older men, no immediate danger." in page  # the rating history, with reason
        assert events(Action.CONTACT_RATED)[-1].detail == {"rag": "amber", "previous": None}

    def test_rating_errors_are_shown_with_what_was_typed(self, sign_in, rated):
        client = sign_in("mash.manager")
        url = reverse("contact-rate", args=[rated.pk])
        missing = body(client.post(url, {"rag": "red", "reason": ""}))
        assert "Enter the reason for the rating" in missing
        # The service's refusal (already amber) is on the form, the reason kept.
        again = client.post(url, {"rag": "amber", "reason": "Still amber, I think"})
        assert again.status_code == 200
        assert "The contact is already rated amber." in body(again)
        assert "Still amber, I think" in body(again)
        assert rated.ratings.count() == 1

    def test_assigning_through_the_page(self, sign_in, rated, people):
        client = sign_in("mash.manager")
        url = reverse("contact-assign", args=[rated.pk])
        form = body(client.get(url))
        assert "Unassigned" in form and "Jo Fletcher" in form
        assert "Dana Wells" not in form  # police are not colleagues at the MASH
        assert client.post(url, {"assignee": people["social.worker"].pk}).status_code == 302
        rated.refresh_from_db()
        assert rated.assigned_to == people["social.worker"]
        assert "Jo Fletcher" in body(client.get(reverse("contact", args=[rated.pk])))
        assert client.post(url, {"assignee": "none"}).status_code == 302
        rated.refresh_from_db()
        assert rated.assigned_to is None
        refused = body(client.post(url, {"assignee": people["police.officer"].pk}))
        assert "Select who to assign the contact to" in refused
        assert len(events(Action.CONTACT_ASSIGNED)) == 2

    def test_requesting_checks_through_the_page(self, sign_in, make_contact, agencies):
        contact = make_contact()
        client = sign_in("mash.manager")
        url = reverse("contact-checks", args=[contact.pk])
        form = body(client.get(url))
        assert "Norfolk Constabulary" in form
        assert "Norfolk County Council Children" not in form.split("<form")[1]  # not itself
        # Agencies covering the contact's area come before those that do not.
        assert form.index("Norfolk Constabulary") < form.index("Suffolk Constabulary")
        police, hospital = agencies["norfolk_police"], agencies["norfolk_hospital"]
        data = {"agencies": [police.pk, hospital.pk], "question": "What do you hold?"}
        unrated = body(client.post(url, data))
        assert "Rate the contact first" in unrated
        assert "What do you hold?" in unrated
        rate_contact(contact.mash.people.get(username="mash.manager"), contact, "amber",
                     "Rated.")  # fmt: skip
        none = body(client.post(url, {"question": "What do you hold?"}))
        assert "Select at least one partner agency" in none
        response = client.post(url, data)
        assert response.status_code == 302
        assert set(contact.checks.values_list("agency__name", flat=True)) == {
            police.name,
            hospital.name,
        }
        page = body(client.get(reverse("contact", args=[contact.pk])))
        assert "Checks requested from" in page
        # Those already asked are no longer offered.
        form = body(client.get(url))
        assert "Already asked:" in form
        assert f'value="{police.pk}"' not in form

    def test_deciding_opens_the_case_and_links_it(self, sign_in, with_checks, people):
        contact, checks = with_checks
        answer_check(people["police.officer"], checks["Norfolk Constabulary"],
                     "Known to us.", "Under investigation.")  # fmt: skip
        client = sign_in("mash.manager")
        url = reverse("contact-decide", args=[contact.pk])
        contact.ratings.update(due_at=dt.datetime(2026, 12, 4, 15, 7, tzinfo=LONDON))
        missing = body(client.post(url, {"decision": "strategy_discussion", "rationale": ""}))
        assert "Enter the rationale for the decision" in missing
        transfer = body(client.post(url, {"decision": "transfer", "rationale": "Moved away"}))
        assert "Select the authority to transfer the contact to" in transfer
        assert "Moved away" in transfer
        response = client.post(
            url, {"decision": "strategy_discussion", "rationale": "Significant harm likely."}
        )
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.decided and contact.case is not None
        page = body(client.get(reverse("contact", args=[contact.pk])))
        assert "Decision recorded: Strategy discussion (s.47)." in page
        assert reverse("case", args=[contact.case.pk]) in page
        assert "Significant harm likely." in page
        categories = set(contact.case.entries.values_list("category", flat=True))
        story = {Entry.Category.MASH_CONTACT, Entry.Category.MASH_RATING,
                 Entry.Category.PARTNER_CHECK, Entry.Category.MASH_DECISION}  # fmt: skip
        assert story <= categories
        rating = contact.case.entries.get(category=Entry.Category.MASH_RATING)
        assert rating.text.startswith("Rated amber (decision due 4 December 2026 at 3:07pm): ")
        # Once decided, the action pages send the manager back to the contact.
        for name in ["contact-rate", "contact-assign", "contact-checks", "contact-decide"]:
            back = client.get(reverse(name, args=[contact.pk]))
            assert back.status_code == 302, name
        assert "Decide what happens next" not in page

    def test_transferring_to_another_authority(self, sign_in, rated, agencies):
        client = sign_in("mash.manager")
        response = client.post(
            reverse("contact-decide", args=[rated.pk]),
            {"decision": "transfer", "rationale": "Lives in Suffolk now.",
             "transfer_to": agencies["suffolk_childrens"].pk},
        )  # fmt: skip
        assert response.status_code == 302
        rated.refresh_from_db()
        assert rated.transfer_to == agencies["suffolk_childrens"]
        assert Contact.objects.filter(mash=agencies["suffolk_childrens"]).count() == 1

    def test_only_managers_see_the_actions(self, sign_in, rated):
        page = body(sign_in("social.worker").get(reverse("contact", args=[rated.pk])))
        assert "Kerry Pagechild" in page
        assert reverse("contact-rate", args=[rated.pk]) not in page

    def test_an_overdue_contact_says_so_in_words(self, sign_in, make_contact):
        contact = make_contact(received_at=timezone.now() - dt.timedelta(hours=6))
        page = body(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
        assert "Overdue" in page
        assert 'govuk-visually-hidden">Warning</span> Overdue' in page


class TestWhoSeesWhat:
    def test_the_referrer_sees_what_it_reported_not_the_answers(self, sign_in, with_checks, people):
        contact, checks = with_checks
        answer_check(people["police.officer"], checks["Norfolk Constabulary"],
                     "Known to us for shoplifting.", "Linked to an ongoing operation.")  # fmt: skip
        client = sign_in("health.nurse")
        page = body(client.get(reverse("contact", args=[contact.pk])))
        assert CONCERN in page
        assert contact.get_state_display() in page
        assert "shoplifting" not in page
        assert "ongoing operation" not in page
        assert "Partner checks" not in page
        assert "Rating history" not in page
        decide_contact(people["mash.manager"], contact, "assessment",
                       "The rationale is for the MASH.")  # fmt: skip
        page = body(client.get(reverse("contact", args=[contact.pk])))
        assert "Child and family assessment (s.17)" in page
        assert "The rationale is for the MASH." not in page
        assert "shoplifting" not in page
        # The hospital has no share on the case it opened: no link to it.
        contact.refresh_from_db()
        assert reverse("case", args=[contact.case_id]) not in page
        viewed = events(Action.CONTACT_VIEWED)
        assert [e.detail["access"] for e in viewed] == ["referrer", "referrer"]

    def test_the_mash_sees_every_answer_and_the_restricted_part_labelled(
        self, sign_in, with_checks, people
    ):
        contact, checks = with_checks
        answer_check(people["police.officer"], checks["Norfolk Constabulary"],
                     "Known to us for shoplifting.", "Linked to an ongoing operation.")  # fmt: skip
        page = body(sign_in("social.worker").get(reverse("contact", args=[contact.pk])))
        assert "Known to us for shoplifting." in page
        assert "Restricted: for the MASH only" in page
        assert "Linked to an ongoing operation." in page
        assert events(Action.CONTACT_VIEWED)[-1].detail["access"] == "mash"

    def test_a_partner_sees_only_its_own_check(self, sign_in, with_checks):
        contact, checks = with_checks
        client = sign_in("police.officer")
        mine = client.get(reverse("check", args=[checks["Norfolk Constabulary"].pk]))
        page = body(mine)
        assert "Kerry Pagechild" in page
        assert "4 March 2011" in page
        assert "What do you hold?" in page
        assert "Send the answer to the MASH" in page
        assert CONCERN not in page  # the contact itself is the MASH's
        hospitals = checks["Norfolk and Norwich University Hospitals NHS Foundation Trust"]
        assert client.get(reverse("check", args=[hospitals.pk])).status_code == 404
        listed = body(client.get(reverse("checks")))
        assert listed.count("Answer the check") == 1
        viewed = events(Action.CHECK_VIEWED)
        assert viewed[-1].detail == {"contact": contact.pk, "access": "asked"}

    def test_answering_a_check_and_not_twice(self, sign_in, with_checks):
        _contact, checks = with_checks
        check = checks["Norfolk Constabulary"]
        client = sign_in("police.officer")
        url = reverse("check", args=[check.pk])
        empty = body(client.post(url, {"answer": "", "restricted_answer": "Kept typed"}))
        assert "Enter what your agency holds, or that it holds nothing" in empty
        assert "Kept typed" in empty
        response = client.post(url, {"answer": "Nothing held.", "restricted_answer": ""})
        assert response.status_code == 302 and response["Location"] == url
        page = body(client.get(url))
        assert "Your answer has gone to the Norfolk County Council Children" in page
        assert "Nothing held." in page
        assert "Send the answer to the MASH" not in page
        again = client.post(url, {"answer": "Something else.", "restricted_answer": ""})
        assert again.status_code == 302
        check.refresh_from_db()
        assert check.answer == "Nothing held."
        assert "already answered" in body(client.get(url))
        assert len(events(Action.CHECK_ANSWERED)) == 1

    def test_the_asking_mash_reads_the_check_but_cannot_answer(self, sign_in, with_checks):
        _contact, checks = with_checks
        check = checks["Norfolk Constabulary"]
        client = sign_in("mash.manager")
        page = body(client.get(reverse("check", args=[check.pk])))
        assert "Norfolk Constabulary has not answered yet." in page
        assert "<textarea" not in page
        assert events(Action.CHECK_VIEWED)[-1].detail["access"] == "mash"

    def test_the_partner_sees_its_own_restricted_part_labelled(self, sign_in, with_checks, people):
        _contact, checks = with_checks
        check = checks["Norfolk Constabulary"]
        answer_check(people["police.officer"], check, "Known.", "Operation Example.")
        page = body(sign_in("police.mash").get(reverse("check", args=[check.pk])))
        assert "Restricted: for the MASH only" in page
        assert "Operation Example." in page

    def test_overdue_checks_are_marked_in_words(self, sign_in, with_checks):
        contact, _checks = with_checks
        PartnerCheck.objects.filter(contact=contact).update(
            due_at=timezone.now() - dt.timedelta(hours=1)
        )
        listed = body(sign_in("police.officer").get(reverse("checks")))
        assert ">Overdue<" in listed
        page = body(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
        assert page.count("(overdue: no answer yet)") == 2


class TestLists:
    def test_contacts_made_newest_first_with_outcome(self, sign_in, make_contact, people):
        older = make_contact(received_at=timezone.now() - dt.timedelta(days=2), rag="green")
        newer = make_contact(first_name="Newer")
        decide_contact(people["mash.manager"], older, "advice", "Advice given.")
        page = body(sign_in("health.nurse").get(reverse("contacts")))
        assert page.index(newer.reference) < page.index(older.reference)
        assert "Advice and information" in page
        assert "Not decided yet" in page
        assert events(Action.CONTACTS_LISTED)[-1].detail["contacts"] == [newer.pk, older.pk]

    def test_contacts_are_paged(self, sign_in, make_contact):
        for _ in range(26):
            make_contact()
        client = sign_in("health.nurse")
        first = body(client.get(reverse("contacts")))
        assert "26 contacts" in first
        assert 'rel="next"' in first
        second = body(client.get(reverse("contacts"), {"page": 2}))
        assert second.count('href="/contacts/') == 1 + second.count('href="/contacts/new/')


class TestQueries:
    def test_the_contact_page_costs_the_same_with_1_or_10_checks_and_ratings(
        self, client, make_contact, people, agencies
    ):
        def build(checks: int, ratings: int) -> Contact:
            contact = make_contact(rag="red")
            for i in range(ratings - 1):
                rate_contact(people["mash.manager"], contact,
                             "amber" if i % 2 == 0 else "red", f"Change {i}")  # fmt: skip
            partners = list(Agency.objects.exclude(pk=contact.mash_id).order_by("pk"))
            while len(partners) < checks:
                partners.append(Agency.objects.create(name=f"Partner {len(partners)}",
                                                      kind=Agency.Kind.OTHER))  # fmt: skip
            made = request_checks(people["mash.manager"], contact, partners[:checks],
                                  "What do you hold?")  # fmt: skip
            for check in made[: checks // 2]:
                PartnerCheck.objects.filter(pk=check.pk).update(
                    answer="Held.", restricted_answer="Restricted.",
                    answered_at=timezone.now(), answered_by=people["police.officer"],
                )  # fmt: skip
            return contact

        from tests.conftest import verify_second_factor

        client.force_login(people["mash.manager"])
        verify_second_factor(client, people["mash.manager"])
        counts = []
        for checks, ratings in [(1, 1), (10, 10)]:
            contact = build(checks, ratings)
            client.get(reverse("contact", args=[contact.pk]))  # warm any per-session caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("contact", args=[contact.pk]))
            assert response.status_code == 200
            assert body(response).count('data-testid="partner-check"') == checks
            counts.append(len(queries))
        assert counts[0] == counts[1], counts
        assert counts[0] <= 20


def test_a_child_known_only_through_a_contact_is_found_for_the_next_one(sign_in, make_contact):
    """No case yet, but the nurse's agency recorded the child and the MASH received the
    contact: both find the child again rather than record them twice."""
    first = make_contact(first_name="Quillon", last_name="Onlycontact")
    for username in ["health.nurse", "mash.manager"]:
        page = body(run_search(sign_in(username), reverse("contact-new"), {"name": "Quillon"}))
        assert f"?child={first.child.pk}" in page
    page = body(run_search(sign_in("police.officer"), reverse("contact-new"), {"name": "Quillon"}))
    assert "0 children found" in page and f"?child={first.child.pk}" not in page


def test_with_redis_down_every_mash_form_records_as_normal(
    redis_down, sign_in, with_checks, people
):
    """A contact recorded, rated, assigned, checks asked, a check answered and a decision,
    all through the pages with Redis stopped (DESIGN.md: losing Redis delays work and never
    loses it; issue 16)."""
    contact, checks = with_checks
    nurse = sign_in("health.nurse")
    made = nurse.post(reverse("contact-new"), new_child_data() | contact_data())
    assert made.status_code == 302, body(made)[:300]
    assert Contact.objects.count() == 2

    manager = sign_in("mash.manager")
    posts = [
        ("contact-rate", {"rag": "red", "reason": "Injuries now reported."}),
        ("contact-assign", {"assignee": people["social.worker"].pk}),
        ("contact-checks", {"agencies": [Agency.objects.get(name="Suffolk Constabulary").pk],
                            "question": "Anything on the man in the car?"}),
    ]  # fmt: skip
    for name, data in posts:
        response = manager.post(reverse(name, args=[contact.pk]), data)
        assert response.status_code == 302, (name, body(response)[:300])
    police = sign_in("police.officer")
    check = checks["Norfolk Constabulary"]
    answered = police.post(
        reverse("check", args=[check.pk]), {"answer": "Nothing held.", "restricted_answer": ""}
    )
    assert answered.status_code == 302
    manager = sign_in("mash.manager")
    decided = manager.post(
        reverse("contact-decide", args=[contact.pk]),
        {"decision": "strategy_discussion", "rationale": "Significant harm likely."},
    )
    assert decided.status_code == 302, body(decided)[:300]
    contact.refresh_from_db()
    assert contact.decided and contact.case is not None and contact.assigned_to is not None
    assert contact.checks.count() == 3
    assert PartnerCheck.objects.get(pk=check.pk).answered_at is not None
    assert len(events(Action.CONTACT_RECORDED)) == 2  # the fixture's and the page's

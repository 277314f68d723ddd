"""MASH decision support on the pages (issue 17, item 5): the decide page warns about
outstanding checks and a manager closes one with a reason; a decision that opens a case
offers the share form prefilled for the partners who answered; the queue and the contact
page show the child's age, contacts this year, open cases and the first words of the
concern, in constant queries; assigning from the queue says who has it and offers an undo;
the contact form states the real deadlines.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from notifications.models import Notification
from sharing.models import Share
from tests.triage.test_contact_pages import body
from tests.triage.test_screen_pages import TRIAGE_QUERIES, rows_of, text_of
from triage.models import Contact, PartnerCheck
from triage.services import answer_check, close_check, decide_contact, request_checks

pytestmark = pytest.mark.django_db
HOSPITAL = "Norfolk and Norwich University Hospitals NHS Foundation Trust"
REASON = "Decided on the police answer at the strategy call."


@pytest.fixture
def asked(make_contact, people, agencies):
    """An amber contact with checks asked of the police and the hospital."""
    contact = make_contact(rag="amber", first_name="Wren", last_name="Asked")
    checks = request_checks(
        people["mash.manager"], contact,
        [agencies["norfolk_police"], agencies["norfolk_hospital"]], "What do you hold?",
    )  # fmt: skip
    return contact, {c.agency.name: c for c in checks}


# --- the decide page warns; a check is closed with a reason ---------------------------------


def test_the_decide_page_lists_the_outstanding_checks_by_agency_and_due_time(
    sign_in, asked, people
):
    contact, checks = asked
    hospital = checks[HOSPITAL]
    PartnerCheck.objects.filter(pk=hospital.pk).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    answer_check(people["police.officer"], checks["Norfolk Constabulary"], "Two call-outs.")
    page = text_of(sign_in("mash.manager").get(reverse("contact-decide", args=[contact.pk])))
    assert "1 partner check is still outstanding" in page
    # What deciding anyway does (item 6's rule, test_checks_overtaken.py), said before it.
    assert "If you decide now, each check still outstanding is closed as overtaken" in page
    table = re.search(r'data-testid="outstanding-checks".*?</table>', page).group(0)
    assert HOSPITAL in table and "Norfolk Constabulary" not in table
    assert "Overdue" in table  # in words, not colour alone
    close = reverse("contact-check-close", args=[contact.pk, hospital.pk])
    assert f'href="{close}?next=' in table


def test_with_every_check_answered_or_closed_the_decide_page_does_not_warn(sign_in, asked, people):
    contact, checks = asked
    answer_check(people["police.officer"], checks["Norfolk Constabulary"], "Two call-outs.")
    close_check(people["mash.manager"], checks[HOSPITAL], REASON)
    page = text_of(sign_in("mash.manager").get(reverse("contact-decide", args=[contact.pk])))
    assert "still outstanding" not in page and 'data-testid="outstanding-checks"' not in page


def test_closing_a_check_from_the_decide_page_and_back_to_it(sign_in, asked):
    contact, checks = asked
    hospital = checks[HOSPITAL]
    manager = sign_in("mash.manager")
    decide = reverse("contact-decide", args=[contact.pk])
    url = reverse("contact-check-close", args=[contact.pk, hospital.pk])
    form = text_of(manager.get(url, {"next": decide}))
    assert "Close the check with " + HOSPITAL in form.replace("&#x27;", "'")
    assert f'name="next" value="{decide}"' in form
    response = manager.post(url, {"reason": REASON, "next": decide})
    assert response.status_code == 302 and response["Location"] == decide
    page = text_of(manager.get(decide))
    assert f"The check with {HOSPITAL} is closed" in page.replace("&#x27;", "'")
    assert PartnerCheck.objects.get(pk=hospital.pk).closed_reason == REASON
    # Closing again: nothing to close, back where it came from.
    again = manager.get(url)
    assert again.status_code == 302 and again["Location"] == reverse("contact", args=[contact.pk])


def test_the_close_form_keeps_what_was_typed_on_an_error(sign_in, asked):
    contact, checks = asked
    url = reverse("contact-check-close", args=[contact.pk, checks[HOSPITAL].pk])
    too_long = "Seen at the station. " * 60  # over 1,000 characters
    response = sign_in("mash.manager").post(url, {"reason": too_long})
    assert response.status_code == 200
    page = body(response)
    assert "must be 1,000 characters or fewer" in page
    assert "Seen at the station. Seen at the station." in page
    empty = text_of(sign_in("mash.manager").post(url, {"reason": "  "}))
    assert "Enter why you are closing the check" in empty
    assert PartnerCheck.objects.get(pk=checks[HOSPITAL].pk).closed_at is None


def test_a_check_of_another_contact_is_404_under_this_one(sign_in, asked, make_contact, people,
                                                         agencies):  # fmt: skip
    contact, _ = asked
    other = make_contact(rag="red")
    (elsewhere,) = request_checks(people["mash.manager"], other, [agencies["norfolk_police"]], "?")
    url = reverse("contact-check-close", args=[contact.pk, elsewhere.pk])
    client = sign_in("mash.manager")
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": REASON}).status_code == 404
    assert PartnerCheck.objects.get(pk=elsewhere.pk).closed_at is None


def test_the_partner_reads_why_its_check_was_closed_and_cannot_answer_it(sign_in, asked, people):
    _, checks = asked
    police = checks["Norfolk Constabulary"]
    close_check(people["mash.manager"], police, "Known to us already <b>bold</b>.")
    officer = sign_in("police.officer")
    inbox = text_of(officer.get(reverse("inbox")))
    assert "See why the check was closed" in inbox
    assert f'href="{reverse("check", args=[police.pk])}"' in inbox
    page = text_of(officer.get(reverse("check", args=[police.pk])))
    name = people["mash.manager"].get_full_name()
    assert f"by {name}, unanswered: Known to us already" in page
    assert "Known to us already &lt;b&gt;bold&lt;/b&gt;." in page  # escaped
    assert 'name="answer"' not in page
    response = officer.post(reverse("check", args=[police.pk]), {"answer": "Late answer."})
    assert response.status_code == 302
    assert "No answer is needed now" in text_of(officer.get(response["Location"]))
    assert PartnerCheck.objects.get(pk=police.pk).answered_at is None


def test_the_contact_page_marks_a_closed_check_and_offers_to_close_an_open_one(
    sign_in, asked, people
):
    contact, checks = asked
    close_check(people["mash.manager"], checks[HOSPITAL], REASON)
    page = text_of(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
    assert "Closed</strong>" in page and REASON in page
    police_close = reverse(
        "contact-check-close", args=[contact.pk, checks["Norfolk Constabulary"].pk]
    )
    hospital_close = reverse("contact-check-close", args=[contact.pk, checks[HOSPITAL].pk])
    assert police_close in page and hospital_close not in page
    # The referrer sees no checks, closed or not.
    referrer = text_of(sign_in("health.nurse").get(reverse("contact", args=[contact.pk])))
    assert REASON not in referrer and police_close not in referrer


# --- after a decision: share with the partners who answered ----------------------------------


def _decided(asked, people, decision="strategy_discussion") -> Contact:
    contact, checks = asked
    answer_check(people["police.officer"], checks["Norfolk Constabulary"], "Two call-outs.")
    close_check(people["mash.manager"], checks[HOSPITAL], REASON)
    return decide_contact(people["mash.manager"], contact, decision, "Risk of CSE.")


def test_a_decision_that_opens_a_case_offers_to_share_it_with_who_answered(
    sign_in, asked, people, agencies
):
    contact = _decided(asked, people)
    manager = sign_in("mash.manager")
    page = text_of(manager.get(reverse("contact", args=[contact.pk])))
    offers = re.search(r'data-testid="share-offers".*?</div>', page).group(0)
    assert f"Share case {contact.case.reference} with Norfolk Constabulary" in offers
    assert HOSPITAL not in offers  # closed, never answered
    police = agencies["norfolk_police"].pk
    link = re.search(r'href="([^"]+)"', offers).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("case-share", args=[contact.case_id]))
    assert f"agency={police}" in link and "level=contribute" in link
    assert "lawful_basis" not in link

    form = body(manager.get(link))
    assert re.search(rf'<option value="{police}"\s+selected>', form)
    assert re.search(r'value="contribute" checked', form)
    # The lawful basis is chosen, never defaulted: no radio of it is checked.
    basis = re.findall(r'name="lawful_basis" type="radio" value="\w+"( checked)?', form)
    assert basis and not any(basis)

    sent = manager.post(
        link,
        {"agency": police, "level": "contribute", "purpose": "Strategy discussion.",
         "next": reverse("contact", args=[contact.pk])},
    )  # fmt: skip
    assert sent.status_code == 200  # no lawful basis: refused, what was typed kept
    assert "Select the lawful basis" in body(sent) and "Strategy discussion." in body(sent)
    assert not Share.objects.filter(case=contact.case, agency_id=police).exists()
    shared = manager.post(
        link,
        {"agency": police, "level": "contribute", "lawful_basis": "ca1989_s47",
         "purpose": "Strategy discussion.", "next": reverse("contact", args=[contact.pk])},
    )  # fmt: skip
    assert shared.status_code == 302, body(shared)[:400]
    assert shared["Location"] == reverse("contact", args=[contact.pk])
    share = Share.objects.get(case=contact.case, agency_id=police)
    assert (share.level, share.lawful_basis) == ("contribute", "ca1989_s47")
    after = text_of(manager.get(shared["Location"]))
    assert "The case is shared with Norfolk Constabulary" in after
    assert 'data-testid="share-offers"' not in after  # nobody left to offer it to


def test_the_share_form_ignores_what_it_cannot_offer_in_the_address(sign_in, asked, people):
    contact = _decided(asked, people)
    url = reverse("case-share", args=[contact.case_id])
    form = body(
        sign_in("mash.manager").get(
            url, {"agency": contact.mash_id, "level": "owner", "lawful_basis": "consent"}
        )
    )
    assert " selected>" not in form.split('name="agency"')[1].split("</select>")[0]
    assert " checked" not in form


@pytest.mark.parametrize(("decision", "level"), [("assessment", "view"), ("early_help", "view")])
def test_other_decisions_that_open_a_case_offer_view(sign_in, asked, people, decision, level):
    contact = _decided(asked, people, decision)
    page = body(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
    assert f"level={level}" in page


def test_no_share_is_offered_without_a_case_or_to_who_may_not_share(sign_in, asked, people):
    contact = _decided(asked, people, "no_further_action")
    page = text_of(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
    assert 'data-testid="share-offers"' not in page


def test_a_social_worker_reading_the_contact_is_not_offered_the_share(sign_in, asked, people):
    contact = _decided(asked, people)
    page = text_of(sign_in("social.worker").get(reverse("contact", args=[contact.pk])))
    assert 'data-testid="share-offers"' not in page


# --- the child beside the contact: age, contacts this year, open cases, the concern ----------


@pytest.fixture
def known_child(make_contact, open_case_for, people, agencies):
    """A child with a case Norfolk children's services lead, a police case not shared with
    them, an earlier contact this year and one 13 months ago, and today's contact."""
    case = open_case_for("social.worker", first_name="Hazel", last_name="Known",
                         date_of_birth=dt.date(2011, 1, 2))  # fmt: skip
    child = case.child
    Case.objects.create(
        child=child, lead_agency=agencies["norfolk_police"], reference="CSE-2026-999001",
        opened_by=people["police.officer"],
    )  # fmt: skip
    now = timezone.now()
    make_contact(child=child, received_at=now - dt.timedelta(days=100))
    old = make_contact(child=child)
    Contact.objects.filter(pk=old.pk).update(received_at=now - dt.timedelta(days=400))
    today = make_contact(
        child=child, rag="red",
        concern="<script>alert(1)</script> Seen with older men near the bus station at "
        "night, twice this week, getting into a silver car.",
    )  # fmt: skip
    return today, case


def _age(born: dt.date) -> int:
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_the_queue_shows_age_contacts_open_cases_and_the_first_words(sign_in, known_child):
    contact, _ = known_child
    response = sign_in("mash.manager").get(reverse("triage"))
    page = body(response)
    row = re.search(rf'<tr class="govuk-table__row" data-contact="{contact.pk}">.*?</tr>', page,
                    re.S).group(0)  # fmt: skip
    context = re.sub(
        r"\s+", " ", re.search(r'data-testid="child-context">(.*?)</td>', row).group(1)
    )
    assert context == (
        f"Age {_age(dt.date(2011, 1, 2))}<br>2 contacts in 12 months<br>1 open case"
    )  # the police's unshared case is not counted; the contact 13 months ago is not
    concern = re.search(r'data-testid="concern-start">(.*?)</th>', row, re.S).group(1)
    concern = concern.removeprefix('<span class="govuk-visually-hidden">Concern: </span>')
    assert concern.startswith("“&lt;script&gt;alert(1)&lt;/script&gt; Seen with older men")
    assert concern.endswith("…”</span>") and "silver car" not in concern


def test_the_contact_page_shows_the_mash_the_child_beside_the_contact(sign_in, known_child):
    contact, case = known_child
    page = text_of(sign_in("mash.manager").get(reverse("contact", args=[contact.pk])))
    assert re.search(rf'data-testid="child-age">{_age(dt.date(2011, 1, 2))}<', page)
    assert 'data-testid="child-contacts">2 to this MASH, this one included' in page
    cases = re.search(r'data-testid="child-open-cases">(.*?)</dd>', page).group(1)
    assert case.reference in cases and "CSE-2026-999001" not in cases


def test_the_referrer_is_not_shown_the_childs_other_contacts_or_cases(sign_in, known_child):
    contact, case = known_child
    page = text_of(sign_in("health.nurse").get(reverse("contact", args=[contact.pk])))
    assert 'data-testid="child-contacts"' not in page and case.reference not in page


def test_the_queue_costs_the_same_for_1_contact_or_50_with_their_cases_and_history(
    sign_in, make_contact, open_case_for, people, agencies
):
    manager = sign_in("mash.manager")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            case = open_case_for("social.worker", first_name=f"Q{n}", last_name="Queue")
            make_contact(child=case.child, received_at=timezone.now() - dt.timedelta(days=30))
            contact = make_contact(child=case.child, rag=["red", "amber", "green"][n % 3])
            request_checks(people["mash.manager"], contact, [agencies["norfolk_police"]], "?")

    add(1, 0)
    manager.get(reverse("triage"))
    with CaptureQueriesContext(connection) as one:
        assert manager.get(reverse("triage")).status_code == 200
    add(49, 1)
    with CaptureQueriesContext(connection) as fifty:
        response = manager.get(reverse("triage"))
    assert len(rows_of(response)) == 25
    assert body(response).count("2 contacts in 12 months") == 25
    assert len(one) == len(fifty) == TRIAGE_QUERIES, [q["sql"][:90] for q in fifty.captured_queries]


def test_the_decide_page_costs_the_same_with_1_or_many_outstanding_checks(
    sign_in, make_contact, people
):
    from people.models import Agency

    manager = sign_in("mash.manager")
    counts = []
    for n in (1, 8):
        contact = make_contact(rag="amber")
        partners = [Agency.objects.create(name=f"Partner {n}-{i}", kind=Agency.Kind.OTHER)
                    for i in range(n)]  # fmt: skip
        request_checks(people["mash.manager"], contact, partners, "?")
        url = reverse("contact-decide", args=[contact.pk])
        manager.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = body(manager.get(url))
        assert page.count("Close the check<span") == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- assigning confirms, with an undo -------------------------------------------------------


def test_assigning_from_the_queue_says_who_has_it_and_undo_gives_it_back(
    sign_in, make_contact, people
):
    contact = make_contact(rag="red")
    manager = sign_in("mash.manager")
    back = f"{reverse('triage')}?rag=red"
    sent = manager.post(reverse("triage"), {"contact": contact.pk, "next": back,
                                            "assignee": people["social.worker"].pk})  # fmt: skip
    page = text_of(manager.get(sent["Location"]))
    banner = re.search(r'data-testid="assigned".*?</form>', page).group(0)
    assert f"{contact.reference} is now assigned to Jo Fletcher." in banner
    assert "It was not assigned." in banner
    assert f'name="give_back" value="{contact.pk}:none"' in banner
    assert 'name="undo" value="1"' in banner
    assert f'name="next" value="{back}"' in banner.replace("&amp;", "&")
    # Shown once: the next visit has no banner.
    assert 'data-testid="assigned"' not in text_of(manager.get(back))

    undo = manager.post(reverse("triage"), {"give_back": f"{contact.pk}:none",
                                            "undo": "1", "next": back})  # fmt: skip
    assert Contact.objects.get(pk=contact.pk).assigned_to is None
    page = text_of(manager.get(undo["Location"]))
    assert f"Undone: {contact.reference} is not assigned to anyone again." in page
    assert 'name="undo"' not in page


def test_assigning_through_htmx_offers_the_undo_in_place(sign_in, make_contact, people):
    contact = make_contact(rag="amber")
    assign = {"contact": contact.pk, "assignee": people["mash.manager"].pk}
    manager = sign_in("mash.manager")
    manager.post(reverse("triage"), assign)
    response = manager.post(reverse("triage"), assign | {"assignee": people["social.worker"].pk},
                            HTTP_HX_REQUEST="true")  # fmt: skip
    page = text_of(response)
    assert "<html" not in page
    assert f"{contact.reference} is now assigned to Jo Fletcher." in page
    assert "It was assigned to Morgan Hale." in page
    assert f'name="give_back" value="{contact.pk}:{people["mash.manager"].pk}"' in page
    assert 'hx-post="/triage/"' in page.split('data-testid="assigned"')[1]


# --- the contact form states the real deadlines ----------------------------------------------


def test_the_contact_form_states_the_deadlines_the_queue_counts_by(sign_in, settings):
    nurse = sign_in("health.nurse")
    words = "red within 4 hours of receipt, amber within 24 hours and green within 3 working days"
    find = text_of(nurse.get(reverse("contact-new")))
    assert words in find and "within a working day" not in find
    assert words in text_of(nurse.get(reverse("contact-new"), {"new": "1"}))
    settings.MASH_DECISION_RED_HOURS = 2
    settings.MASH_DECISION_GREEN_WORKING_DAYS = 1
    changed = text_of(nurse.get(reverse("contact-new")))
    assert "red within 2 hours of receipt" in changed and "green within 1 working day." in changed


def test_the_partner_is_told_once_however_the_close_form_is_sent(sign_in, asked):
    """The form's one-time token: the same form sent twice closes and tells once."""
    from tests.idempotency.test_forms import token_of

    contact, checks = asked
    url = reverse("contact-check-close", args=[contact.pk, checks[HOSPITAL].pk])
    manager = sign_in("mash.manager")
    token = token_of(manager.get(url))
    first = manager.post(url, {"once": token, "reason": REASON})
    second = manager.post(url, {"once": token, "reason": REASON})
    assert first.status_code == second.status_code == 302
    assert Notification.objects.filter(kind="check_closed").count() == 1

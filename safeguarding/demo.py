"""Fictional children and cases for the demo partnership (`manage.py load_demo`).

Every name, date and event here is invented. NHS numbers are from the 999 range, which is
reserved for testing and never issued to a person.
"""

import datetime as dt
import io

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from cases.assessments import record_assessment
from cases.models import Case, Child, Entry
from cases.services import add_entry, create_child, create_child_and_case
from links.matching import compare
from links.models import Link
from links.services import record_link
from meetings import services as meetings
from missing import profiles
from missing.models import MissingEpisode, Placement
from missing.services import (
    record_placement,
    record_return,
    record_return_interview,
    report_missing,
)
from notifications.models import Notification
from notifications.services import acknowledge_notification
from people.demo import Partnership
from sharing.models import LawfulBasis, Share
from sharing.services import acknowledge_share, share_case
from triage.models import Contact, PartnerCheck, Rag
from triage.services import (
    answer_check,
    assign_contact,
    check_due,
    decide_contact,
    rate_contact,
    record_contact,
    request_checks,
)


def test_nhs_number(nine_digits: str) -> str:
    """A number in the reserved 999 test range with a correct check digit."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine_digits))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10:
        raise ValueError("no valid check digit for " + nine_digits)
    return f"{nine_digits}{check}"


def _ago(days: int, hour: int = 14) -> dt.datetime:
    when = timezone.localtime() - dt.timedelta(days=days)
    return when.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def build_cases(partnership: Partnership) -> list[Case]:
    """Create the demo cases once; does nothing if any child is already recorded."""
    if Child.objects.exists():
        return list(Case.objects.all())
    people, agencies = partnership.people, partnership.agencies
    worker, police, nurse = (
        people["social.worker"],
        people["police.officer"],
        people["health.nurse"],
    )

    def note(person, case, category, days, text, restricted=False):
        add_entry(person, case, category=category, occurred_at=_ago(days), text=text,
                  restricted=restricted)  # fmt: skip

    aimee = create_child_and_case(
        worker,
        child_fields={
            "first_name": "Aimee", "last_name": "Thornton", "gender": Child.Gender.FEMALE,
            "date_of_birth": dt.date(2011, 6, 14), "nhs_number": test_nhs_number("999000001"),
            "address": "12 Example Row, Norwich", "postcode": "NR1 1AA", "looked_after": True,
            "responsible_authority": agencies["norfolk_childrens"],
            "local_authority_reference": "NCC-LAC-0001",
        },
        aliases=["Aims", "AT"],
        concern="Residential staff report Aimee coming back late with a phone she cannot explain.",
    )  # fmt: skip
    police_share = share_case(
        aimee, worker, agencies["norfolk_police"], Share.Level.CONTRIBUTE,
        LawfulBasis.CA1989_S47, "Section 47 enquiry and strategy discussion",
    )  # fmt: skip
    share_case(
        aimee, worker, agencies["norfolk_hospital"], Share.Level.VIEW,
        LawfulBasis.CA2004_S11, "Health information for the strategy discussion",
    )  # fmt: skip
    acknowledge_share(police_share, police)
    note(police, aimee, Entry.Category.MISSING, 9, "Reported missing overnight; found at 06:10 "
         "at a bus station in another town.")  # fmt: skip
    note(police, aimee, Entry.Category.INTELLIGENCE, 7, "A vehicle seen collecting Aimee twice "
         "is linked to an ongoing operation. Police only.", restricted=True)  # fmt: skip
    note(nurse, aimee, Entry.Category.HEALTH_ATTENDANCE, 5, "Attended the emergency department "
         "with a minor injury; accompanied by an adult who left before triage.")  # fmt: skip
    note(worker, aimee, Entry.Category.STRATEGY_DISCUSSION, 2, "Strategy discussion held with "
         "police and health. Agreed: section 47 enquiry, safety plan, daily contact.")  # fmt: skip
    record_assessment(
        worker, aimee,
        harm=["gifts_or_money", "adults_of_concern", "found_elsewhere"],
        vulnerabilities=["looked_after", "missing", "school"],
        protective=["trusted_adult", "engages"],
        child_view="Aimee says the people she meets are her friends and that they look after "
        "her. She says she likes her key worker and would talk to her.",
        analysis="Aimee is being groomed: gifts and a phone from adults she will not name, "
        "collected by a car police have linked to an operation, and found after going missing "
        "at a bus station in another town. Her bond with her key worker is a strength to "
        "build on.",
        level="high",
        rationale="Signs that harm is already happening, from three agencies, on top of going "
        "missing from care. Agreed at the strategy discussion.",
        review_by=timezone.localdate() + dt.timedelta(days=28),
    )  # fmt: skip
    # What the agencies know of the people, vehicles and places around Aimee (issue 20).
    seen = timezone.localdate() - dt.timedelta(days=7)
    record_link(police, aimee, kind="vehicle", learned_on=seen, learned_how="intelligence",
                restricted=True, written={"registration": "ZX12 ABC", "make": "Ford Focus",
                                          "colour": "Silver", "taxi": False})  # fmt: skip
    flat = {"address": "Flat above the shops, Example Parade, Norwich", "postcode": "NR1 9ZZ",
            "place_type": "flat"}  # fmt: skip
    record_link(worker, aimee, kind="place", learned_on=seen, learned_how="return_interview",
                restricted=False, written=flat)  # fmt: skip

    jordan = create_child_and_case(
        worker,
        child_fields={
            "first_name": "Jordan", "last_name": "Pike", "gender": Child.Gender.MALE,
            "date_of_birth": dt.date(2012, 1, 30), "nhs_number": test_nhs_number("999000002"),
            "postcode": "NR2 4AB",
        },
        aliases=["JP"],
        concern="School reports Jordan has been absent on Fridays and seen with older teenagers.",
    )  # fmt: skip
    share_case(
        jordan, worker, agencies["norfolk_police"], Share.Level.VIEW,
        LawfulBasis.CDA1998_S115, "Check for links to known exploitation networks",
    )  # fmt: skip
    note(worker, jordan, Entry.Category.EDUCATION, 3, "Attendance 71% this half term.")
    jordans_year(partnership, jordan)

    leah = create_child_and_case(
        people["mash.manager"],
        child_fields={
            "first_name": "Leah", "last_name": "Brennan", "gender": Child.Gender.FEMALE,
            "date_of_birth": dt.date(2010, 9, 2),
        },
        aliases=[],
        concern="Anonymous call: Leah may be staying with an adult she met online.",
    )  # fmt: skip

    tyler = create_child_and_case(
        worker,
        child_fields={
            "first_name": "Tyler", "last_name": "Okafor", "gender": Child.Gender.MALE,
            "date_of_birth": dt.date(2013, 4, 21), "nhs_number": test_nhs_number("999000003"),
        },
        aliases=["Ty"],
        concern="Sexual health clinic raised a concern about an older partner.",
    )  # fmt: skip
    share_case(
        tyler, worker, agencies["norfolk_hospital"], Share.Level.CONTRIBUTE,
        LawfulBasis.GDPR_6E_9G, "Health follow-up",
    )  # fmt: skip
    # The same car on Tyler's case, from his return home interview, and the same flat on
    # Jordan's: the worker's matching then tells the police and the council (issue 20).
    car = {"registration": "zx12abc", "colour": "Grey"}
    record_link(worker, tyler, kind="vehicle", learned_on=seen, learned_how="return_interview",
                restricted=False, written=car)  # fmt: skip
    record_link(worker, jordan, kind="place", learned_on=seen, learned_how="sighting",
                restricted=False, written=flat)  # fmt: skip
    for link in Link.objects.order_by("id"):  # as the worker does after each commit
        compare(link.pk)
    place_aimee_in_suffolk(partnership, aimee)
    build_mash_morning(partnership, jordan=jordan)
    build_meetings(partnership, aimee, tyler)
    return [aimee, jordan, leah, tyler]


def build_meetings(partnership: Partnership, aimee: Case, tyler: Case) -> None:
    """Yesterday's strategy discussion about Aimee, its minutes published and an action for
    the police; and Norfolk's next MACE, in ten days, with what the alerts proposed."""
    people, agencies = partnership.people, partnership.agencies
    chair = people["mash.manager"]
    strategy = meetings.schedule_meeting(
        chair, kind="strategy_discussion", held_at=_ago(1), cases=[aimee],
        agencies=[agencies["norfolk_police"], agencies["norfolk_hospital"]],
    )  # fmt: skip
    meetings.record_attendance(chair, strategy, {
        agencies["norfolk_police"].pk: ("attended", "PC Dana Wells"),
        agencies["norfolk_hospital"].pk: ("apologies", ""),
    })  # fmt: skip
    agreed = "Section 47 enquiry to continue; safety plan reviewed weekly."
    meetings.add_item(chair, strategy, case_id=aimee.pk, decision=True, restricted=False,
                      text=agreed)  # fmt: skip
    police_only = "The silver car is linked to an operation."
    meetings.add_item(people["police.officer"], strategy, case_id=aimee.pk, decision=False,
                      restricted=True, text=police_only)  # fmt: skip
    meetings.publish(chair, strategy)
    meetings.add_action(
        chair, strategy, case_id=aimee.pk, owner=agencies["norfolk_police"], owner_person=None,
        text="Find the registered keeper of the silver car and share what can be shared.",
        due_on=meetings.suggested_due(agencies["norfolk_police"]),
    )  # fmt: skip
    meetings.schedule_meeting(
        chair, kind="mace", held_at=timezone.now() + dt.timedelta(days=10), cases=[tyler],
        agencies=[agencies["norfolk_police"], agencies["norfolk_hospital"]],
        area=partnership.areas["norfolk"],
    )  # fmt: skip


def demo_photo() -> bytes:
    """A drawn head-and-shoulders shape standing in for a photo: never a real child's face."""
    picture = Image.new("RGB", (300, 360), "#dee0e2")
    draw = ImageDraw.Draw(picture)
    draw.ellipse((95, 50, 205, 170), fill="#505a5f")
    draw.ellipse((40, 190, 260, 420), fill="#505a5f")
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def place_aimee_in_suffolk(partnership: Partnership, aimee: Case) -> None:
    """The Norfolk case the other way round: a Norfolk child in a Suffolk children's home,
    Suffolk police told (and acknowledging), then missing, found, and owed an interview."""
    people, areas = partnership.people, partnership.areas
    worker, police = people["social.worker"], people["police.officer"]
    record_placement(
        worker, aimee, area=areas["suffolk"],
        address="The Willows children’s home, 4 Example Lane, Ipswich", postcode="IP1 1AA",
        provider_type=Placement.Provider.CHILDRENS_HOME, started_at=_ago(20, hour=16),
    )  # fmt: skip
    told = Notification.objects.get(
        case=aimee, agency=partnership.agencies["suffolk_police"], kind=Notification.Kind.PLACEMENT
    )
    acknowledge_notification(told, people["suffolk.officer"])
    # Her missing-from-care profile, kept by Norfolk: Suffolk police get it at the report.
    profiles.save_profile(
        worker, aimee, now=_ago(10),
        description="White, slim, about 5ft 3in, long dark brown hair usually tied back, "
        "brown eyes. Small scar above her left eyebrow. Often wears a black puffer jacket "
        "and white trainers.",
        medical="Asthma: carries a blue inhaler. No other medication.",
        places="Ipswich railway station\nNorwich bus station\nMcDonald’s, Example Street, "
        "Norwich\nA flat above the shops on Example Parade, Norwich (found there before)",
        associates="“Jay”, adult, about 20, collects her in a car, 07700 900123\nKez Example, "
        "friend from her last school, 07700 900456",
        contacts="Phone: 07700 900789\nSnapchat: aimee_example\nInstagram: @aimee.example",
    )  # fmt: skip
    profiles.add_photo(worker, aimee, demo_photo(), now=_ago(10))
    episode = report_missing(
        worker, aimee, last_seen_at=_ago(3, hour=21),
        last_seen_where="Ipswich railway station", last_seen_area=areas["suffolk"],
        circumstances="Did not come back to the home after school; her phone is switched off. "
        "Staff think she may have gone to Norwich.",
        risk=MissingEpisode.Risk.HIGH,
    )  # fmt: skip
    # Found the next morning: the return home interview by Norfolk is due within 72 hours.
    record_return(
        police, episode, returned_at=_ago(1, hour=6),
        how_found="Found by officers at a flat in Norwich with two adults; brought back "
        "to the home.",
    )  # fmt: skip


def jordans_year(partnership: Partnership, jordan: Case) -> None:
    """Jordan's last year, for his journey: placed in foster care, missing for two days,
    moved to a children's home, missing overnight, a strategy discussion (each notice
    acknowledged and each return home interview held, as they would have been by now)."""
    people, norfolk = partnership.people, partnership.areas["norfolk"]
    worker, police = people["social.worker"], people["police.officer"]
    record_placement(
        worker, jordan, area=norfolk, address="14 Example Close, Norwich", postcode="NR3 1AA",
        provider_type=Placement.Provider.FOSTER_CARE, started_at=_ago(300, hour=17),
    )  # fmt: skip
    for days, hours, where, risk in [
        (240, 52, "Norwich railway station", MissingEpisode.Risk.HIGH),
        (90, 14, "A park in Thetford", MissingEpisode.Risk.MEDIUM),
    ]:
        if days == 90:
            record_placement(
                worker, jordan, area=norfolk, address="Oak House children’s home, 3 Example "
                "Road, Norwich", postcode="NR4 1AA",
                provider_type=Placement.Provider.CHILDRENS_HOME, started_at=_ago(150, hour=11),
            )  # fmt: skip
        gone = _ago(days, hour=20)
        episode = report_missing(
            police, jordan, last_seen_at=gone, last_seen_where=where, last_seen_area=norfolk,
            circumstances="Left after an argument; friends say he went to meet older boys.",
            risk=risk,
        )  # fmt: skip
        returned = record_return(
            police, episode, returned_at=gone + dt.timedelta(hours=hours),
            how_found="Found by officers and brought back.",
        )  # fmt: skip
        record_return_interview(
            worker, returned.return_interview, held_on=returned.returned_at + dt.timedelta(days=1),
            summary="Jordan spoke about older boys who give him money to carry packages.",
        )  # fmt: skip
    add_entry(worker, jordan, category=Entry.Category.STRATEGY_DISCUSSION,
              occurred_at=_ago(85), restricted=False,
              text="Strategy discussion with police and school after Jordan's second "
              "missing episode. Agreed: a safety plan and a referral to the exploitation "
              "team.")  # fmt: skip
    readers = {p.agency_id: p for p in (police, people["health.nurse"])}
    for notice in Notification.objects.filter(case=jordan, acknowledged_at__isnull=True):
        if (reader := readers.get(notice.agency_id)) is not None:
            acknowledge_notification(notice, reader)


def _hours_ago(hours: float) -> dt.datetime:
    return (timezone.now() - dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


def _asked_earlier(checks, hours: float) -> None:
    """Move checks (and their inbox items) back in time, as if asked `hours` ago: the demo
    is built in a moment, but a morning's queue has checks asked yesterday."""
    for check in checks:
        asked = _hours_ago(hours)
        due = check_due(check.contact.rag, asked, check.agency)
        PartnerCheck.objects.filter(pk=check.pk).update(requested_at=asked, due_at=due)
        Notification.objects.filter(kind="partner_check", subject_id=check.pk).update(
            created_at=asked, acknowledge_by=due
        )


def build_mash_morning(partnership: Partnership, *, jordan: Case) -> list[Contact]:
    """A morning's queue at the Norfolk MASH: contacts in every state and RAG rating, some
    overdue, partner checks answered and not, and one child (Jordan) missing right now."""
    people, agencies, norfolk = (
        partnership.people,
        partnership.agencies,
        partnership.areas["norfolk"],
    )
    manager, nurse, police = (
        people["mash.manager"],
        people["health.nurse"],
        people["police.officer"],
    )
    constabulary, hospital = agencies["norfolk_police"], agencies["norfolk_hospital"]

    def child(first, last, born, **more):
        return create_child(
            nurse, child_fields={"first_name": first, "last_name": last,
                                       "date_of_birth": born, **more}, aliases=[],
        )  # fmt: skip

    def contact(by, who, hours, concern, *, public=False):
        person = people[by]
        return record_contact(
            person, who, area=norfolk,
            referrer_type=Contact.ReferrerType.PUBLIC if public
            else Contact.ReferrerType.PROFESSIONAL,
            referrer_name="A neighbour (name withheld)" if public else person.get_full_name(),
            referrer_role="Neighbour" if public else person.job_title,
            referrer_phone="01632 960 123" if public else "",
            referrer_email="" if public else person.email,
            received_at=_hours_ago(hours), concern=concern,
        )  # fmt: skip

    skye = child("Skye", "Marlow", dt.date(2012, 2, 11), gender=Child.Gender.FEMALE)
    new_soon = contact("health.nurse", skye, 1, "Attended the emergency department drunk at "
                       "02:00 with a man in his thirties who gave a false name.")  # fmt: skip
    rowan = child("Rowan", "Ashby", dt.date(2011, 8, 3), gender=Child.Gender.MALE)
    new_late = contact("police.officer", rowan, 7, "Found in a car with three adults known "
                       "for drug supply; had £300 in cash.")  # fmt: skip

    ellis = child("Ellis", "Varga", dt.date(2010, 12, 19), gender=Child.Gender.FEMALE)
    red = contact("health.nurse", ellis, 6, "Disclosed to the school nurse that she is "
                  "‘paying off a debt’ to an adult she calls her boyfriend.")  # fmt: skip
    rate_contact(manager, red, Rag.RED, "Disclosure suggests exploitation is happening now.")
    checks = request_checks(
        manager,
        red,
        [constabulary, hospital],
        "What do you hold on Ellis and on any adult linked to her?",
    )
    _asked_earlier(checks, 5)
    answer_check(police, next(c for c in checks if c.agency == constabulary),
                 "Two missing episodes this year; seen with an adult of interest.",
                 "The adult is subject to a live operation: for the MASH only.")  # fmt: skip

    noor = child("Noor", "Hadley", dt.date(2013, 5, 27), gender=Child.Gender.FEMALE)
    amber = contact("police.officer", noor, 3, "Picked up at 01:00 from a takeaway by a "
                    "taxi paid for by someone she would not name.")  # fmt: skip
    rate_contact(manager, amber, Rag.AMBER, "Concerning but she is home and safe today.")
    checks = request_checks(
        manager,
        amber,
        [constabulary, hospital],
        "Any attendances, reports or intelligence in the last year?",
    )
    _asked_earlier(checks, 2)
    answer_check(
        nurse,
        next(c for c in checks if c.agency == hospital),
        "One attendance in March for an overdose; discharged to her mother.",
    )

    green_child = child("Kai", "Lindqvist", dt.date(2014, 10, 8), gender=Child.Gender.MALE)
    green = contact("health.nurse", green_child, 50, "Spending a lot of time online with "
                    "people he has not met; parents worried.", public=True)  # fmt: skip
    rate_contact(manager, green, Rag.GREEN, "Parents engaged; no sign of contact offline.")
    assign_contact(manager, green, people["social.worker"])

    ready_child = child("Mia", "Okonjo", dt.date(2012, 7, 15), gender=Child.Gender.FEMALE)
    ready = contact("police.officer", ready_child, 20, "Reported by her mother for staying out "
                    "overnight twice this week.")  # fmt: skip
    rate_contact(manager, ready, Rag.AMBER, "Pattern of going missing.")
    assign_contact(manager, ready, manager)
    (check,) = request_checks(manager, ready, [hospital], "Any attendances?")
    _asked_earlier([check], 18)
    answer_check(nurse, check, "Nothing held on Mia.")

    decided = contact("health.nurse", jordan.child, 30, "Jordan told a nurse that older "
                      "teenagers give him cannabis to carry.")  # fmt: skip
    rate_contact(manager, decided, Rag.AMBER, "Possible criminal and sexual exploitation.")
    decide_contact(manager, decided, Contact.Decision.STRATEGY_DISCUSSION,
                   "Open case; strategy discussion with police and school today.")  # fmt: skip
    nfa_child = child("Theo", "Brandt", dt.date(2015, 1, 9), gender=Child.Gender.MALE)
    nfa = contact("police.officer", nfa_child, 40, "Seen alone in the park after dark.")
    rate_contact(manager, nfa, Rag.GREEN, "One-off; he was waiting for his father.")
    decide_contact(manager, nfa, Contact.Decision.NO_FURTHER_ACTION,
                   "Father confirmed; no concerns known to any agency.")  # fmt: skip
    moved_child = child("Ava", "Sorensen", dt.date(2011, 4, 2), gender=Child.Gender.FEMALE)
    moved = contact("health.nurse", moved_child, 26, "Family has moved to Ipswich; "
                    "concerns about an older partner.")  # fmt: skip
    rate_contact(manager, moved, Rag.GREEN, "Lives in Suffolk now.")
    decide_contact(
        manager,
        moved,
        Contact.Decision.TRANSFER,
        "The family now lives in Suffolk.",
        transfer_to=agencies["suffolk_childrens"],
    )

    # One child missing right now: Jordan, reported by the police last night.
    report_missing(
        police, jordan, last_seen_at=_hours_ago(10), last_seen_where="Norwich bus station",
        last_seen_area=partnership.areas["norfolk"],
        circumstances="Did not come home after school; friends say he went to meet older boys.",
        risk=MissingEpisode.Risk.HIGH,
    )  # fmt: skip
    return [new_soon, new_late, red, amber, green, ready, decided, nfa, moved]

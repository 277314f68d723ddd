"""Fictional children and cases for the demo partnership (`manage.py load_demo`).

Every name, date and event here is invented. NHS numbers are from the 999 range, which is
reserved for testing and never issued to a person.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cases.models import Case, Child, Entry, MissingEpisode, Placement
from cases.services import (
    add_entry,
    create_child_and_case,
    record_placement,
    record_return,
    record_screening,
    report_missing,
)
from sharing.demo import Partnership
from sharing.models import LawfulBasis, Notification, Share
from sharing.notifications import acknowledge_notification
from sharing.services import acknowledge_share, share_case


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
        add_entry(None, person, case, category=category, occurred_at=_ago(days), text=text,
                  restricted=restricted)  # fmt: skip

    aimee = create_child_and_case(
        None, worker,
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
        None, aimee, worker, agencies["norfolk_police"], Share.Level.CONTRIBUTE,
        LawfulBasis.CA1989_S47, "Section 47 enquiry and strategy discussion",
    )  # fmt: skip
    share_case(
        None, aimee, worker, agencies["norfolk_hospital"], Share.Level.VIEW,
        LawfulBasis.CA2004_S11, "Health information for the strategy discussion",
    )  # fmt: skip
    acknowledge_share(None, police_share, police)
    note(police, aimee, Entry.Category.MISSING, 9, "Reported missing overnight; found at 06:10 "
         "at a bus station in another town.")  # fmt: skip
    note(police, aimee, Entry.Category.INTELLIGENCE, 7, "A vehicle seen collecting Aimee twice "
         "is linked to an ongoing operation. Police only.", restricted=True)  # fmt: skip
    note(nurse, aimee, Entry.Category.HEALTH_ATTENDANCE, 5, "Attended the emergency department "
         "with a minor injury; accompanied by an adult who left before triage.")  # fmt: skip
    note(worker, aimee, Entry.Category.STRATEGY_DISCUSSION, 2, "Strategy discussion held with "
         "police and health. Agreed: section 47 enquiry, safety plan, daily contact.")  # fmt: skip
    record_screening(
        None, worker, aimee,
        indicators=["missing", "money_or_gifts", "older_partner", "adults_of_concern"],
        notes="Screening after the strategy discussion.",
    )  # fmt: skip

    jordan = create_child_and_case(
        None, worker,
        child_fields={
            "first_name": "Jordan", "last_name": "Pike", "gender": Child.Gender.MALE,
            "date_of_birth": dt.date(2012, 1, 30), "nhs_number": test_nhs_number("999000002"),
            "postcode": "NR2 4AB",
        },
        aliases=["JP"],
        concern="School reports Jordan has been absent on Fridays and seen with older teenagers.",
    )  # fmt: skip
    share_case(
        None, jordan, worker, agencies["norfolk_police"], Share.Level.VIEW,
        LawfulBasis.CDA1998_S115, "Check for links to known exploitation networks",
    )  # fmt: skip
    note(worker, jordan, Entry.Category.EDUCATION, 3, "Attendance 71% this half term.")

    leah = create_child_and_case(
        None, people["mash.manager"],
        child_fields={
            "first_name": "Leah", "last_name": "Brennan", "gender": Child.Gender.FEMALE,
            "date_of_birth": dt.date(2010, 9, 2),
        },
        aliases=[],
        concern="Anonymous call: Leah may be staying with an adult she met online.",
    )  # fmt: skip

    tyler = create_child_and_case(
        None, worker,
        child_fields={
            "first_name": "Tyler", "last_name": "Okafor", "gender": Child.Gender.MALE,
            "date_of_birth": dt.date(2013, 4, 21), "nhs_number": test_nhs_number("999000003"),
        },
        aliases=["Ty"],
        concern="Sexual health clinic raised a concern about an older partner.",
    )  # fmt: skip
    share_case(
        None, tyler, worker, agencies["norfolk_hospital"], Share.Level.CONTRIBUTE,
        LawfulBasis.GDPR_6E_9G, "Health follow-up",
    )  # fmt: skip
    place_aimee_in_suffolk(partnership, aimee)
    return [aimee, jordan, leah, tyler]


def place_aimee_in_suffolk(partnership: Partnership, aimee: Case) -> None:
    """The Norfolk case the other way round: a Norfolk child in a Suffolk children's home,
    Suffolk police told (and acknowledging), then missing, found, and owed an interview."""
    people, areas = partnership.people, partnership.areas
    worker, police = people["social.worker"], people["police.officer"]
    record_placement(
        None, worker, aimee, area=areas["suffolk"],
        address="The Willows children’s home, 4 Example Lane, Ipswich", postcode="IP1 1AA",
        provider_type=Placement.Provider.CHILDRENS_HOME, started_at=_ago(20, hour=16),
    )  # fmt: skip
    told = Notification.objects.get(
        case=aimee, agency=partnership.agencies["suffolk_police"], kind=Notification.Kind.PLACEMENT
    )
    acknowledge_notification(None, told, people["suffolk.officer"])
    episode = report_missing(
        None, worker, aimee, last_seen_at=_ago(3, hour=21),
        last_seen_where="Ipswich railway station",
        circumstances="Did not come back to the home after school; her phone is switched off. "
        "Staff think she may have gone to Norwich.",
        risk=MissingEpisode.Risk.HIGH,
    )  # fmt: skip
    # Found the next morning: the return home interview by Norfolk is due within 72 hours.
    record_return(
        None, police, episode, returned_at=_ago(1, hour=6),
        how_found="Found by officers at a flat in Norwich with two adults; brought back "
        "to the home.",
    )  # fmt: skip

"""The demo partnership: three areas, five agencies and nine people, all fictional.

Each demo person has an authenticator already set up; with DEBUG on, the second-factor
page shows its current code, and `manage.py demo_otp_code USERNAME` prints it.

Used by `manage.py load_demo` (for `make run`) and by the tests' cast of characters, so
the demo a person clicks through and the world the tests reason about are the same.
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import Agency, Area, Person
from people.two_factor import code_state, ensure_demo_authenticator

DEFAULT_DEMO_PASSWORD = "demo-password"  # noqa: S105 - published on purpose; DEBUG only

AREAS = {
    "norfolk": ("E10000020", "Norfolk"),
    "suffolk": ("E10000029", "Suffolk"),
    "cambridgeshire": ("E10000003", "Cambridgeshire"),
}

# key: (name, kind, areas, duty email). Addresses use the reserved .example domain.
AGENCIES = {
    "norfolk_police": (
        "Norfolk Constabulary",
        Agency.Kind.POLICE,
        ["norfolk"],
        "duty@norfolk-police.example",
    ),
    "suffolk_police": (
        "Suffolk Constabulary",
        Agency.Kind.POLICE,
        ["suffolk"],
        "duty@suffolk-police.example",
    ),
    "norfolk_childrens": (
        "Norfolk County Council Children's Services",
        Agency.Kind.SOCIAL_CARE,
        ["norfolk"],
        "mash@norfolk-childrens.example",
    ),
    "suffolk_childrens": (
        "Suffolk County Council Children's Services",
        Agency.Kind.SOCIAL_CARE,
        ["suffolk"],
        "mash@suffolk-childrens.example",
    ),
    "norfolk_hospital": (
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
        Agency.Kind.HEALTH,
        ["norfolk"],
        "safeguarding@nnuh.example",
    ),
}


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    agency: str
    role: str
    job_title: str


PEOPLE = [
    DemoPerson("social.worker", "Jo", "Fletcher", "norfolk_childrens",
               Person.Role.PRACTITIONER, "Social worker"),
    DemoPerson("mash.manager", "Morgan", "Hale", "norfolk_childrens",
               Person.Role.MASH_MANAGER, "MASH team manager"),
    DemoPerson("team.manager", "Sam", "Okoro", "norfolk_childrens",
               Person.Role.TEAM_MANAGER, "Team manager, children in care"),
    DemoPerson("ig.officer", "Riley", "Quinn", "norfolk_childrens",
               Person.Role.INFORMATION_GOVERNANCE, "Information governance officer"),
    DemoPerson("admin.ncc", "Casey", "Brook", "norfolk_childrens",
               Person.Role.AGENCY_ADMIN, "Systems administrator"),
    DemoPerson("police.officer", "Dana", "Wells", "norfolk_police",
               Person.Role.PRACTITIONER, "Police constable"),
    DemoPerson("police.mash", "Ashley", "Grant", "norfolk_police",
               Person.Role.MASH_MANAGER, "Detective sergeant, MASH"),
    DemoPerson("suffolk.officer", "Robin", "Marsh", "suffolk_police",
               Person.Role.PRACTITIONER, "Police constable"),
    DemoPerson("health.nurse", "Taylor", "Reed", "norfolk_hospital",
               Person.Role.PRACTITIONER, "Safeguarding nurse"),
]  # fmt: skip


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@dataclass
class Partnership:
    areas: dict[str, Area]
    agencies: dict[str, Agency]
    people: dict[str, Person]


@transaction.atomic
def build_partnership(password: str | None = None) -> Partnership:
    """Create whatever of the demo partnership is missing; safe to run again."""
    password = password or demo_password()
    areas = {}
    for key, (code, name) in AREAS.items():
        areas[key], _ = Area.objects.get_or_create(ons_code=code, defaults={"name": name})
    agencies = {}
    for key, (name, kind, area_keys, email) in AGENCIES.items():
        agency, created = Agency.objects.get_or_create(
            name=name, defaults={"kind": kind, "duty_email": email}
        )
        if created:
            agency.areas.set([areas[a] for a in area_keys])
        agencies[key] = agency
    people = {}
    for p in PEOPLE:
        person, created = Person.objects.get_or_create(
            username=p.username,
            defaults={
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": f"{p.username}@{agencies[p.agency].duty_email.split('@')[1]}",
                "agency": agencies[p.agency],
                "role": p.role,
                "job_title": p.job_title,
            },
        )
        # The printed password must always work, even if DEMO_PASSWORD changed since.
        if created or not person.check_password(password):
            person.set_password(password)
            person.save()
        ensure_demo_authenticator(person)
        people[p.username] = person
    return Partnership(areas=areas, agencies=agencies, people=people)


def demo_code_for(person: Person) -> dict | None:
    """A demo person's current code, and whether it is spent; only while DEBUG is on."""
    if not settings.DEBUG or person.username not in {p.username for p in PEOPLE}:
        return None
    device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
    return code_state(device) if device is not None else None

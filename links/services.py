"""Recording a thing of concern on a case (issue 20, item 1), and who may read it.

Any agency that may contribute to the case links a person, vehicle, place, phone number or
account to it, with when and how it learned of it; restricted, only that agency reads the
link (as a restricted entry). The thing is normalised (links.normalise) into the key that
matching will compare; the link keeps it as written. Matching across cases comes later in
issue 20: nothing here tells anyone else, so recording takes the same path whatever other
cases hold.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.actions import Action
from cases.models import Case
from cases.roles import Act, require
from cases.services import case_changed, lock_open
from links import normalise
from links.models import Link, Thing
from people.models import Person

Kind = Thing.Kind

# What each kind of thing holds as written, and which of it is required.
FIELDS = {
    Kind.PERSON: ("name", "aliases", "date_of_birth", "approximate_age", "description",
                  "relationship", "ethnicity", "nationality"),
    Kind.VEHICLE: ("registration", "make", "colour", "taxi", "operator"),
    Kind.PLACE: ("address", "postcode", "venue", "place_type"),
    Kind.PHONE: ("number",),
    Kind.ACCOUNT: ("platform", "handle"),
}  # fmt: skip
NOT_KNOWN = "not_known"


def _text(written: dict, name: str) -> str:
    value = written.get(name)
    return value.strip() if isinstance(value, str) else ""


def _on(field: str, normaliser, *args) -> str:
    """A normaliser's refusal, said against the field it is about."""
    try:
        return normaliser(*args)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


def key_of(kind: str, written: dict) -> tuple[str | None, dict]:
    """The thing's matching key, and what is kept as written (tidied, nothing else)."""
    kept = {name: written.get(name) for name in FIELDS[kind] if written.get(name) not in (None, "")}
    for name, value in kept.items():
        if isinstance(value, str):
            kept[name] = value.strip()
    if kind == Kind.PERSON:
        if not _text(written, "name"):
            raise ValidationError({"name": "Enter the person's name or nickname"})
        kept.setdefault("ethnicity", NOT_KNOWN)
        kept.setdefault("nationality", "Not known")
        born = written.get("date_of_birth")
        if isinstance(born, dt.date):
            kept["date_of_birth"] = born.isoformat()
        return normalise.person(_text(written, "name"), born or None), kept
    if kind == Kind.VEHICLE:
        return _on("registration", normalise.registration, _text(written, "registration")), kept
    if kind == Kind.PHONE:
        return _on("number", normalise.phone, _text(written, "number")), kept
    if kind == Kind.ACCOUNT:
        if not _text(written, "platform"):
            raise ValidationError({"platform": "Enter where the account is, like Snapchat"})
        handle = _text(written, "handle")
        return _on("handle", normalise.account, _text(written, "platform"), handle), kept
    # A place: an address with its postcode, or a named venue.
    code, where, venue = (_text(written, n) for n in ("postcode", "address", "venue"))
    if code:
        kept["postcode"] = normalise.postcode(code)
    if where and code:
        return normalise.address(where, code), kept
    if venue:
        return f"venue|{normalise.name(venue)}|{normalise.postcode(code) if code else ''}", kept
    raise ValidationError({"address": "Enter the address and postcode, or the place's name"})


def _thing(kind: str, key: str | None) -> Thing:
    if key is None:
        return Thing.objects.create(kind=kind, key="")
    try:
        with transaction.atomic():  # two agencies naming the same thing at once: one row
            return Thing.objects.get_or_create(kind=kind, key=key)[0]
    except IntegrityError:
        return Thing.objects.get(kind=kind, key=key)


@transaction.atomic
def record_link(
    person: Person,
    case: Case,
    *,
    kind: str,
    written: dict,
    learned_on: dt.date,
    learned_how: str,
    restricted: bool,
) -> Link:
    """Link a thing of concern to the case, as the person's agency knows it."""
    require(person, Act.ADD_ENTRY)  # whoever may add to the chronology may link to it
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose a person, vehicle, place, phone number or account"})
    if learned_how not in Link.Learned.values:
        raise ValidationError({"learned_how": "Choose how your agency learned of it"})
    if learned_on > timezone.localdate():
        raise ValidationError({"learned_on": "The date learned must be today or in the past"})
    key, kept = key_of(kind, written)
    lock_open(case)
    link = Link.objects.create(
        case=case, thing=_thing(kind, key), agency=person.agency, recorded_by=person,
        learned_on=learned_on, learned_how=learned_how, restricted=restricted, written=kept,
    )  # fmt: skip
    case_changed(
        Action.LINK_RECORDED, person, case.pk,
        link=link.pk, kind=kind, restricted=restricted,
    )  # fmt: skip
    return link


def links_seen_by(person: Person, case: Case) -> QuerySet:
    """The case's links the person's agency may read: all but other agencies' restricted
    ones, newest first (the case itself is checked by the caller, as for the chronology)."""
    return (
        Link.objects.filter(case=case)
        .filter(Q(restricted=False) | Q(agency_id=person.agency_id))
        .select_related("thing", "agency", "recorded_by")
        .order_by("-recorded_at", "-id")
    )

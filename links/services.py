"""Recording a thing of concern on a case (issue 20, item 1), and who may read it.

Any agency that may contribute to the case links a person, vehicle, place, phone number or
account to it, with when and how it learned of it; restricted, only that agency reads the
link (as a restricted entry). The thing is normalised (links.normalise) into the key that
matching compares; the link keeps it as written.

Recording takes the same path whatever other cases hold: the thing is one INSERT … ON
CONFLICT whether or not it exists, and the comparison with other cases is the worker's,
after commit (links.matching). Matching must not become a search engine, so a person may
link LINKS_PER_HOUR things an hour; a refusal is audited, and IG officers see unusual
volumes (links.selectors.unusual_volumes).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases.models import Case
from cases.roles import Act, require
from cases.services import case_changed, lock_open
from links import normalise
from links.matching import queue_match
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


# The conflict target is the partial unique index thing_one_per_key; the table's name is ours.
UPSERT_THING = (
    f"INSERT INTO {Thing._meta.db_table} (kind, key, created_at) VALUES (%s, %s, %s) "  # noqa: S608
    "ON CONFLICT (kind, key) WHERE key <> '' DO UPDATE SET kind = EXCLUDED.kind RETURNING id"
)


def name_keys(kind: str, kept: dict) -> list[str]:
    """A person's name and other names, normalised (links.normalise.name), each once."""
    if kind != Kind.PERSON:
        return []
    names = [kept.get("name", ""), *str(kept.get("aliases", "")).splitlines()]
    return list(dict.fromkeys(k for k in (normalise.name(n) for n in names) if k))


def _thing(kind: str, key: str | None) -> int:
    """The thing's id: one statement, whether it is new or another case holds it already
    (so the request's queries say nothing of other cases), and one row when two agencies
    name it at once. A name alone (no key) is always a thing of its own."""
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_THING, [kind, key or "", timezone.now()])
        return cursor.fetchone()[0]


class TooManyLinks(ValidationError):
    """The person has linked LINKS_PER_HOUR things in the last hour."""


def check_rate(person: Person, case: Case) -> None:
    """Refuse (and audit) a link over the person's hourly allowance."""
    since = timezone.now() - dt.timedelta(hours=1)
    limit = settings.LINKS_PER_HOUR
    if Link.objects.filter(recorded_by=person, recorded_at__gte=since).count() < limit:
        return
    record(
        Action.LINK_RATE_LIMITED, actor=person, target_type="case", target_id=case.pk,
        detail={"limit": limit},
    )  # fmt: skip
    raise TooManyLinks(
        f"You have linked {limit} things in the last hour, the most the Hub allows, so "
        "that matching cannot be used to search. Nothing was saved. Try again later, or "
        "ask your information governance officer if your work needs more."
    )


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
    """Link a thing of concern to the case, as the person's agency knows it; compared with
    other cases' links by the worker once this commits."""
    require(person, Act.ADD_ENTRY)  # whoever may add to the chronology may link to it
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose a person, vehicle, place, phone number or account"})
    if learned_how not in Link.Learned.values:
        raise ValidationError({"learned_how": "Choose how your agency learned of it"})
    if learned_on > timezone.localdate():
        raise ValidationError({"learned_on": "The date learned must be today or in the past"})
    key, kept = key_of(kind, written)
    check_rate(person, case)  # outside the transaction, so the refusal's event stays
    with transaction.atomic():
        lock_open(case)
        link = Link.objects.create(
            case=case, thing_id=_thing(kind, key), agency=person.agency, recorded_by=person,
            learned_on=learned_on, learned_how=learned_how, restricted=restricted,
            written=kept, name_keys=name_keys(kind, kept),
        )  # fmt: skip
        case_changed(
            Action.LINK_RECORDED, person, case.pk,
            link=link.pk, kind=kind, restricted=restricted,
        )  # fmt: skip
        transaction.on_commit(lambda: queue_match(link.pk))
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

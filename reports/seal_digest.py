"""The daily audit seal digest to information-governance officers.

Each seal's hash leaves the database as it is made, in the published seal file
(audit/published.py). Once a day this sends the chain's head (number and hash), how many
seals the last day made, and whether the published file still agrees with the chain, to
every active information-governance officer with an email address: a second record of
the audit log held by people, outside the Hub, its database and the file's host. A later
digest with a lower seal number, or a hash `verify_audit --expect-seal` cannot find,
means the newest audit events were removed (SECURITY.md, "Audit seals").

The audit app knows no people, so the digest lives here, with the other reports the
officers read. It holds no case or child details.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from audit.models import Seal
from audit.published import FileCheck, check_published_file
from people.models import Person
from reports.models import SealDigest
from safeguarding.uk_time import day_said, local, said

log = logging.getLogger(__name__)

PERIOD = dt.timedelta(days=1)


def officers() -> list[str]:
    """The addresses the digest goes to: every active information-governance officer."""
    people = Person.objects.filter(role=Person.Role.INFORMATION_GOVERNANCE, is_active=True).exclude(
        email=""
    )
    return sorted({person.email for person in people})


def send_seal_digest(now: dt.datetime | None = None) -> bool:
    """Send today's digest if it is due (from AUDIT_SEAL_DIGEST_HOUR, UK time) and not
    sent yet; return whether this call sent it.

    Safe to run any number of times (beat runs it hourly, so a worker down at the hour, or
    a mail server refusing, delays the digest rather than losing the day).
    """
    now = now or timezone.now()
    here = local(now)
    if here.hour < settings.AUDIT_SEAL_DIGEST_HOUR:
        return False
    day = here.date()
    if SealDigest.objects.filter(day=day).exists():
        return False
    check = check_published_file()
    head = Seal.objects.order_by("-last_event_id").values_list("number", "hash", "sealed_at")
    head = head.first() or (0, "", None)
    recent = Seal.objects.filter(sealed_at__gt=now - PERIOD, sealed_at__lte=now).aggregate(
        count=Count("id"), first=Min("number"), last=Max("number")
    )
    to = officers()
    try:
        with transaction.atomic():
            # Claims the day: a concurrent run waits here, then finds it taken.
            SealDigest.objects.create(
                day=day, sent_at=now, recipients=len(to), head_number=head[0],
                head_hash=head[1], file_intact=check.intact,
            )  # fmt: skip
            if not to:
                log.error("the audit seal digest for %s has no one to go to: no active "
                          "information-governance officer has an email address", day)  # fmt: skip
                return True
            _message(day, now, head, recent, check, to).send(fail_silently=False)
    except IntegrityError:
        return False  # another run sent it
    if not check.intact:
        log.error("audit seal digest for %s: the published seal file is not intact: %s",
                  day, check.problem)  # fmt: skip
    return True


def _message(
    day: dt.date,
    now: dt.datetime,
    head: tuple[int, str, dt.datetime | None],
    recent: dict,
    check: FileCheck,
    to: list[str],
) -> EmailMessage:
    number, hash, made = head
    if recent["count"]:
        seals = (
            f"{recent['count']:,} seal{'' if recent['count'] == 1 else 's'} "
            f"(seal {recent['first']:,} to seal {recent['last']:,})"
        )
    else:
        seals = "no seals (no one used the Hub, or sealing has stopped)"
    chain = (
        f"Chain head: seal {number:,}, made {said(made, seconds=True)}\nHash: {hash}"
        if number
        else "Chain head: no seals yet"
    )
    if check.intact:
        file = f"intact: seals 1 to {check.published_up_to:,} match the chain"
        if check.published_up_to < number:
            file += " (the newest are being published)"
        subject = f"Audit log seals for {day_said(day)}: published file intact"
    else:
        file = (
            f"NOT INTACT: {check.problem}\n"
            "Ask the Hub's operators to run `manage.py verify_audit` today and tell you "
            "what it says."
        )
        subject = f"PROBLEM with the audit log seals for {day_said(day)}: published file not intact"
    body = (
        f"The Safeguarding Hub's audit log seals, as at {said(now)}.\n\n"
        f"In the 24 hours before: {seals}.\n"
        f"{chain}\n\n"
        f"Published seal file ({check.path}): {file}\n\n"
        "Please keep this email. It records the audit log outside the Hub: if a later "
        "digest gives a lower seal number, or the operators' `manage.py verify_audit "
        "--expect-seal HASH` cannot find the hash above, the newest audit events were "
        "removed.\n\n"
        "This email holds no details of any child or case.\n"
    )
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return EmailMessage(
        subject=subject,
        body=body,
        to=to,
        headers={
            "Message-ID": f"<audit-seal-digest-{day.isoformat()}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )

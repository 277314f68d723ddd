"""The one way higher layers write who may do what with a case (DESIGN.md, Access model).

`cases` owns the permission rows and the check, but not why they exist: a share (sharing)
or an emergency access decides that, and writes its rows through these functions. Each
row records its source, so a read's audit event names its basis without `cases` reading
a share.
"""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import models

from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from people.models import Agency, Person


class Level(models.TextChoices):
    """What an agency may do with a case; a share gives one (sharing.models.Share.level)."""

    VIEW = "view", "View"
    CONTRIBUTE = "contribute", "View and add to the chronology"
    MANAGE = "manage", "Manage (share, close)"


# What each level lets an agency do; a higher level includes the lower ones.
LEVEL_PERMISSIONS = {
    Level.VIEW: ["view_case"],
    Level.CONTRIBUTE: ["view_case", "contribute_case"],
    Level.MANAGE: ["view_case", "contribute_case", "manage_case"],
}
# Lowest first: the level a set of permission rows gives is the highest codename held.
LEVELS = [Level.VIEW, Level.CONTRIBUTE, Level.MANAGE]
CODENAME_LEVEL = {"view_case": "view", "contribute_case": "contribute", "manage_case": "manage"}


def forget_levels(case: Case) -> None:
    """The levels `cases.selectors.held` kept on this case object are stale from here."""
    if "_held" in case.__dict__:
        case.__dict__["_held"] = None


def case_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="cases", codename=codename)


def set_agency_permissions(
    case: Case,
    agency: Agency,
    codenames: Iterable[str],
    source_type: str,
    source_id: int | None,
) -> None:
    """Make the agency group's rows on the case exactly `codenames`, all naming one source.

    The caller runs this in the transaction that changed its source, so the rows never say
    more (or less) than the source does.
    """
    forget_levels(case)
    wanted = set(codenames)
    held = CaseGroupObjectPermission.objects.filter(group_id=agency.group_id, content_object=case)
    held.exclude(permission__codename__in=wanted).delete()
    have = {
        codename: (held_type, held_id)
        for codename, held_type, held_id in held.values_list(
            "permission__codename", "source_type", "source_id"
        )
    }
    if any(source != (source_type, source_id) for source in have.values()):
        held.update(source_type=source_type, source_id=source_id)
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(
            group_id=agency.group_id,
            content_object=case,
            permission=case_permission(codename),
            source_type=source_type,
            source_id=source_id,
        )
        for codename in wanted - have.keys()
    )


def grant_person(
    case: Case,
    person: Person,
    codename: str,
    *,
    expires_at: dt.datetime | None,
    source_type: str,
    source_id: int | None,
) -> CaseUserObjectPermission:
    """Let one person do `codename` with the case until `expires_at` (None: until revoked).

    One row per person, permission and case: a grant that ends later replaces the row's
    expiry and source; one that ends sooner leaves the longer grant as it is.
    """
    forget_levels(case)
    row, created = CaseUserObjectPermission.objects.select_for_update().get_or_create(
        user=person,
        permission=case_permission(codename),
        content_object=case,
        defaults={"expires_at": expires_at, "source_type": source_type, "source_id": source_id},
    )
    outlasted = row.expires_at is not None and (expires_at is None or row.expires_at < expires_at)
    if not created and outlasted:
        row.expires_at, row.source_type, row.source_id = expires_at, source_type, source_id
        row.save(update_fields=["expires_at", "source_type", "source_id"])
    return row


def revoke_person(
    case: Case, person: Person, codename: str, *, source_type: str, source_id: int | None
) -> None:
    """Take back what one source gave a person (a row another source now holds stays)."""
    forget_levels(case)
    CaseUserObjectPermission.objects.filter(
        user=person,
        permission__codename=codename,
        content_object=case,
        source_type=source_type,
        source_id=source_id,
    ).delete()

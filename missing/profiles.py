"""The missing-from-care profile (the Philomena Protocol's "grab pack"): who may read and
change it, its versions, its photo, its release to the police at a missing report, its
review and its erasure.

Who reads it (`access`): the agencies holding contribute access to the case (the placing
authority keeps it, partners at contribute level add to it), and a police force a missing
report released it to (`ProfileRelease`), from the report until
PROFILE_RELEASE_GRACE_HOURS after the child's return. A release lapses by itself: whether
it holds is worked out from the episode and `now` at each read, so nothing has to run for
access to end, and a test fixes `now` to see it end. A view share of the case (a placement
notice) is not enough: the profile names third parties and shows the child's face.

Every read is an audit event (`PROFILE_VIEWED`), every change one more.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from cases.models import Case
from cases.risk import months_after
from cases.roles import Act, RoleRefused, may, require
from cases.selectors import can
from cases.services import case_changed, lock_open
from missing import photos
from missing.models import (
    MissingEpisode,
    Profile,
    ProfilePhoto,
    ProfileRelease,
    ProfileVersion,
)
from people.models import Agency, Person
from safeguarding import uk_time

# The lists, as lines: each line one associate, place, phone number or account.
LISTS = ("associates", "places", "contacts")
TEXTS = ("description", "medical")
MAX_LINES = 50
MAX_LINE = 200
RETENTION_ENDED = "Kept for its retention period after the case closed"
SECTION_NAMES = {
    "description": "physical description",
    "medical": "medical needs and medication",
    "associates": "associates",
    "places": "places",
    "contacts": "phone numbers and accounts",
}


def release_ends(episode: MissingEpisode) -> dt.datetime | None:
    """When a release made by this episode lapses: PROFILE_RELEASE_GRACE_HOURS after the
    return, or None while the child is still missing (it holds until then)."""
    if episode.returned_at is None:
        return None
    return episode.returned_at + dt.timedelta(hours=settings.PROFILE_RELEASE_GRACE_HOURS)


def release_holds(episode: MissingEpisode, now: dt.datetime) -> bool:
    ends = release_ends(episode)
    return ends is None or now < ends


@dataclass(frozen=True)
class Access:
    """What one person may do with one case's profile, and why."""

    read: bool = False
    write: bool = False
    # The release that lets them read (a police force during an episode), if that is why.
    release: ProfileRelease | None = None
    # Their agency's latest release that has lapsed, when nothing else lets them read: the
    # page says when access ended.
    lapsed: ProfileRelease | None = None


def releases(case: Case) -> list[ProfileRelease]:
    """Every release the case's missing reports made, newest first, with its episode."""
    return list(
        ProfileRelease.objects.filter(episode__case=case)
        .select_related("episode", "agency")
        .order_by("-granted_at", "agency__name")
    )


def access(person: Person, case: Case, now: dt.datetime | None = None) -> Access:
    """Whether the person may read and change the case's profile (the case itself is one
    they may already see)."""
    if not may(person, Act.VIEW):  # an agency admin reads no case, nor its profile
        return Access()
    if can(person, case, "contribute"):
        return Access(read=True, write=may(person, Act.PROFILE))
    now = now or timezone.now()
    held = [
        release
        for release in ProfileRelease.objects.filter(
            episode__case=case, agency_id=person.agency_id
        ).select_related("episode", "agency")
    ]
    holding = [release for release in held if release_holds(release.episode, now)]
    if holding:
        return Access(read=True, release=holding[0])
    lapsed = max(held, key=lambda release: release_ends(release.episode), default=None)
    return Access(lapsed=lapsed)


def looking_for(person: Person, episode: MissingEpisode) -> bool:
    """Whether the person's agency is a police force the episode's report released the
    profile to (the force looking for the child): it may record that the child is back, as
    agencies with contribute access may, though its share of the case is only to view."""
    return (
        may(person, Act.REPORT_MISSING)
        and ProfileRelease.objects.filter(episode=episode, agency_id=person.agency_id).exists()
    )


def releases_held(person: Person, case: Case) -> set[int]:
    """The case's episodes whose release the person's agency holds (their ids)."""
    if not may(person, Act.REPORT_MISSING):
        return set()
    return set(
        ProfileRelease.objects.filter(episode__case=case, agency_id=person.agency_id).values_list(
            "episode_id", flat=True
        )
    )


def profile_of(case: Case) -> Profile | None:
    return Profile.objects.filter(case=case).first()


def current_version(profile: Profile | None) -> ProfileVersion | None:
    if profile is None:
        return None
    return (
        ProfileVersion.objects.filter(profile=profile)
        .select_related("written_by", "agency")
        .order_by("-written_at", "-id")
        .first()
    )


def versions(profile: Profile) -> list[ProfileVersion]:
    """Every version, newest first, with who wrote it."""
    return list(
        ProfileVersion.objects.filter(profile=profile)
        .select_related("written_by", "agency")
        .order_by("-written_at", "-id")
    )


def current_photo(profile: Profile | None) -> ProfilePhoto | None:
    """The photo in use (its bytes left unread: the page shows it through its own URL)."""
    if profile is None:
        return None
    return (
        ProfilePhoto.objects.defer("content")
        .filter(profile=profile, removed_at__isnull=True)
        .select_related("uploaded_by", "agency")
        .first()
    )


@dataclass(frozen=True)
class Review:
    """Whether the profile is due a review, by when, and why."""

    due: bool
    by: dt.date | None
    why: str


def review_of(profile: Profile | None, now: dt.datetime | None = None) -> Review:
    """Due every PROFILE_REVIEW_MONTHS and after every return since the last review."""
    now = now or timezone.now()
    if profile is None or profile.reviewed_at is None:
        return Review(True, None, "It has never been written or reviewed.")
    by = months_after(uk_time.local(profile.reviewed_at).date(), settings.PROFILE_REVIEW_MONTHS)
    returned = (
        MissingEpisode.objects.filter(case_id=profile.case_id, returned_at__gt=profile.reviewed_at)
        .order_by("-returned_at")
        .values_list("returned_at", flat=True)
        .first()
    )
    if returned is not None:
        return Review(
            True, by, f"The child returned {uk_time.said(returned)}, since the last review."
        )
    if uk_time.local(now).date() >= by:
        return Review(True, by, "Three months have passed since the last review.")
    return Review(False, by, "")


def lines(value) -> list[str]:
    """A list section as kept: each line trimmed, blank and repeated lines dropped, in the
    order given. Accepts the textarea's text or a list (the API)."""
    if isinstance(value, str):
        value = value.splitlines()
    kept: list[str] = []
    for line in value or []:
        line = " ".join(str(line).split())
        if line and line.casefold() not in {k.casefold() for k in kept}:
            kept.append(line)
    return kept


def _content(version: ProfileVersion | None) -> dict:
    if version is None:
        return {**{name: "" for name in TEXTS}, **{name: [] for name in LISTS}}
    return {name: getattr(version, name) for name in (*TEXTS, *LISTS)}


def _locked_profile(case: Case, now: dt.datetime) -> Profile:
    """The case's profile, made if it has none, its row held until the transaction ends (so
    two saves at once take turns, and each compares against the other's result)."""
    profile = Profile.objects.select_for_update().filter(case=case).first()
    if profile is not None:
        return profile
    try:
        with transaction.atomic():
            Profile.objects.create(case=case, created_at=now)
    except IntegrityError:  # made by another save a moment ago
        pass
    return Profile.objects.select_for_update().get(case=case)


@transaction.atomic
def save_profile(
    person: Person, case: Case, *, now: dt.datetime | None = None, **sections
) -> ProfileVersion | None:
    """Write the profile as given (every section: what is not given is emptied), as a new
    version that keeps the old. Saving counts as a review. Returns None, recording nothing,
    when nothing would change (a second click, a colleague who saved the same)."""
    require(person, Act.PROFILE, target_id=case.pk)
    lock_open(case)
    now = now or timezone.now()
    profile = _locked_profile(case, now)
    before = _content(current_version(profile))
    after = {name: (sections.get(name) or "").replace("\r\n", "\n").strip() for name in TEXTS}
    after.update({name: lines(sections.get(name)) for name in LISTS})
    if after == before:
        return None
    version = ProfileVersion.objects.create(
        profile=profile, written_by=person, agency=person.agency, written_at=now, **after
    )
    Profile.objects.filter(pk=profile.pk).update(reviewed_at=now, reviewed_by=person)
    changed = [name for name in (*TEXTS, *LISTS) if after[name] != before[name]]
    # Which sections changed, never what they say (the audit log is read more widely).
    case_changed(Action.PROFILE_CHANGED, person, case.pk, version=version.pk, sections=changed)
    return version


@transaction.atomic
def mark_reviewed(person: Person, case: Case, now: dt.datetime | None = None) -> Profile:
    """The profile was read through and is still right: the review is done."""
    require(person, Act.PROFILE, target_id=case.pk)
    lock_open(case)
    now = now or timezone.now()
    profile = _locked_profile(case, now)
    Profile.objects.filter(pk=profile.pk).update(reviewed_at=now, reviewed_by=person)
    profile.reviewed_at, profile.reviewed_by = now, person
    case_changed(Action.PROFILE_REVIEWED, person, case.pk, profile=profile.pk)
    return profile


@transaction.atomic
def add_photo(
    person: Person, case: Case, data: bytes, now: dt.datetime | None = None
) -> ProfilePhoto:
    """A new photo, cleaned (missing.photos), replacing the one in use, whose bytes are
    dropped. The same picture sent again (a double click) is the one already there."""
    require(person, Act.PROFILE, target_id=case.pk)
    clean = photos.clean(data)  # before any lock: a refused file changes nothing
    lock_open(case)
    now = now or timezone.now()
    profile = _locked_profile(case, now)
    current = current_photo(profile)
    if current is not None and current.sha256 == clean.sha256:
        return current
    if current is not None:
        _drop_photo(current, person, "Replaced by a newer photo", now)
    photo = ProfilePhoto.objects.create(
        profile=profile, content=clean.content, content_type=clean.content_type,
        width=clean.width, height=clean.height, sha256=clean.sha256,
        uploaded_by=person, agency=person.agency, uploaded_at=now,
    )  # fmt: skip
    case_changed(
        Action.PROFILE_PHOTO_ADDED, person, case.pk,
        photo=photo.pk, replaced=current.pk if current else None,
    )  # fmt: skip
    return photo


def _drop_photo(photo: ProfilePhoto, person: Person | None, reason: str, now: dt.datetime) -> None:
    ProfilePhoto.objects.filter(pk=photo.pk).update(
        content=b"", removed_at=now, removed_by=person, removed_reason=reason
    )


class NoPhoto(Exception):
    """There is no photo in use to remove (removed a moment ago, or never added)."""


def require_keeper(person: Person, case: Case) -> None:
    """Removing and erasing are for the placing authority, which keeps the profile: a
    caseworker of the agency managing the case (SECURITY.md, "Missing-from-care profiles").
    Anyone else is refused by role (403) or by access (the caller's 404)."""
    require(person, Act.PROFILE, target_id=case.pk)
    if not can(person, case, "manage"):
        record(
            Action.PERMISSION_REFUSED, actor=person, target_type="case", target_id=case.pk,
            detail={"need": "profile_keeper", "role": person.role},
        )  # fmt: skip
        raise RoleRefused(
            f"Only {case.lead_agency.name}, which manages this case and keeps the profile, "
            "removes its photo or erases it."
        )


@transaction.atomic
def remove_photo(
    person: Person, case: Case, reason: str, now: dt.datetime | None = None
) -> ProfilePhoto:
    """Take the photo out of use (wrong child, out of date): its bytes are gone at once."""
    require_keeper(person, case)
    now = now or timezone.now()
    profile = _locked_profile(case, now)
    photo = current_photo(profile)
    if photo is None:
        raise NoPhoto("There is no photo on the profile to remove.")
    _drop_photo(photo, person, reason.strip(), now)
    case_changed(Action.PROFILE_PHOTO_REMOVED, person, case.pk, photo=photo.pk)
    return photo


@transaction.atomic
def erase_third_parties(
    person: Person | None, case: Case, reason: str, now: dt.datetime | None = None
) -> Profile | None:
    """Erase the photo and third parties' details (associates, phone numbers and accounts)
    from every version: by the keeper on request, or by the retention sweep (`person`
    None) PROFILE_RETENTION_DAYS after the case closed. What the profile said of the child
    (description, medical needs, places) stays with the closed case's record."""
    if person is not None:
        require_keeper(person, case)
    now = now or timezone.now()
    profile = Profile.objects.select_for_update().filter(case=case).first()
    if profile is None:
        return None
    photo = current_photo(profile)
    if photo is not None:
        _drop_photo(photo, person, reason, now)
    ProfilePhoto.objects.filter(profile=profile).exclude(content=b"").update(content=b"")
    blanked = ProfileVersion.objects.filter(profile=profile).update(associates=[], contacts=[])
    Profile.objects.filter(pk=profile.pk).update(erased_at=now)
    profile.erased_at = now
    detail = {"profile": profile.pk, "versions": blanked, "reason": reason}
    if person is not None:
        case_changed(Action.PROFILE_ERASED, person, case.pk, **detail)
    else:
        record(Action.PROFILE_ERASED, target_type="case", target_id=case.pk, detail=detail)
    return profile


def erase_expired(now: dt.datetime | None = None) -> int:
    """The retention sweep: erase (as `erase_third_parties`) every profile on a case closed
    more than PROFILE_RETENTION_DAYS ago that still holds anything to erase. Returns how
    many it erased. Safe to run again: an erased profile is skipped."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PROFILE_RETENTION_DAYS)
    due = Case.objects.filter(
        status=Case.Status.CLOSED,
        closed_at__lt=cutoff,
        missing_profile__isnull=False,
        missing_profile__erased_at__isnull=True,
    )
    erased = 0
    for case in due.iterator():
        if erase_third_parties(
            None, case, "Kept for its retention period after the case closed", now
        ):
            erased += 1
    return erased


def release_to_police(
    episode: MissingEpisode, agencies: list[Agency], now: dt.datetime | None = None
) -> list[Agency]:
    """Give these police forces read access to the profile for the episode (plus the grace
    period), inside the missing report's transaction. Returns those newly given it."""
    now = now or timezone.now()
    given = []
    for agency in agencies:
        _, made = ProfileRelease.objects.get_or_create(
            episode=episode, agency=agency, defaults={"granted_at": now}
        )
        if made:
            given.append(agency)
    return given


def viewed_profile(request, case: Case, got: Access, part: str) -> None:
    """Every read of the profile is an audit event: which part (page, photo, API), and on
    what basis (contribute access, or a release for an episode)."""
    basis = {"release": got.release.pk, "episode": got.release.episode_id} if got.release else {}
    record(
        Action.PROFILE_VIEWED,
        request=request,
        target_type="case",
        target_id=case.pk,
        detail={"part": part, **basis},
    )

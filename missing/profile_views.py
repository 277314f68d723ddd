"""Pages of the missing-from-care profile (missing.profiles): read it, write it, add or
remove its photo, mark it reviewed, erase its third parties' details.

Reading takes contribute access to the case or a missing report's release; a person who
may see the case but not its profile (a view share, or a release that has lapsed) is told
why, with a 403 that names no child. Every read, the photo's included, is audited.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from cases.pages import contributing, done, form_page, posted
from cases.roles import Act
from cases.selectors import can, case_for, record_refusal
from cases.services import CaseClosed
from missing import photos, profiles, selectors
from missing.forms import PhotoForm, ProfileForm, ReasonForm
from missing.models import ReturnInterview
from safeguarding.uk_time import said

PROFILE = "missing-profile"


class ProfileRefused(PermissionDenied):
    """The case is one the person sees, but its profile is not theirs to read: 403 with
    the reason (no child named)."""

    shown_to_person = True


def _readable(request: HttpRequest, case_id: int) -> tuple[Case, profiles.Access]:
    person = request.user
    case = case_for(person, case_id, audit_refusal=True)
    got = profiles.access(person, case)
    if got.read:
        return case, got
    record_refusal(person, "case", case.pk, "missing_profile")
    if got.lapsed is not None:
        ends = profiles.release_ends(got.lapsed.episode)
        raise ProfileRefused(
            "Your agency cannot read this child’s missing-from-care profile any more: it was "
            f"released to you when the child went missing, and that ended {said(ends)}, "
            f"{settings.PROFILE_RELEASE_GRACE_HOURS} hours after their return."
        )
    raise ProfileRefused(
        "Your agency cannot read this child’s missing-from-care profile: it is for agencies "
        "working with the child, and for the police while the child is missing."
    )


def _history(versions: list) -> list[dict]:
    """Each version, newest first, with the sections it changed from the one before."""
    rows = []
    for index, version in enumerate(versions):
        before = versions[index + 1] if index + 1 < len(versions) else None
        changed = [
            profiles.SECTION_NAMES[name]
            for name in (*profiles.TEXTS, *profiles.LISTS)
            if (before is None and getattr(version, name))
            or (before is not None and getattr(version, name) != getattr(before, name))
        ]
        rows.append({"version": version, "changed": changed})
    return rows


@login_required
@require_GET
def profile(request: HttpRequest, case_id: int) -> HttpResponse:
    """The profile as a police officer taking a missing report needs it: photo, description,
    where the child is usually found, who with, their phones and accounts, medical needs,
    previous episodes; then its review, its releases and its history."""
    case, got = _readable(request, case_id)
    profile = profiles.profile_of(case)
    versions = profiles.versions(profile) if profile else []
    episodes = list(selectors.missing_episodes(case)[:20])
    now = timezone.now()
    profiles.viewed_profile(request, case, got, "page")
    return render(
        request,
        "missing/profile.html",
        {
            "case": case,
            "child": case.child,
            "access": got,
            "access_ends": profiles.release_ends(got.release.episode) if got.release else None,
            "profile": profile,
            "current": versions[0] if versions else None,
            "history": _history(versions),
            "photo": profiles.current_photo(profile),
            "review": profiles.review_of(profile, now),
            "episodes": episodes,
            "releases": _releases(case, now),
            # Removing the photo and erasing: the managing agency (profiles.require_keeper).
            "keeper": got.write and can(request.user, case, "manage"),
            "grace_hours": settings.PROFILE_RELEASE_GRACE_HOURS,
        },
    )


def _releases(case: Case, now) -> list[dict]:
    """Each release, with when it ends or ended (the case page says when access lapsed)."""
    return [
        {
            "release": release,
            "ends": profiles.release_ends(release.episode),
            "holds": profiles.release_holds(release.episode, now),
        }
        for release in profiles.releases(case)
    ]


@login_required
@require_GET
def profile_photo(request: HttpRequest, case_id: int) -> HttpResponse:
    """The photo's bytes, to those who may read the profile: never cached by a browser or
    proxy, never sniffed as anything but the image it is."""
    case, got = _readable(request, case_id)
    photo = profiles.current_photo(profiles.profile_of(case))
    if photo is None:
        record_refusal(request.user, "case", case.pk, "missing_profile_photo")
        return HttpResponse("No photo", status=404, content_type="text/plain")
    profiles.viewed_profile(request, case, got, "photo")
    return photos.served(photo)


def _closed(request: HttpRequest, case: Case) -> HttpResponse:
    messages.info(request, str(CaseClosed(case)))
    return redirect(PROFILE, case_id=case.pk)


@login_required
def profile_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Write the profile: every section on one form, kept as a new version."""
    case = contributing(request, case_id, Act.PROFILE)
    if request.method == "GET" and case.status == Case.Status.CLOSED:
        return _closed(request, case)
    current = profiles.current_version(profiles.profile_of(case))
    initial = None
    if current is not None:
        initial = {name: getattr(current, name) for name in profiles.TEXTS}
        initial.update({name: "\n".join(getattr(current, name)) for name in profiles.LISTS})
    offered = _offered(request, case)
    if offered and request.method == "GET":
        initial = initial or {}
        for name, named in offered.items():
            initial[name] = "\n".join(
                profiles.lines([*(initial.get(name) or "").splitlines(), *named])
            )
    form = ProfileForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = profiles.save_profile(request.user, case, **form.cleaned_data)
        except CaseClosed as closed:
            form.add_error(None, f"{closed} Nothing was saved.")
        else:
            said_ = (
                "The profile is saved."
                if version
                else "Nothing had changed: the profile is as it was."
            )
            return done(request, case, said_, to=PROFILE)
    if request.method == "GET":
        profiles.viewed_profile(request, case, profiles.access(request.user, case), "edit")
    return form_page(
        request, case, "missing_profile_edit", "missing/profile_form.html", form,
        {"current": current},
    )  # fmt: skip


def _offered(request: HttpRequest, case: Case) -> dict[str, list[str]]:
    """The places and people a return home interview on this case named
    (`?from_interview=<id>`), offered for the profile: added to the form, kept if saved."""
    try:
        interview_id = int(request.GET.get("from_interview", ""))
    except ValueError:
        return {}
    interview = ReturnInterview.objects.filter(pk=interview_id, episode__case=case).first()
    if interview is None:
        return {}
    return {"places": interview.places_mentioned, "associates": interview.people_mentioned}


@login_required
def photo_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add (or replace) the photo. A request larger than the limit is refused by its length,
    before the picture is decoded."""
    case = contributing(request, case_id, Act.PROFILE)
    if request.method == "GET" and case.status == Case.Status.CLOSED:
        return _closed(request, case)
    form = PhotoForm()
    if request.method == "POST":
        size = int(request.META.get("CONTENT_LENGTH") or 0)
        if size > settings.PROFILE_PHOTO_MAX_BYTES + 64 * 1024:
            form = PhotoForm(data={}, files={})
            form.is_valid()
            form.errors["photo"] = form.error_class(["The photo must be smaller than 5 MB"])
        else:
            form = PhotoForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    profiles.add_photo(request.user, case, form.cleaned_data["data"])
                except CaseClosed as closed:
                    form.add_error(None, f"{closed} Nothing was saved.")
                except ValidationError as refused:
                    form.add_error("photo", refused.messages[0])
                else:
                    return done(request, case, "The photo is added to the profile.", to=PROFILE)
    return form_page(request, case, "missing_profile_photo_new", "missing/photo_form.html", form)


@login_required
@require_POST
def profile_reviewed(request: HttpRequest, case_id: int) -> HttpResponse:
    """The profile was read through and is still right."""
    case = contributing(request, case_id, Act.PROFILE)
    try:
        profiles.mark_reviewed(request.user, case)
    except CaseClosed as closed:
        messages.info(request, str(closed))
        return redirect(PROFILE, case_id=case.pk)
    return done(request, case, "The profile is marked as reviewed.", to=PROFILE)


def _reason_page(request: HttpRequest, case_id: int, *, erase: bool) -> HttpResponse:
    case = contributing(request, case_id, Act.PROFILE)
    profiles.require_keeper(request.user, case)
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if erase:
            profiles.erase_third_parties(request.user, case, reason)
            return done(
                request, case,
                "The photo and the third parties’ details are erased from every version.",
                to=PROFILE,
            )  # fmt: skip
        try:
            profiles.remove_photo(request.user, case, reason)
        except profiles.NoPhoto as none:
            messages.info(request, f"{none} Nothing was changed.")
            return redirect(PROFILE, case_id=case.pk)
        return done(request, case, "The photo is removed from the profile.", to=PROFILE)
    view = "missing_profile_erase" if erase else "missing_profile_photo_remove"
    return form_page(
        request, case, view, "missing/profile_reason_form.html", form, {"erase": erase}
    )


@login_required
def photo_remove(request: HttpRequest, case_id: int) -> HttpResponse:
    return _reason_page(request, case_id, erase=False)


@login_required
def profile_erase(request: HttpRequest, case_id: int) -> HttpResponse:
    return _reason_page(request, case_id, erase=True)

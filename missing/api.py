"""Placements and missing episodes in the case API: the same rules as cases.api.

Reading needs view access to the case and is audited with the share (or emergency access)
it was read under; recording needs contribute access, and the services write the rest in
one transaction: the chronology entry, the audit event, the shares a placement gives the
agencies covering its area, and one notification per agency that must be told.
"""

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, content_negotiation_class
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from cases import http
from cases.models import Case
from cases.roles import Act, require
from cases.selectors import can, case_for, case_to, record_refusal
from cases.services import CaseClosed
from missing import photos, profiles, selectors
from missing import serializers as ms
from missing.services import (
    AlreadyGraded,
    AlreadyMissing,
    AlreadyReturned,
    InterviewAlreadyRecorded,
    record_placement,
    record_return,
    record_return_interview,
    regrade_missing,
    report_missing,
    require_placing_authority,
)
from safeguarding import problems
from safeguarding.uk_time import said

ALREADY_RETURNED = http.problem_answer(
    "The child's return from this episode is already recorded: nothing changed."
)
ALREADY_MISSING = OpenApiResponse(
    ms.AlreadyMissingProblemSerializer,
    description="`child-already-missing`: an earlier report has no return yet (one open "
    "episode a case); record its return first. Or `case-closed` (no `episode`): a closed case "
    "takes no new missing report; open a new case for the child.",
)
CASE_CLOSED = http.problem_answer(
    "`case-closed`: a closed case takes no new placement or missing report; open a new case "
    "for the child."
)
EPISODE_ID = http.id_parameter("episode_id", "A missing episode of the case.")


def _episodes(case: Case) -> QuerySet:
    # What the serializer names besides the selector's own joins: one query a page.
    return selectors.missing_episodes(case).select_related("reported_by", "return_recorded_by")


# --- placements -----------------------------------------------------------------------------


@http.collection(
    tags=["placements"],
    path=[http.CASE_ID],
    row=ms.PlacementSerializer,
    new=ms.NewPlacementSerializer,
    listing=(
        "case_placements_list",
        "Where the child has been placed",
        "The placements recorded on this case, latest start first; `current` marks where the "
        "child lives now.",
    ),
    creating=(
        "case_placements_create",
        "Record a placement (or a move) of a looked-after child",
        "For a local authority's children's services with contribute access; your agency "
        "becomes the placing authority. A current placement ends when this one starts (a "
        "move). The police force, children's services and health bodies covering the area get "
        "view access at once (lawful basis: notice of placement), and every agency that must "
        "know is notified: those, the placing authority and every agency the case is shared "
        "with.",
    ),
    created=http.answers({201: ms.PlacementSerializer, 409: CASE_CLOSED}, 400, 404),
)
def placements(request: Request, case_id: int) -> Response:
    if request.method == "GET":
        order = ("-started_at", "-id")
        return http.case_page(
            request, case_id, selectors.placements, ms.PlacementSerializer, order, view="placements"
        )

    person = request.user
    found = case_to(person, case_id, Act.PLACE)
    require_placing_authority(person, found)
    data = http.body(
        request,
        ms.NewPlacementSerializer,
        current=selectors.current_placement(found),
        born=found.child.date_of_birth,
    )
    try:
        placement = record_placement(person, found, **data)
    except CaseClosed as closed:
        return http.case_closed(closed)
    return Response(
        ms.PlacementSerializer(placement).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-placement", found.pk, placement.pk),
    )


PLACEMENT_ID = http.id_parameter("placement_id", "A placement recorded on the case.")


@http.item(
    tags=["missing"],
    row=ms.PlacementSerializer,
    operation=("case_placement_retrieve", "One placement", "As the list shows it."),
    path=[http.CASE_ID, PLACEMENT_ID],
)
def placement(request: Request, case_id: int, placement_id: int) -> Response:
    return http.case_item(
        request, case_id, placement_id, selectors.placements, ms.PlacementSerializer,
        view="placements",
    )  # fmt: skip


# --- missing episodes -----------------------------------------------------------------------


@http.collection(
    tags=["missing"],
    path=[http.CASE_ID],
    row=ms.MissingEpisodeSerializer,
    new=ms.NewMissingEpisodeSerializer,
    listing=(
        "case_missing_episodes_list",
        "The times the child has been reported missing",
        "Latest report first, each with its return and the return home interview owed after it.",
    ),
    creating=(
        "case_missing_episodes_create",
        "Report the child missing",
        "Needs contribute access. Saved, put on the chronology and notified at once to the "
        "agencies covering where the child lives, the placing authority and every agency the "
        "case is shared with (not your own).",
    ),
    created=http.answers({201: ms.MissingEpisodeSerializer, 409: ALREADY_MISSING}, 400, 404),
)
def missing_episodes(request: Request, case_id: int) -> Response:
    if request.method == "GET":
        return http.case_page(
            request,
            case_id,
            _episodes,
            ms.MissingEpisodeSerializer,
            ("-reported_at", "-id"),
            view="missing_episodes",
            listed="episodes",
        )

    person = request.user
    found = case_to(person, case_id, Act.REPORT_MISSING)
    data = http.body(request, ms.NewMissingEpisodeSerializer, born=found.child.date_of_birth)
    try:
        episode = report_missing(person, found, **data)
    except AlreadyMissing as refused:
        # Someone who may report on the case may read its episodes: the open one is named.
        return problems.problem(
            status.HTTP_409_CONFLICT,
            f"This child is already missing: reported {said(refused.episode.reported_at)}. "
            "Record their return before reporting them missing again.",
            kind="child-already-missing",
            episode=refused.episode.pk,
        )
    except CaseClosed as closed:
        return http.case_closed(closed)
    return Response(
        ms.MissingEpisodeSerializer(_episodes(found).get(pk=episode.pk)).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-missing-episode", found.pk, episode.pk),
    )


@http.item(
    tags=["missing"],
    row=ms.MissingEpisodeSerializer,
    operation=(
        "case_missing_episode_retrieve",
        "One missing episode",
        "With its return and the return home interview owed after it, as the list shows it.",
    ),
    path=[http.CASE_ID, EPISODE_ID],
)
def missing_episode(request: Request, case_id: int, episode_id: int) -> Response:
    return http.case_item(
        request, case_id, episode_id, _episodes, ms.MissingEpisodeSerializer,
        view="missing_episodes", listed="episodes",
    )  # fmt: skip


def _episode_to(request: Request, case_id: int, episode_id: int):
    """The case (for someone who may report on it) and its episode, or 404 for either."""
    found = case_to(request.user, case_id, Act.REPORT_MISSING)
    episode = selectors.missing_episode(found, episode_id)
    if episode is None:
        raise Http404("No such missing episode")
    return found, episode


@extend_schema(
    operation_id="case_missing_episode_returned",
    summary="Record that a missing child has returned",
    description="Needs contribute access, or to be the police force looking for the child (a "
    "missing report released the child's profile to it). When and how the child was found; "
    "the placing "
    "authority then owes a return home interview within 72 hours, and everyone told of the "
    "episode is told of the return. Once only (409 after that).",
    tags=["missing"],
    parameters=[http.CASE_ID, EPISODE_ID, http.IDEMPOTENCY_KEY],
    request=ms.ReturnSerializer,
    responses=http.answers({200: ms.MissingEpisodeSerializer, 409: ALREADY_RETURNED}, 400, 404)
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def returned(request: Request, case_id: int, episode_id: int) -> Response:
    person = request.user
    require(person, Act.REPORT_MISSING, target_id=case_id)  # a role that never may: 403
    found = case_for(person, case_id, audit_refusal=True)
    episode = selectors.missing_episode(found, episode_id)
    if episode is None:
        raise Http404("No such missing episode")
    # Contribute access, or the police force looking for the child (missing.profiles).
    if not can(person, found, "contribute") and not profiles.looking_for(person, episode):
        record_refusal(person, "case", found.pk, "contribute")
        raise Http404("No such case")
    already = "This child's return has already been recorded."
    if episode.returned_at is not None:  # before the body: nothing sent could change it
        return http.problem(already)
    data = http.body(request, ms.ReturnSerializer, episode=episode, born=found.child.date_of_birth)
    try:
        record_return(person, episode, **data)
    except AlreadyReturned:  # recorded by someone else since we looked
        return http.problem(already)
    return Response(ms.MissingEpisodeSerializer(_episodes(found).get(pk=episode.pk)).data)


INTERVIEW_RECORDED = http.problem_answer(
    "The return home interview is already recorded: nothing changed."
)


@extend_schema(
    operation_id="case_missing_episode_interview",
    summary="Record how a return home interview went",
    description="For the agency that owes it (the placing authority), with contribute access; "
    "anyone else gets 404. Held (when, what the child said and why they went), declined or "
    "not held (with the reason). `covers` names the case's other outstanding interviews the "
    "same conversation covered. The summary goes on the chronology; with "
    "`shared_with_police`, so do the factors and the people and places named; the child's "
    "own words never do. Once only (409 after that).",
    tags=["missing"],
    parameters=[http.CASE_ID, EPISODE_ID, http.IDEMPOTENCY_KEY],
    request=ms.InterviewSerializer,
    responses=http.answers({200: ms.MissingEpisodeSerializer, 409: INTERVIEW_RECORDED}, 400, 404)
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def interview(request: Request, case_id: int, episode_id: int) -> Response:
    person = request.user
    found = case_to(person, case_id, Act.RETURN_INTERVIEW)
    episode = selectors.missing_episode(found, episode_id)
    owed = getattr(episode, "return_interview", None) if episode else None
    if owed is None or owed.agency_id != person.agency_id:
        record_refusal(person, "missing_episode", episode_id, "interview")
        raise Http404("No return home interview for this agency")
    if owed.completed_at is not None:
        return http.problem("The return home interview is already recorded: nothing changed.")
    data = http.body(
        request, ms.InterviewSerializer, episode=episode, born=found.child.date_of_birth
    )
    data["held_on"] = data.pop("held_at", None)
    try:
        record_return_interview(person, owed, **data)
    except InterviewAlreadyRecorded:
        return http.problem("The return home interview is already recorded: nothing changed.")
    return Response(ms.MissingEpisodeSerializer(_episodes(found).get(pk=episode.pk)).data)


NOT_REGRADED = http.problem_answer(
    "The child has returned (an ended episode keeps its grading), or the episode already has "
    "this grading: nothing changed."
)


@extend_schema(
    operation_id="case_missing_episode_regrade",
    summary="Change a missing child's risk grading",
    description="Needs contribute access, while the child is still missing. The grades are "
    "the College of Policing's (APP, missing persons); `very_low` is still a missing child, "
    "told and counted. The change and its reason are kept, put on the chronology and told at "
    "once to everyone told of the report. 409 once the child has returned, or if the episode "
    "already has this grading.",
    tags=["missing"],
    parameters=[http.CASE_ID, EPISODE_ID, http.IDEMPOTENCY_KEY],
    request=ms.RegradeSerializer,
    responses=http.answers({200: ms.MissingEpisodeSerializer, 409: NOT_REGRADED}, 400, 404)
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def regrade(request: Request, case_id: int, episode_id: int) -> Response:
    person = request.user
    found, episode = _episode_to(request, case_id, episode_id)
    data = http.body(request, ms.RegradeSerializer)
    try:
        regrade_missing(person, episode, **data)
    except AlreadyReturned as refused:
        return http.problem(str(refused))
    except AlreadyGraded:  # in words that do not quote the grade sent back
        return http.problem("The episode already has this grading: nothing changed.")
    return Response(ms.MissingEpisodeSerializer(_episodes(found).get(pk=episode.pk)).data)


# --- the missing-from-care profile ------------------------------------------------------------


def _profile_for(request: Request, case_id: int) -> tuple[Case, profiles.Access]:
    """The case and the person's access to its profile: 404 unless they may see the case
    and read its profile (the API does not tell the two apart; the page says why)."""
    found = case_for(request.user, case_id, audit_refusal=True)
    got = profiles.access(request.user, found)
    if not got.read:
        record_refusal(request.user, "case", found.pk, "missing_profile")
        raise NotFound(
            "Not found, or not yours to see. A missing-from-care profile is read with "
            "contribute access to the case, or by the police a missing report released it "
            "to, until its grace period after the return ends."
        )
    return found, got


def _profile_data(request: Request, case: Case, got: profiles.Access) -> dict:
    profile = profiles.profile_of(case)
    current = profiles.current_version(profile)
    photo = profiles.current_photo(profile)
    review = profiles.review_of(profile)
    content = {name: getattr(current, name) if current else "" for name in profiles.TEXTS}
    content |= {name: getattr(current, name) if current else [] for name in profiles.LISTS}
    return ms.ProfileSerializer(
        {
            **content,
            "version": current.pk if current else None,
            "written_at": current.written_at if current else None,
            "written_by_agency": current.agency.name if current else None,
            "versions": profile.versions.count() if profile else 0,
            "reviewed_at": profile.reviewed_at if profile else None,
            "review_due": review.due,
            "review_due_because": review.why,
            "next_review_by": review.by,
            "erased_at": profile.erased_at if profile else None,
            "photo": {
                "url": request.build_absolute_uri(
                    reverse("api-case-missing-profile-photo", args=[case.pk])
                ),
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
                "uploaded_at": photo.uploaded_at,
                "uploaded_by_agency": photo.agency.name,
            }
            if photo
            else None,
            "released_until": profiles.release_ends(got.release.episode) if got.release else None,
        }
    ).data


@extend_schema(
    methods=["GET"],
    operation_id="case_missing_profile_retrieve",
    summary="The child's missing-from-care profile",
    description="For agencies with contribute access, and for a police force a missing report "
    "released it to, until PROFILE_RELEASE_GRACE_HOURS after the return (`released_until`); "
    "404 to anyone else. Every read is audited. Send its `ETag` as `If-Match` with a PUT to "
    "refuse (412) a write over a colleague's change.",
    tags=["missing"],
    parameters=[http.CASE_ID],
    responses=http.answers({200: ms.ProfileSerializer}, 404),
)
@extend_schema(
    methods=["PUT"],
    operation_id="case_missing_profile_update",
    summary="Write the missing-from-care profile",
    description="Needs contribute access. The body is the whole profile as it should now "
    "read (a section left out is emptied); it is kept as a new version, the old ones with "
    "it, and counts as a review. Sending what it already says changes nothing, so a retry "
    "is safe. 409 `case-closed` on a closed case; 412 if `If-Match` names a version that is "
    "no longer the profile's.",
    tags=["missing"],
    parameters=[http.CASE_ID, http.if_match("the profile", "GET .../missing-profile/")],
    request=ms.NewProfileSerializer,
    responses=http.answers({200: ms.ProfileSerializer, 409: CASE_CLOSED}, 400, 404)
    | {412: http.problem_answer("The profile changed since you read it.")},
)
@api_view(["GET", "PUT"])
@http.casework
def missing_profile(request: Request, case_id: int) -> Response:
    if request.method == "GET":
        found, got = _profile_for(request, case_id)
        profiles.viewed_profile(request._request, found, got, "api")
        return http.tagged(request, _profile_data(request, found, got))
    found = case_to(request.user, case_id, Act.PROFILE)
    got = profiles.access(request.user, found)
    now = http.etag_of(_profile_data(request, found, got))
    if (refused := http.stale(request, now, "profile")) is not None:
        return refused
    data = http.body(request, ms.NewProfileSerializer)
    try:
        profiles.save_profile(request.user, found, **data)
    except CaseClosed as closed:
        return http.case_closed(closed)
    return http.tagged(request, _profile_data(request, found, got))


class AnyAccept(BaseContentNegotiation):
    """The photo answers whatever the client accepts (`image/*` included, which the JSON
    renderer alone would refuse with 406): the image, or an error as JSON like any other."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    operation_id="case_missing_profile_photo_retrieve",
    summary="The profile's photo",
    description="The image itself (JPEG or PNG, cleaned of all metadata), to those who may "
    "read the profile; 404 if it has none. Never cached. Every read is audited.",
    tags=["missing"],
    parameters=[http.CASE_ID],
    responses={
        (200, "image/jpeg"): OpenApiTypes.BINARY,
        (200, "image/png"): OpenApiTypes.BINARY,
        **{code: answer for code, answer in http.answers({}, 404).items()},
    },
)
@api_view(["GET"])
@content_negotiation_class(AnyAccept)
@http.casework
def missing_profile_photo(request: Request, case_id: int) -> HttpResponse:
    found, got = _profile_for(request, case_id)
    photo = profiles.current_photo(profiles.profile_of(found))
    if photo is None:
        raise Http404("No photo")
    profiles.viewed_profile(request._request, found, got, "photo")
    return photos.served(photo)

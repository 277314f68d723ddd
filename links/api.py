"""The links API under /api/v1/ (issue 20, item 6): the same rules as the pages.

A case's links are read and recorded as on its Links tab (cases.http: 404 for a case the
person may not see, the read audited before the answer, cursor pages of 25, one
Idempotency-Key a link); a match only by an agency told of it; the area view only by an
area's MASH managers and police, with the same suppression as the page.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actions import Action
from cases import http
from cases.roles import Act, RoleRefused
from cases.selectors import case_for, case_to, record_refusal
from cases.services import CaseClosed
from links import serializers as s
from links.selectors import (
    AREA_REFUSAL,
    also_on,
    area_view,
    match_seen_by,
    may_see_area,
    similar_names,
)
from links.services import FIELDS, TooManyLinks, links_seen_by, record_link
from safeguarding import problems

LINK_ID = http.id_parameter("link_id", "A link id.")
MATCH_ID = http.id_parameter("match_id", "A match id, as its notification names it.")


def _refused(error: DjangoValidationError, kind: str) -> ValidationError:
    """A service's refusal in the body's terms: a thing's own fields under `details`."""
    if not hasattr(error, "error_dict"):
        return ValidationError({"non_field_errors": error.messages})
    said: dict = {}
    for field, messages in error.message_dict.items():
        if field in FIELDS[kind]:
            said.setdefault("details", {})[field] = messages
        else:
            said[field] = messages
    return ValidationError(said)


def _context(person, case, links) -> dict:
    """The other visible cases sharing each link's thing, and similar names (two queries)."""
    return {"also": also_on(person, case, links), "similar": similar_names(person, case, links)}


def _page(request: Request, case) -> Response:
    paginator, shown = http.paged(request, links_seen_by(request.user, case), "-recorded_at", "-id")
    http.read(request, case, view="links", links=[link.pk for link in shown])
    data = s.LinkSerializer(shown, many=True, context=_context(request.user, case, shown))
    return paginator.get_paginated_response(data.data)


@http.collection(
    tags=["links"],
    path=[http.CASE_ID],
    row=s.LinkSerializer,
    new=s.NewLinkSerializer,
    listing=(
        "case_links_list",
        "People, vehicles, places, phones and accounts linked to the case",
        "Newest first; another agency's restricted link is not listed. `also_on` names the "
        "other cases you may see whose link to the same thing you may read.",
    ),
    creating=(
        "case_links_create",
        "Link a person, vehicle, place, phone number or account to the case",
        "Whoever may add to the chronology. Normalised so that it meets the same thing on "
        "other cases (registrations, phone numbers in E.164, postcodes, names with a date of "
        "birth); a name alone never matches. Compared with other cases by the Hub after it is "
        "recorded: each side is told only that there is a match and whom to ask. At most "
        "LINKS_PER_HOUR a person an hour (429 beyond).",
    ),
    created=http.answers({201: s.LinkSerializer}, 400, 404, 409),
)
def links(request: Request, case_id: int) -> Response:
    person = request.user
    if request.method == "GET":
        found = case_for(person, case_id, audit_refusal=True)
        http.query(request)
        return _page(request, found)
    found = case_to(person, case_id, Act.ADD_ENTRY)
    data = http.body(request, s.NewLinkSerializer)
    try:
        made = record_link(
            person, found, kind=data["kind"], written=data["details"],
            learned_on=data["learned_on"], learned_how=data["learned_how"],
            restricted=data["restricted"],
        )  # fmt: skip
    except TooManyLinks as refused:
        return problems.problem(
            status.HTTP_429_TOO_MANY_REQUESTS, refused.messages[0], kind="too-many-links"
        )
    except DjangoValidationError as error:
        raise _refused(error, data["kind"]) from error
    except CaseClosed as closed:
        return http.case_closed(closed)
    made = links_seen_by(person, found).get(pk=made.pk)
    return Response(
        s.LinkSerializer(made, context=_context(person, found, [made])).data,
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-case-link", found.pk, made.pk),
    )


@http.item(
    tags=["links"],
    row=s.LinkSerializer,
    operation=("case_link_retrieve", "One link", "As listed."),
    path=[http.CASE_ID, LINK_ID],
)
def link(request: Request, case_id: int, link_id: int) -> Response:
    person = request.user
    found = case_for(person, case_id, audit_refusal=True)
    http.query(request)
    row = links_seen_by(person, found).filter(pk=link_id).first()
    if row is None:
        raise Http404("Not found")
    http.read(request, found, view="links", links=[row.pk])
    return http.tagged(request, s.LinkSerializer(row, context=_context(person, found, [row])).data)


@extend_schema(
    operation_id="link_match_retrieve",
    summary="A match between cases your agency was told of",
    description="Your side's links that you may read, and whom to ask to share. Nothing of "
    "a case you may not see. 404 to an agency not told of it.",
    tags=["links"],
    parameters=[MATCH_ID],
    responses=http.answers({200: s.MatchSerializer}, 404),
)
@api_view(["GET"])
@http.casework
def match(request: Request, match_id: int) -> Response:
    person = request.user
    http.query(request)
    found = match_seen_by(person, match_id)
    if found is None:
        record_refusal(person, "match", match_id, "view")
        raise Http404("Not found")
    http.audit(request, Action.LINK_MATCH_VIEWED, "match", found.pk,
               cases=sorted(link.case_id for link in found.readable))  # fmt: skip
    return http.tagged(request, s.MatchSerializer(found).data)


@extend_schema(
    operation_id="area_links_retrieve",
    summary="Links across children in your area (for the MACE)",
    description="As the page: things linked to two or more children of your agency's area "
    "in the last LINKS_AREA_DAYS; children you may see named, the rest counted and a "
    'count under the threshold said as "fewer than" it. Peers under 18 are counted, '
    "never listed. For MASH managers and police caseworkers.",
    tags=["links"],
    responses=http.answers({200: s.AreaViewSerializer}, 400),
)
@api_view(["GET"])
@http.casework
def area(request: Request) -> Response:
    person = request.user
    http.query(request)
    if not may_see_area(person):
        http.audit(request, Action.PERMISSION_REFUSED, "", "", need="area_links")
        raise RoleRefused(AREA_REFUSAL)
    view = area_view(person)
    http.audit(request, Action.AREA_LINKS_VIEWED, "agency", person.agency_id, **view.named())
    return Response(s.AreaViewSerializer(view).data)

"""The MASH triage API under /api/v1/: the same rules and audit as the pages.

Who may do what is decided by triage.selectors and triage.services:
- anyone in an agency records a contact (POST /contacts/); it goes to the MASH of the area;
- the receiving MASH's people read the whole contact and its checks; the referring
  agency's people read what they reported and the outcome (`access` says which view);
  anyone else is answered 404, as if the contact did not exist, and the refusal recorded;
- only MASH managers of the receiving authority rate, ask partners and decide (404 for
  anyone else, from `contact_for(need="manage")`);
- only the agency asked answers a check (404 for anyone else, the asking MASH included);
- the queue (GET /contacts/) and the counts (GET /triage/summary/) are the triage screen's:
  for MASH managers of a children's services agency (a MASH) only, 403 for anyone else
  (a role, like the access reports; it names no contact, so nothing leaks). A MASH manager
  of another kind of agency (the police's) runs no MASH queue here: 403 too.

Deciding never ignores a partner check still outstanding (issue 17): the decision is
refused with 409 naming `open_checks`, unless `close_open_checks: true` and a
`close_reason` are sent, when each is closed first as closed by the manager, with that
reason, in the decision's transaction (the steps of triage.services.close_check: the request
withdrawn, the partner told). The decide page warns instead and lets the manager close each
check with its own reason; a decision made there with checks still out closes them as
overtaken by it (item 6's rule, triage.services.close_overtaken_checks). The API asks for
the explicit choice because a client cannot be shown the warning.

Every read is audited here before the answer is built (CONTACTS_LISTED, CONTACT_VIEWED,
TRIAGE_VIEWED); every change is audited by its service. A service's refusal of what was
sent (django ValidationError) is a 400 with its messages under `non_field_errors`.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actions import Action
from cases import http, selectors
from cases import serializers as s
from people.models import Person
from safeguarding import problems
from triage import selectors as mash_selectors
from triage import serializers as m
from triage.models import Contact
from triage.services import (
    NewChild,
    PossibleDuplicates,
    answer_check,
    closed_check_refusal,
    decide_contact,
    rate_contact,
    record_contact,
    request_checks,
)

TAGS = ["MASH triage"]
CONTACT_ID = http.id_parameter("contact_id", "A contact id.")
CHECK_ID = http.id_parameter("check_id", "A check id.")

CONTACT_VIEW = PolymorphicProxySerializer(
    component_name="ContactView",
    serializers={
        mash_selectors.MASH: m.MashContactSerializer,
        mash_selectors.REFERRER: m.ContactSerializer,
    },
    resource_type_field_name="access",
)
NOT_A_MANAGER = http.problem_answer(
    "Not a MASH manager of a children's services agency; or a session request "
    "without its CSRF token, or a person in no agency.",
)
CONTACT_NOT_FOUND = http.problem_answer(
    "No such contact, or not one you may act on (the two are not told apart): "
    "only the receiving MASH's managers rate, ask partners and decide.",
)
ALREADY_DECIDED = http.problem_answer(
    "The contact has been decided: it can no longer be changed. Nothing was."
)
ALREADY_ANSWERED = http.problem_answer(
    "Your agency has already answered this check, or it was closed unanswered (the detail "
    "says when and why): nothing changed."
)
# What a MASH manager's change of a contact answers: the contact as its MASH now sees it.
CHANGED = http.answers(
    {200: m.MashContactSerializer, 404: CONTACT_NOT_FOUND, 409: ALREADY_DECIDED}, 400
)
DECIDED = "This contact has been decided: it can no longer be changed."


# --- helpers --------------------------------------------------------------------------------


def _mash_manager(request: Request) -> Person:
    person = request.user
    if not mash_selectors.runs_a_mash(person):
        http.audit(request, Action.PERMISSION_REFUSED, "", "", why="mash managers only")
        raise PermissionDenied("Only MASH managers of a children's services agency can use this.")
    return person


def _refused(error: DjangoValidationError) -> ValidationError:
    """A service's refusal of what was sent, as the API's 400."""
    return ValidationError({"non_field_errors": error.messages})


def _contact_data(person: Person, contact: Contact, access: str) -> dict:
    """The contact as `access` (MASH or REFERRER) allows: a MASH reads ratings and checks;
    a referrer, the child only as its agency knows them."""
    contact.access = access
    if access != mash_selectors.MASH:
        contact.child_shown = mash_selectors.child_as_known(person, contact)
        return m.ContactSerializer(contact).data
    contact.given = contact.child_typed or None
    contact.ratings_list = list(mash_selectors.contact_ratings(contact))
    contact.checks_list = list(mash_selectors.contact_checks(contact))
    return _MashView(contact).data


class _MashView(m.MashContactSerializer):
    """MashContactSerializer over the lists fetched once by _contact_data."""

    ratings = m.RatingSerializer(many=True, source="ratings_list")
    checks = m.ContactCheckSerializer(many=True, source="checks_list")


def _viewed(request: Request, contact: Contact, access: str, view: str, **detail) -> None:
    http.audit(
        request, Action.CONTACT_VIEWED, "contact", contact.pk, view=view, access=access, **detail
    )


def _managed(request: Request, contact_id: int) -> Contact:
    contact, _ = mash_selectors.contact_for(
        request.user, contact_id, audit_refusal=True, need="manage"
    )
    return contact


def _after_change(request: Request, contact_id: int) -> dict:
    """The contact again, as its MASH sees it, after a change (reads nothing new: the
    service recorded the change)."""
    contact, access = mash_selectors.contact_for(request.user, contact_id)
    return _contact_data(request.user, contact, access)


def _change(
    request: Request,
    contact_id: int,
    serializer_class: type[m.serializers.Serializer],
    change: Callable[[Contact, dict], object],
) -> Response:
    """A MASH manager's change of an undecided contact, by `change(contact, data)`: rating
    and deciding refuse alike (409 once decided; a service's refusal is a 400) and answer
    alike (the contact as its MASH now sees it)."""
    found = _managed(request, contact_id)
    if found.decided:  # before the body: nothing sent could change it
        return http.problem(DECIDED)
    data = http.body(request, serializer_class)
    try:
        change(found, data)
    except DjangoValidationError as refused:
        raise _refused(refused) from None
    return Response(_after_change(request, found.pk))


# --- contacts -------------------------------------------------------------------------------


@http.collection(
    tags=TAGS,
    row=m.QueueContactSerializer,
    new=m.NewContactSerializer,
    filters=m.QueueFilterSerializer,
    listing=(
        "contacts_list",
        "The MASH's queue: contacts by time left",
        "For MASH managers of the receiving children's services (403 for anyone else). The "
        "contacts your MASH has received and not decided, soonest due first, each with its "
        "partner checks and an overdue flag; `state=decided` lists the decided ones, newest "
        "decision first. Every filter given must match. Unknown parameters are refused.",
    ),
    creating=(
        "contacts_create",
        "Record a contact to the MASH",
        "Anyone in an agency. A concern about a child you may see (`child`), or a child "
        "recorded with it (`new_child`: no case is opened until the MASH decides), for the "
        "MASH of the children's services covering `area`. Due as if red until a MASH manager "
        "rates it. A `new_child` whose NHS number is already recorded is not recorded again: "
        "the contact is linked to that child, whoever holds them, and the MASH checks what you "
        "gave against the record. The answer is then the same as for a child recorded now "
        "(the child as you gave it): it never tells you whether the number was known. "
        "Possible duplicates by name and date of birth answer 409 first, as recording a child "
        "does: send again with `confirm_not_duplicate: true` if none of them is this child. "
        "The answer is the contact as you may now see it (`access`).",
    ),
    listed=http.answers(http.page(m.QueueContactSerializer), 400, 404) | {403: NOT_A_MANAGER},
    created=http.answers(
        {
            201: CONTACT_VIEW,
            409: OpenApiResponse(
                s.DuplicatesSerializer,
                description="The new child may already be recorded: a child with the same "
                "name and date of birth (never an NHS number: a known one links the contact). "
                "Nothing was saved.",
            ),
        },
        400,
        404,
    ),
)
def contacts(request: Request) -> Response:
    if request.method == "GET":
        person = _mash_manager(request)
        terms = http.strict_query(request, m.QueueFilterSerializer)
        queue = mash_selectors.triage_queue(
            person.agency,
            rag=terms.get("rag", ""),
            state=terms.get("state", ""),
            assignee=terms.get("assignee", ""),
            referrer=terms.get("referrer"),
        )
        ordering = ("-decided_at", "-id") if terms.get("state") == "decided" else ("due_at", "id")
        paginator, rows = http.paged(request, queue, *ordering)
        http.audit(
            request, Action.CONTACTS_LISTED, "contact", "",
            list="queue", filters=dict(terms), contacts=[row.pk for row in rows],
        )  # fmt: skip
        return paginator.get_paginated_response(m.QueueContactSerializer(rows, many=True).data)

    person = request.user
    data = http.body(request, m.NewContactSerializer)
    child = new_child = None
    if data["child"] is not None:
        child = selectors.search_children(person, for_contact=True).filter(pk=data["child"]).first()
        if child is None:
            selectors.record_refusal(person, "child", data["child"], "view")
            raise Http404("No such child")
        try:
            s.happened(data["received_at"], child.date_of_birth)
        except ValidationError as refused:
            raise ValidationError({"received_at": refused.detail}) from None
    else:
        new = data["new_child"]
        new_child = NewChild(
            child_fields={k: new[k] for k in http.CHILD_FIELDS},
            aliases=new["aliases"],
            confirmed_not_duplicate=data["confirm_not_duplicate"],
        )
    fields = {
        k: data[k]
        for k in ["area", "referrer_type", "referrer_name", "referrer_role", "referrer_phone",
                  "referrer_email", "received_at", "concern"]
    }  # fmt: skip
    try:
        contact = record_contact(person, child, new_child=new_child, **fields)
    except PossibleDuplicates as warned:
        return http.duplicates(request, warned.matches)
    except DjangoValidationError as refused:
        raise _refused(refused) from None
    contact, access = mash_selectors.contact_for(person, contact.pk)
    return Response(
        _contact_data(person, contact, access),
        status=status.HTTP_201_CREATED,
        headers=http.location(request, "api-contact", contact.pk),
    )


@extend_schema(
    operation_id="contact_retrieve",
    summary="One contact, as you may see it",
    description="The receiving MASH's people see all of it (`access: mash`): rating, "
    "deadline, assignment, the rating history and every partner check with its answer, "
    "restricted parts included. The referring agency's people see what they reported and "
    "the outcome (`access: referrer`), never the checks or answers. Anyone else: 404.",
    tags=TAGS,
    parameters=[CONTACT_ID],
    responses=http.answers({200: CONTACT_VIEW}, 404),
)
@api_view(["GET"])
@http.casework
def contact(request: Request, contact_id: int) -> Response:
    found, access = mash_selectors.contact_for(request.user, contact_id, audit_refusal=True)
    _viewed(request, found, access, "contact")
    return Response(_contact_data(request.user, found, access))


@extend_schema(
    operation_id="contact_rate",
    summary="Rate (or re-rate) a contact red, amber or green",
    description="MASH managers of the receiving authority only (404 for anyone else). The "
    "decision falls due 4 or 24 hours after receipt (green: 3 working days; the "
    "MASH_DECISION_* settings), and its "
    "unanswered checks by the new rating. The rating and its reason go on the record.",
    tags=TAGS,
    parameters=[CONTACT_ID, http.IDEMPOTENCY_KEY],
    request=m.NewRatingSerializer,
    responses=CHANGED | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def rating(request: Request, contact_id: int) -> Response:
    def rate(found: Contact, data: dict) -> None:
        rate_contact(request.user, found, data["rag"], data["reason"])

    return _change(request, contact_id, m.NewRatingSerializer, rate)


@http.collection(
    tags=TAGS,
    path=[CONTACT_ID],
    row=m.ContactCheckSerializer,
    new=m.NewChecksSerializer,
    listing=(
        "contact_checks_list",
        "The partner checks asked about a contact",
        "The receiving MASH's people only (404 for anyone else, the referrer included): each "
        "partner asked, what, when it is due and its answer, restricted part included. In the "
        "order asked.",
    ),
    creating=(
        "contact_checks_create",
        "Ask partner agencies what they hold on the child",
        "MASH managers of the receiving authority only (404 for anyone else), once the "
        "contact is rated: each answer is due by the rating. Each agency is told through its "
        "inbox and may be asked once per contact. Answers the checks made.",
    ),
    created=http.answers(
        {
            201: m.ContactCheckSerializer(many=True),
            404: CONTACT_NOT_FOUND,
            409: ALREADY_DECIDED,
        },
        400,
    ),
)
def checks(request: Request, contact_id: int) -> Response:
    person = request.user
    if request.method == "GET":
        found, access = mash_selectors.contact_for(person, contact_id, audit_refusal=True)
        if access != mash_selectors.MASH:
            selectors.record_refusal(person, "contact", found.pk, "checks")
            raise Http404("No such contact")
        http.query(request)
        paginator, rows = http.paged(
            request, mash_selectors.contact_checks(found), "requested_at", "id"
        )
        _viewed(request, found, access, "checks", checks=[check.pk for check in rows])
        return paginator.get_paginated_response(m.ContactCheckSerializer(rows, many=True).data)

    found = _managed(request, contact_id)
    if found.decided:
        return http.problem(DECIDED)
    data = http.body(request, m.NewChecksSerializer)
    try:
        made = request_checks(person, found, data["agencies"], data["question"])
    except DjangoValidationError as refused:
        raise _refused(refused) from None
    rows = mash_selectors.contact_checks(found).filter(pk__in=[check.pk for check in made])
    data = m.ContactCheckSerializer(rows, many=True).data
    # Several made at once: their address is the list that shows them (RFC 9110, 15.3.2).
    headers = http.location(request, "api-contact-checks", found.pk)
    return Response(data, status=status.HTTP_201_CREATED, headers=headers)


OPEN_CHECKS = "Partner checks are still outstanding: nothing was decided. Wait for the "
OPEN_CHECKS += "answers, or send close_open_checks: true with a close_reason the partners read."


class ChecksOutstanding(Exception):
    """A decision asked for while partners have not answered, without closing their checks."""

    def __init__(self, checks: list) -> None:
        super().__init__(OPEN_CHECKS)
        self.checks = checks


@extend_schema(
    operation_id="contact_decide",
    summary="Decide what happens next",
    description="MASH managers of the receiving authority only (404 for anyone else), once "
    "the contact is rated. A strategy discussion, assessment or early help opens the child's "
    "case at your agency (or links the open one it can add to): `case` names it, and its "
    "chronology gets the whole story. A transfer (`transfer_to`: another authority's "
    "children's services) puts a new contact in that MASH's queue. The referrer's agency is "
    "told the outcome.\n\nOutstanding partner checks are never ignored: while any is "
    "neither answered nor closed, the decision is refused with 409 naming them "
    "(`open_checks`), as the decide page warns. Send `close_open_checks: true` with a "
    "`close_reason` to close each first (the partner is told it was closed, and why) and "
    "decide in the same transaction.",
    tags=TAGS,
    parameters=[CONTACT_ID, http.IDEMPOTENCY_KEY],
    request=m.DecisionSerializer,
    responses=http.answers(
        {
            200: m.MashContactSerializer,
            404: CONTACT_NOT_FOUND,
            409: OpenApiResponse(
                m.OpenChecksProblemSerializer,
                description="Partner checks are still outstanding (`open_checks`), or the "
                "contact has been decided already (no `open_checks`). Nothing was decided.",
            ),
        },
        400,
    )
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def decision(request: Request, contact_id: int) -> Response:
    def decide(found: Contact, data: dict) -> None:
        # Read before decide_contact locks the contact: a check asked in between is one
        # the client could not have known of either way.
        closing = data["close_open_checks"]
        if not closing and (outstanding := list(mash_selectors.outstanding_checks(found))):
            raise ChecksOutstanding(outstanding)
        decide_contact(
            request.user, found, data["decision"], data["rationale"],
            transfer_to=data["transfer_to"],
            close_outstanding=data["close_reason"] if closing else "",
        )  # fmt: skip

    try:
        return _change(request, contact_id, m.DecisionSerializer, decide)
    except ChecksOutstanding as refused:
        body = {
            **problems.body(status.HTTP_409_CONFLICT, OPEN_CHECKS, kind="open-partner-checks"),
            "open_checks": refused.checks,
        }
        return Response(
            m.OpenChecksProblemSerializer(body).data,
            status=status.HTTP_409_CONFLICT,
            content_type=problems.CONTENT_TYPE,
        )


# --- checks ---------------------------------------------------------------------------------


@extend_schema(
    operation_id="check_answer",
    summary="Answer a partner check asked of your agency",
    description="Only the agency asked (404 for anyone else, the asking MASH included). "
    "`restricted_answer` is for the MASH's decision only. Answering acknowledges the "
    "request in your inbox; once answered, a check cannot be answered again (409). A check "
    "closed unanswered (overtaken by the MASH's decision, or closed by a MASH manager) takes "
    "no answer: 409, saying when and why it closed, and nothing is recorded.",
    tags=TAGS,
    parameters=[CHECK_ID, http.IDEMPOTENCY_KEY],
    request=m.AnswerSerializer,
    responses=http.answers({200: m.CheckSerializer, 409: ALREADY_ANSWERED}, 400, 404)
    | http.KEY_REUSED,
)
@api_view(["POST"])
@http.casework
@http.idempotent
def answer(request: Request, check_id: int) -> Response:
    person = request.user
    check = mash_selectors.check_for(person, check_id, audit_refusal=True, need="answer")
    already = "Your agency has already answered this check."
    if check.answered:  # before the body: nothing sent could change it
        return http.problem(already)
    if check.closed:
        return http.problem(closed_check_refusal(check))
    data = http.body(request, m.AnswerSerializer)
    try:
        answer_check(person, check, data["answer"], data["restricted_answer"])
    except DjangoValidationError as refused:
        check.refresh_from_db(fields=["answered_at", "closed_at", "closed_reason"])
        if check.answered:  # answered by a colleague since we looked
            return http.problem(already)
        if check.closed:  # the MASH decided since we looked
            return http.problem(closed_check_refusal(check))
        raise _refused(refused) from None
    check = mash_selectors.check_for(person, check.pk, need="answer")
    return Response(m.CheckSerializer(check).data)


# --- the counts -----------------------------------------------------------------------------


@extend_schema(
    operation_id="triage_summary",
    summary="The counts behind the triage screen",
    description="For MASH managers of a children's services agency (403 for anyone else): "
    "the undecided queue by rating, overdue and unassigned; outstanding and overdue partner "
    "checks; children missing, notifications unacknowledged, return home interviews due and "
    "high-risk screenings in the last 7 days.",
    tags=TAGS,
    responses=http.answers({200: m.TriageSummarySerializer}, 400) | {403: NOT_A_MANAGER},
)
@api_view(["GET"])
@http.casework
def summary(request: Request) -> Response:
    person = _mash_manager(request)
    http.strict_query(request, _NoParameters)
    counts = mash_selectors.triage_summary(person)
    http.audit(request, Action.TRIAGE_VIEWED, "", "", view="summary")
    return Response(m.TriageSummarySerializer(counts).data)


class _NoParameters(m.serializers.Serializer):
    """No query parameters: any given is refused."""

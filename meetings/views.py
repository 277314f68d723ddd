"""The meeting pages (issue 22): the agency's meetings, scheduling one, a meeting with its
attendance, minutes and actions, and the owning agency's actions and closing one.

A meeting is read only by people of the agencies that organise it or were asked to it,
and of its children only those whose cases the reader may see are named; anyone else
gets 404, as for a case. Every read is audited with the cases it named.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.actions import Action as Audit
from audit.services import record
from cases.pages import errors_on, posted, viewed
from cases.roles import Act, may, require
from cases.selectors import can, case_for, record_refusal
from meetings import agenda, pack, services
from meetings.forms import ActionForm, AttendanceForm, CloseActionForm, ItemForm, MeetingForm
from meetings.models import Action, Meeting
from meetings.selectors import (
    action_for_owner,
    actions_owned,
    actions_seen,
    children_seen,
    items_seen,
    meeting_for,
    meetings_for,
    things_seen,
    things_to_discuss,
)
from people.models import Agency
from safeguarding.paging import paginate

PER_PAGE = 25


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = meeting_for(request.user, meeting_id)
    if meeting is None:
        record_refusal(request.user, "meeting", meeting_id, "view")
        raise Http404("No such meeting")
    return meeting


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    person = request.user
    page_obj = paginate(request, meetings_for(person), PER_PAGE)
    record(Audit.MEETINGS_LISTED, request=request, target_type="agency",
           target_id=person.agency_id or "",
           detail={"page": page_obj.number, "meetings": [m.pk for m in page_obj]})  # fmt: skip
    return render(request, "meetings/meetings.html", {
        "page_obj": page_obj, "may_hold": may(person, Act.HOLD_MEETING),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    person = request.user
    require(person, Act.HOLD_MEETING)
    initial = {"kind": Meeting.Kind.STRATEGY}
    if "case" in request.GET:  # from a case page: that child, and the agencies sharing it
        case = case_for(person, request.GET["case"], audit_refusal=True)
        if request.method == "GET":
            viewed(request, case, "meeting_new")
        initial["references"] = case.reference
        initial["agencies"] = list(
            Agency.objects.filter(shares__case=case, shares__revoked_at__isnull=True)
            .exclude(pk=person.agency_id).values_list("pk", flat=True)
        )  # fmt: skip
    form = MeetingForm(posted(request), person=person, initial=initial,
                       also=initial.get("agencies", []))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.schedule_meeting(
                person, kind=data["kind"], held_at=data["held_at"], cases=data["references"],
                agencies=list(data["agencies"]), area=data["area"],
            )  # fmt: skip
        except ValidationError as error:
            errors_on(form, error)
        else:
            messages.success(request, "The meeting is scheduled.")
            return redirect("meeting", meeting_id=meeting.pk)
    return render(request, "meetings/meeting_new.html", {"form": form})


def _meeting_page(request: HttpRequest, meeting: Meeting, **forms) -> HttpResponse:
    """The meeting as the person may see it, with its forms (bound after a failed POST)."""
    person = request.user
    children = children_seen(person, meeting)
    ids = [case.pk for case in children]
    items = list(items_seen(person, meeting, ids))
    actions = list(actions_seen(meeting, ids))
    attendance = list(meeting.attendance.select_related("agency").order_by("agency__name"))
    chair = person.pk == meeting.chair_id
    takes_part = may(person, Act.HOLD_MEETING) and any(
        row.agency_id == person.agency_id for row in attendance
    )
    record(
        Audit.MEETING_VIEWED, request=request, target_type="meeting", target_id=meeting.pk,
        detail={"cases": ids, "items": [i.pk for i in items], "actions": [a.pk for a in actions]},
    )  # fmt: skip
    agencies = Agency.objects.filter(pk__in=[row.agency_id for row in attendance])
    context = {
        "meeting": meeting, "children": children, "items": items, "actions": actions,
        "attendance": attendance, "chair": chair, "takes_part": takes_part,
        "unpublished": any(item.published_at is None and item.case_id for item in items),
        "things": things_seen(person, meeting),
        "to_discuss": things_to_discuss(person, meeting, ids) if takes_part else [],
        "proposals": agenda.with_cases_seen(person, agenda.proposed_for(meeting)) if chair else [],
        "agenda_error": forms.get("agenda_error", ""),
        "item_form": forms.get("item_form") or ItemForm(children=children),
        "attendance_form": forms.get("attendance_form") or AttendanceForm(rows=attendance),
        "action_form": forms.get("action_form") or ActionForm(
            children=children, agencies=agencies.order_by("name"),
            initial={"due_on": services.suggested_due(person.agency)},
        ),
    }  # fmt: skip
    status = 400 if forms else 200
    return render(request, "meetings/meeting.html", context, status=status)


@login_required
@require_GET
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _meeting_page(request, _meeting(request, meeting_id))


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    rows = meeting.attendance.select_related("agency").order_by("agency__name")
    form = AttendanceForm(request.POST, rows=rows)
    if form.is_valid():
        try:
            services.record_attendance(request.user, meeting, form.answers())
        except ValidationError as error:
            errors_on(form, error)
        else:
            messages.success(request, "Attendance is recorded.")
            return redirect("meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, attendance_form=form)


@login_required
@require_POST
def meeting_item(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = request.user
    meeting = _meeting(request, meeting_id)
    form = ItemForm(request.POST, children=children_seen(person, meeting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_item(person, meeting, case_id=form.case_id(), text=data["text"],
                              decision=data["decision"], restricted=data["restricted"])  # fmt: skip
        except ValidationError as error:
            errors_on(form, error)
        else:
            messages.success(request, "The item is added to the minutes.")
            return redirect("meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, item_form=form)


@login_required
@require_POST
def meeting_thing(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add a person, vehicle or place linked to a discussed child to what was discussed."""
    meeting = _meeting(request, meeting_id)
    try:
        services.discuss_thing(request.user, meeting, int(request.POST.get("link") or 0))
    except (ValidationError, ValueError):
        return _meeting_page(request, meeting, agenda_error="Choose someone or something "
                             "linked to a child discussed.")  # fmt: skip
    messages.success(request, "Added to what the meeting discussed.")
    return redirect("meeting", meeting_id=meeting.pk)


@login_required
@require_POST
def meeting_publish(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    made = services.publish(request.user, meeting)
    messages.success(
        request,
        f"The minutes are on the children's chronologies ({len(made)} "
        f"entr{'y' if len(made) == 1 else 'ies'} new or corrected).",
    )
    return redirect("meeting", meeting_id=meeting.pk)


@login_required
@require_POST
def meeting_action_new(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = request.user
    meeting = _meeting(request, meeting_id)
    asked = Agency.objects.filter(pk__in=meeting.attendance.values("agency_id")).order_by("name")
    form = ActionForm(request.POST, children=children_seen(person, meeting), agencies=asked)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_action(
                person, meeting, case_id=int(data["case"]), text=data["text"],
                owner=data["owner"], owner_person=data["owner_person"], due_on=data["due_on"],
            )  # fmt: skip
        except ValidationError as error:
            errors_on(form, error)
        else:
            messages.success(request, f"The action is given to {data['owner'].name}.")
            return redirect("meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, action_form=form)


@login_required
@require_POST
def meeting_agenda(request: HttpRequest, meeting_id: int, proposal_id: int) -> HttpResponse:
    """The chair accepts a proposed item onto the agenda, or dismisses it with a reason."""
    meeting = _meeting(request, meeting_id)
    accept = request.POST.get("decision") == "accept"
    try:
        agenda.decide(request.user, meeting, proposal_id, accept=accept,
                      reason=request.POST.get("reason", ""))  # fmt: skip
    except ValidationError as error:
        return _meeting_page(request, meeting, agenda_error=" ".join(error.messages))
    messages.success(request, "Added to the agenda." if accept else "Dismissed, with the reason.")
    return redirect("meeting", meeting_id=meeting.pk)


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    """The open actions the person's agency owns, soonest due first."""
    person = request.user
    page_obj = paginate(request, actions_owned(person), PER_PAGE)
    record(Audit.ACTIONS_LISTED, request=request, target_type="agency",
           target_id=person.agency_id or "",
           detail={"page": page_obj.number, "actions": [a.pk for a in page_obj]})  # fmt: skip
    return render(request, "meetings/actions.html", {"page_obj": page_obj})


@login_required
@require_http_methods(["GET", "POST"])
def action_close(request: HttpRequest, action_id: int) -> HttpResponse:
    """The owning agency closes its action; to anyone else it does not exist."""
    person = request.user
    require(person, Act.CLOSE_ACTION, target_type="action", target_id=action_id)
    action = action_for_owner(person, action_id)
    if action is None:
        record_refusal(person, "action", action_id, "close")
        raise Http404("No such action")
    form = CloseActionForm(posted(request))
    if action.status != Action.Status.OPEN:
        form = None
    elif request.method == "POST" and form.is_valid():
        try:
            services.close_action(person, action, **form.cleaned_data)
        except ValidationError as error:
            errors_on(form, error)
        except (services.ActionClosed, PermissionDenied) as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"The action is marked {form.cleaned_data['status']}.")
            return redirect("actions")
    if request.method == "GET":
        record(Audit.MEETING_VIEWED, request=request, target_type="action",
               target_id=action.pk, detail={"action": action.pk})  # fmt: skip
    return render(request, "meetings/action_close.html", {
        "action": action, "form": form, "sees_case": can(person, action.case, "view"),
    })  # fmt: skip


def _pack(request: HttpRequest, meeting_id: int, form: str):
    """The pack for the person asking (they are who it is made for), audited as made."""
    meeting = _meeting(request, meeting_id)
    made = pack.build(request.user, meeting)
    record(
        Audit.MEETING_PACK_MADE, request=request, target_type="meeting", target_id=meeting.pk,
        detail={"format": form, "cases": [child.case.pk for child in made.children],
                "entries": made.entry_count},
    )  # fmt: skip
    return made


@login_required
@require_GET
def meeting_pack(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return render(request, "meetings/pack.html", {"pack": _pack(request, meeting_id, "print")})


@login_required
@require_GET
def meeting_pack_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    made = _pack(request, meeting_id, "pdf")
    try:
        document = pack.pdf(made)
    except pack.PdfUnavailable:
        return render(request, "meetings/pack_unavailable.html", {"pack": made}, status=503)
    response = HttpResponse(document, content_type="application/pdf")
    name = f"meeting-pack-{made.meeting.pk}-{made.made_at:%Y%m%d-%H%M}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

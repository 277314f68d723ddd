"""Placements, missing episodes, returns and return home interviews.

Each form is one service call (missing.services), which writes the change, its chronology
entry, its audit event and the notifications to other agencies in one transaction. The
success banner says which agencies were told, so the person knows who knows.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.actions import Action
from audit.services import record
from cases import roles
from cases.models import Case
from cases.pages import contributing, done, form_page, posted, section_context, viewed
from cases.roles import Act
from cases.selectors import can, case_for, record_refusal
from cases.services import CaseClosed
from missing import profiles, selectors
from missing.forms import (
    EndPlacementForm,
    MissingForm,
    PlacementForm,
    RegradeForm,
    RepeatRuleForm,
    ReturnForm,
    ReturnInterviewForm,
)
from missing.models import MissingEpisode, Placement, ReturnInterview
from missing.panels import placement_and_missing
from missing.services import (
    AlreadyGraded,
    AlreadyMissing,
    AlreadyReturned,
    InterviewAlreadyRecorded,
    area_for,
    end_placement,
    open_episode_of,
    outstanding_interviews_of,
    record_placement,
    record_return,
    record_return_interview,
    regrade_missing,
    report_missing,
    require_placing_authority,
    set_repeat_rule,
)
from notifications.models import Notification
from safeguarding.uk_time import said

# Where each form returns once saved: the case's "Placement and missing" tab, showing it.
SECTION = "case-missing"


def _told(kind: str, subject_id: int) -> str:
    """Who the service notified about this, as the success banner says it."""
    names = list(
        Notification.objects.filter(kind=kind, subject_id=subject_id)
        .order_by("agency__name")
        .values_list("agency__name", flat=True)
    )
    if not names:
        return "No other agency needed to be told."
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Notified: {listed}."


@login_required
@require_GET
def case_missing(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's "Placement and missing" tab: the current placement, the latest missing
    episodes and their return home interviews, with the links to record each. Audited as
    a read of the case, as the case page is."""
    person = request.user
    case = case_for(person, case_id, audit_refusal=True)
    context = section_context(person, case, "missing")
    held = {
        "view": True,
        "contribute": can(person, case, "contribute"),
        "manage": context["may_manage"],
    }
    viewed(request, case, "missing")
    return render(
        request,
        "missing/case_missing.html",
        {
            **context,
            "may": roles.allowed(person, held.__getitem__),
            "now": timezone.now(),
            **placement_and_missing(person, case, may_manage=context["may_manage"]),
        },
    )


def _episode(request: HttpRequest, case: Case, episode_id: int) -> MissingEpisode:
    episode = selectors.missing_episode(case, episode_id)
    if episode is None:
        record_refusal(request.user, "missing_episode", episode_id, "view")
        raise Http404("No such missing episode")
    return episode


@login_required
def placement_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Place a looked-after child, or move them (which ends the current placement)."""
    person = request.user
    case = contributing(request, case_id, Act.PLACE)
    require_placing_authority(person, case)
    if request.method == "GET" and case.status == Case.Status.CLOSED:
        return _closed(request, case)
    current = selectors.current_placement(case)
    form = PlacementForm(posted(request), current=current, born=case.child.date_of_birth)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placement = record_placement(
                person,
                case,
                area=data["area"],
                address=data["address"],
                postcode=data["postcode"],
                provider_type=data["provider_type"],
                started_at=data["started_at"],
            )
        except CaseClosed as closed:  # closed since the form was opened: what was typed stays
            form.add_error(None, f"{closed} Nothing was saved.")
        else:
            return done(
                request,
                case,
                f"Placement in {placement.area.name} recorded. "
                + _told(Notification.Kind.PLACEMENT, placement.pk),
                to=SECTION,
            )
    return form_page(
        request, case, "placement_new", "missing/placement_form.html", form,
        {"current": current},
    )  # fmt: skip


@login_required
def placement_end(request: HttpRequest, case_id: int) -> HttpResponse:
    """End the current placement without a new one (a move is a new placement)."""
    case = contributing(request, case_id, Act.PLACE)
    require_placing_authority(request.user, case)
    current = selectors.current_placement(case)
    if current is None:
        messages.info(request, "The child has no current placement on this case to end.")
        return redirect("case", case_id=case.pk)
    form = EndPlacementForm(
        posted(request), after=current.started_at, born=case.child.date_of_birth
    )
    if request.method == "POST" and form.is_valid():
        try:
            placement = end_placement(
                request.user,
                case,
                ended_at=form.cleaned_data["ended_at"],
                reason=form.cleaned_data["reason"],
            )
        except Placement.DoesNotExist:  # ended or moved by someone else a moment ago
            messages.info(request, "The placement had already ended. Nothing was changed.")
            return redirect("case", case_id=case.pk)
        return done(
            request,
            case,
            f"Placement in {placement.area.name} ended. "
            + _told(Notification.Kind.PLACEMENT_ENDED, placement.pk),
            to=SECTION,
        )
    return form_page(
        request, case, "placement_end", "missing/placement_end_form.html", form,
        {"current": current}, placement=current.pk,
    )  # fmt: skip


@login_required
def missing_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = contributing(request, case_id, Act.REPORT_MISSING)
    if request.method == "GET" and case.status == Case.Status.CLOSED:
        return _closed(request, case)
    lives = area_for(case)
    form = MissingForm(
        posted(request),
        born=case.child.date_of_birth,
        # Where the child lives is the likeliest answer; the person changes it if not.
        initial={"last_seen_area": lives.pk} if lives else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episode = report_missing(
                request.user,
                case,
                last_seen_at=data["last_seen_at"],
                last_seen_where=data["last_seen_where"],
                circumstances=data["circumstances"],
                risk=data["risk"],
                last_seen_area=data["last_seen_area"],
            )
        except AlreadyMissing as refused:
            # A colleague's report came first: what was typed stays, and the page says why.
            form.add_error(None, _already_missing(refused.episode))
        except CaseClosed as closed:
            form.add_error(None, f"{closed} Nothing was saved.")
        else:
            return done(
                request,
                case,
                "The child is reported missing. " + _told(Notification.Kind.MISSING, episode.pk),
                to=SECTION,
            )
    return form_page(
        request, case, "missing_new", "missing/missing_form.html", form,
        {"open_episode": open_episode_of(case)},
    )  # fmt: skip


def _closed(request: HttpRequest, case: Case) -> HttpResponse:
    """A closed case's form is not offered: back to the section, which says why."""
    messages.info(request, str(CaseClosed(case)))
    return redirect(SECTION, case_id=case.pk)


def _already_missing(episode: MissingEpisode) -> str:
    return (
        f"This child is already missing: reported {said(episode.reported_at)}. Record their "
        "return before reporting them missing again. Nothing was saved."
    )


def _already_returned(episode: MissingEpisode) -> str:
    return (
        f"This child’s return has already been recorded: returned {said(episode.returned_at)}. "
        "Nothing was changed."
    )


@login_required
def missing_returned(request: HttpRequest, case_id: int, episode_id: int) -> HttpResponse:
    """Record the return: with contribute access, or as the police force looking for the
    child (its missing report released the profile to it: missing.profiles.looking_for)."""
    person = request.user
    roles.require(person, Act.REPORT_MISSING, target_id=case_id)
    case = case_for(person, case_id, audit_refusal=True)
    episode = _episode(request, case, episode_id)
    if not can(person, case, "contribute") and not profiles.looking_for(person, episode):
        record_refusal(person, "case", case.pk, "contribute")
        raise Http404("No such case")
    if request.method == "GET" and episode.returned_at is not None:
        messages.info(request, _already_returned(episode))
        return redirect("case", case_id=case.pk)
    form = ReturnForm(posted(request), after=episode.last_seen_at, born=case.child.date_of_birth)
    if request.method == "POST" and form.is_valid():
        try:
            episode = record_return(
                request.user,
                episode,
                returned_at=form.cleaned_data["returned_at"],
                how_found=form.cleaned_data["how_found"],
            )
        except AlreadyReturned:
            # Recorded by someone else meanwhile: say so, and keep what was typed on screen
            # so it can go on the chronology as an entry instead.
            episode.refresh_from_db()
            form.add_error(None, _already_returned(episode))
        else:
            interview = episode.return_interview
            return done(
                request,
                case,
                f"The child’s return is recorded. A return home interview by "
                f"{interview.agency.name} is due by {said(interview.due_at)}. "
                + _told(Notification.Kind.RETURNED, episode.pk),
                to=SECTION,
            )
    return form_page(
        request, case, "missing_returned", "missing/return_form.html", form,
        {"episode": episode}, episode=episode.pk,
    )  # fmt: skip


@login_required
def missing_regrade(request: HttpRequest, case_id: int, episode_id: int) -> HttpResponse:
    """A new risk grading while the child is still missing, with the reason; everyone told
    of the report is told of the change."""
    case = contributing(request, case_id, Act.REPORT_MISSING)
    episode = _episode(request, case, episode_id)
    if request.method == "GET" and episode.returned_at is not None:
        messages.info(request, _already_returned(episode))
        return redirect(SECTION, case_id=case.pk)
    form = RegradeForm(posted(request), current=episode.risk)
    if request.method == "POST" and form.is_valid():
        try:
            change = regrade_missing(
                request.user,
                episode,
                risk=form.cleaned_data["risk"],
                reason=form.cleaned_data["reason"],
            )
        except AlreadyReturned:  # the return was recorded meanwhile: what was typed stays
            episode.refresh_from_db()
            form.add_error(None, _already_returned(episode))
        except AlreadyGraded as graded:  # a colleague regraded it the same way first
            episode = graded.episode
            form.add_error(None, str(graded))
        else:
            return done(
                request,
                case,
                f"The risk grading is now {change.get_to_risk_display().lower()}. "
                + _told(Notification.Kind.MISSING_REGRADED, change.pk),
                to=SECTION,
            )
    return form_page(
        request, case, "missing_regrade", "missing/regrade_form.html", form,
        {"episode": episode}, episode=episode.pk,
    )  # fmt: skip


@login_required
def return_interview(request: HttpRequest, case_id: int, episode_id: int) -> HttpResponse:
    """Only the agency that owes the interview (the placing authority) records it. The
    places and people it names are then offered for the child's profile."""
    person = request.user
    case = contributing(request, case_id, Act.RETURN_INTERVIEW)
    episode = _episode(request, case, episode_id)
    try:
        interview = episode.return_interview
    except ReturnInterview.DoesNotExist:
        interview = None
    if interview is None or interview.agency_id != person.agency_id:
        record_refusal(person, "missing_episode", episode.pk, "interview")
        raise Http404("No return home interview for this agency")
    if request.method == "GET" and interview.completed_at is not None:
        messages.info(request, "This return home interview has already been recorded.")
        return redirect("case", case_id=case.pk)
    others = list(outstanding_interviews_of(interview))
    form = ReturnInterviewForm(
        posted(request), after=episode.returned_at, born=case.child.date_of_birth, others=others
    )
    if request.method == "POST" and form.is_valid() and form.language_ok():
        data = form.cleaned_data
        try:
            recorded = record_return_interview(
                person, interview, outcome=data["outcome"], held_on=data.get("held_at"),
                summary=data["summary"], offered_on=data["offered_on"],
                offered_by=data["offered_by"], outcome_reason=data["outcome_reason"],
                push_factors=data["push_factors"], pull_factors=data["pull_factors"],
                factors_detail=data["factors_detail"], child_words=data["child_words"],
                people_mentioned=data["people_mentioned"],
                places_mentioned=data["places_mentioned"], risk_change=data["risk_change"],
                shared_with_police=data["shared_with_police"], covers=data["covers"],
            )  # fmt: skip
        except InterviewAlreadyRecorded as already:
            form.add_error(None, f"{already} Nothing was changed.")
        else:
            said_ = "The return home interview is recorded." + {
                ReturnInterview.Outcome.DECLINED: " The child declined it.",
                ReturnInterview.Outcome.NOT_HELD: " It was not held.",
            }.get(recorded.outcome, "")
            named = recorded.people_mentioned or recorded.places_mentioned
            if named and profiles.access(person, case).write and case.status == Case.Status.OPEN:
                messages.success(
                    request,
                    f"{said_} The places and people it named are added below: check them "
                    "and save to keep them on the child’s missing-from-care profile.",
                )
                edit = reverse("missing-profile-edit", args=[case.pk])
                return redirect(f"{edit}?from_interview={recorded.pk}")
            return done(request, case, said_, to=SECTION)
    return form_page(
        request, case, "return_interview", "missing/return_interview_form.html", form,
        {"episode": episode, "interview": interview, "overdue": interview.overdue(),
         "others": others},
        episode=episode.pk,
    )  # fmt: skip


@login_required
def repeat_rule(request: HttpRequest) -> HttpResponse:
    """The agency's repeat-missing rule (missing.services.repeat_missing_reasons), for its
    agency admins: the rule of the agency leading a case decides its alerts. Any grade of
    high risk raises one whatever the rule."""
    person = request.user
    if not person.is_agency_admin:
        record(
            Action.PERMISSION_REFUSED, request=request, target_type="agency",
            target_id=person.agency_id, detail={"need": "agency_admin"},
        )  # fmt: skip
        raise roles.RoleRefused(
            "Your role cannot set the repeat-missing rule: your agency’s admins do."
        )
    agency = person.agency
    form = RepeatRuleForm(
        posted(request),
        initial={"episodes": agency.repeat_missing_episodes, "days": agency.repeat_missing_days},
    )
    if request.method == "POST" and form.is_valid():
        set_repeat_rule(person, form.cleaned_data["episodes"], form.cleaned_data["days"])
        messages.success(request, "The repeat-missing rule is saved. It applies to new reports.")
        return redirect("repeat-rule")
    return render(request, "missing/repeat_rule.html", {"form": form, "agency": agency})

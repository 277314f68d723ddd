"""Contact and partner-check pages: recording a contact, the MASH's work on it, the checks.

Who sees what is decided by triage.selectors (contact_for, check_for): the receiving
MASH sees the whole contact, its managers act on it, the referring agency sees what it
reported and the outcome, and a partner sees only the checks asked of it. Anyone else is
answered 404 and the refusal recorded. Every read is recorded before the page is rendered.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.actions import Action
from audit.services import record
from cases import selectors as case_selectors
from cases.forms import SearchForm
from cases.models import Child
from cases.pages import page, posted
from cases.roles import Act, may
from cases.views.children import (
    confirmation,
    confirmed_for,
    duplicate_warning,
    search_step,
)
from people.views import safe_next
from safeguarding.uk_time import said
from sharing.models import Share
from triage import selectors
from triage.forms import (
    RESTRICTED_HINT,
    AnswerForm,
    AssignForm,
    ChecksForm,
    CloseCheckForm,
    ContactChildForm,
    ContactForm,
    DecideForm,
    RateForm,
    partner_agencies,
)
from triage.models import Contact, PartnerCheck
from triage.services import (
    NewChild,
    PossibleDuplicates,
    answer_check,
    assign_contact,
    close_check,
    closed_check_refusal,
    decide_contact,
    rate_contact,
    record_contact,
    request_checks,
)


def _refused_by_service(form, error: ValidationError) -> None:
    """A service's refusal, shown on the form as a problem with what was typed."""
    for message in error.messages:
        form.add_error(None, message)


def _contact_viewed(request: HttpRequest, contact: Contact, access: str, view: str) -> None:
    record(
        Action.CONTACT_VIEWED,
        request=request,
        target_type="contact",
        target_id=contact.pk,
        detail={"view": view, "access": access},
    )


# Recording a contact ------------------------------------------------------------------


def _chosen_child(request: HttpRequest, child_id) -> Child:
    """A child picked from the search: only one the person may see by name."""
    try:
        child_id = int(child_id)
    except (TypeError, ValueError):
        raise Http404("No such child") from None
    children = case_selectors.search_children(request.user, for_contact=True)
    child = children.filter(pk=child_id).first()
    if child is None:
        case_selectors.record_refusal(request.user, "child", child_id, "view")
        raise Http404("No such child")
    return child


def _search_step(request: HttpRequest) -> HttpResponse:
    """Step 1: find the child among those the person may see, or record a new one."""
    return search_step(request, "triage/contact_find_child.html", "contact-new", for_contact=True)


@login_required
def contact_new(request: HttpRequest) -> HttpResponse:
    """Record a contact to the MASH: find the child (or record a new one), then the contact."""
    person = request.user
    if person.agency_id is None:
        # A contact is made for an agency (or on behalf of the public, through one).
        raise PermissionDenied
    # Which child: from the form posted, or the address (?child=<id>, or ?new=1).
    source = request.POST if "child" in request.POST or "new" in request.POST else request.GET
    new_child = source.get("new") == "1"
    child = None
    if not new_child:
        if "child" not in source:
            searching = any(key in request.POST for key in SearchForm.FIELDS)
            if request.method == "POST" and not searching:
                return redirect("contact-new")
            return _search_step(request)
        child = _chosen_child(request, source["child"])
    data = posted(request)
    child_form = ContactChildForm(data) if new_child else None
    form = ContactForm(data, person=person, born=_born(child, child_form))
    warning = None
    if request.method == "POST":
        valid = form.is_valid()
        valid = (child_form.is_valid() if child_form else True) and valid
        if valid:
            try:
                contact = record_contact(
                    person, child, new_child=_new_child(child_form),
                    **form.contact_fields,
                )  # fmt: skip
            except PossibleDuplicates as warned:
                warning = duplicate_warning(
                    request, child_form.details_key(), warned.matches, refused=False
                )
            except ValidationError as refused:
                _refused_by_service(form, refused)
            else:
                # The same words whether or not the NHS number linked a known child.
                messages.success(
                    request,
                    f"Contact {contact.reference} recorded. It has gone to the "
                    f"{contact.mash.name} MASH.",
                )
                return redirect("contact", contact_id=contact.pk)
    forms = [f for f in (child_form, form) if f is not None]
    return render(
        request,
        "triage/contact_new.html",
        {
            "form": form,
            "child_form": child_form,
            "child": child,
            "warning": warning,
            "confirm": confirmation(child_form, warning) if child_form else None,
            "forms": forms,
            "has_errors": any(f.errors for f in forms),
        },
    )


def _born(child: Child | None, child_form: ContactChildForm | None) -> dt.date | None:
    """The child's date of birth, known or as typed: nothing is received before it."""
    if child is not None:
        return child.date_of_birth
    if child_form is not None and child_form.is_bound:
        child_form.is_valid()
        return child_form.cleaned_data.get("date_of_birth")
    return None


def _new_child(child_form: ContactChildForm | None) -> NewChild | None:
    """The child typed on the form, with whether the duplicate warning shown was confirmed
    for exactly these details (cases.views.children)."""
    if child_form is None:
        return None
    return NewChild(
        child_fields=child_form.child_fields,
        aliases=child_form.cleaned_data["aliases"],
        confirmed_not_duplicate=confirmed_for(child_form, child_form.details_key()),
    )


@login_required
@require_GET
def contacts_made(request: HttpRequest) -> HttpResponse:
    """The contacts the person's agency has made, newest first, with state and outcome."""
    person = request.user
    if person.agency_id is None:
        rows = Contact.objects.none()
    else:
        rows = selectors.contacts_made_by(person)
    page_obj = page(request, rows)
    record(
        Action.CONTACTS_LISTED,
        request=request,
        target_type="contact",
        detail={
            "list": "contacts_made",
            "page": page_obj.number,
            "contacts": [c.pk for c in page_obj],
        },
    )
    return render(request, "triage/contacts_made.html", {"page_obj": page_obj})


# The contact page and the MASH's actions ----------------------------------------------


@login_required
@require_GET
def contact_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    person = request.user
    contact, access = selectors.contact_for(person, contact_id, audit_refusal=True)
    now = timezone.now()
    is_mash = access == selectors.MASH
    ratings = selectors.contact_ratings_listed(contact) if is_mash else []
    checks = selectors.contact_checks_listed(contact) if is_mash else []
    selectors.with_due_notes([contact], checks)
    may_open_case = contact.case_id is not None and case_selectors.can(person, contact.case, "view")
    child_shown = selectors.child_as_known(person, contact)
    # Beside the contact, for the MASH only: the child's other contacts and open cases.
    about_child = selectors.child_context(person, contact, now) if is_mash else None
    manager = is_mash and person.role == person.Role.MASH_MANAGER
    share_with = _share_offers(person, contact) if manager and contact.decided else []
    _contact_viewed(request, contact, access, "contact")
    return render(
        request,
        "triage/contact.html",
        {
            "contact": contact,
            "access": access,
            "is_mash": is_mash,
            "may_act": manager and not contact.decided,
            "ratings": ratings,
            "checks": checks,
            "overdue": contact.overdue(now),
            "may_open_case": may_open_case,
            "child_shown": child_shown,
            "about_child": about_child,
            "share_with": share_with,
        },
    )


def _share_offers(person, contact: Contact) -> list[dict]:
    """After a decision that opened (or linked) the case: each partner who answered and
    does not yet hold the case, with the share form's address prefilled with the agency and
    a level (never a lawful basis: the manager chooses it). Only for someone who may share
    the case."""
    if contact.case_id is None or not may(person, Act.SHARE):
        return []
    if not case_selectors.can(person, contact.case, "manage"):
        return []
    level = selectors.SHARE_LEVEL_AFTER[contact.decision]
    back = reverse("contact", args=[contact.pk])
    share = reverse("case-share", args=[contact.case_id])
    return [
        {
            "agency": check.agency,
            "level": Share.Level(level).label,
            "url": f"{share}?{urlencode({'agency': check.agency_id, 'level': level})}"
            f"&{urlencode({'next': back})}",
        }
        for check in selectors.partners_to_share_with(contact)
    ]


def _action_page(request, contact_id: int, action: str):
    """The contact for a MASH manager's action (404, recorded, for anyone else)."""
    contact, _ = selectors.contact_for(request.user, contact_id, audit_refusal=True, need="manage")
    if request.method == "GET":
        _contact_viewed(request, contact, selectors.MASH, action)
    return contact


def _decided(request: HttpRequest, contact: Contact) -> HttpResponse | None:
    """A decided contact can no longer be changed: back to it, saying so."""
    if not contact.decided:
        return None
    messages.info(request, "This contact has been decided: it can no longer be changed.")
    return redirect("contact", contact_id=contact.pk)


def _render_action(request, contact: Contact, template: str, form, **context) -> HttpResponse:
    return render(request, template, {"contact": contact, "form": form, **context})


@login_required
def contact_rate(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _action_page(request, contact_id, "rate")
    if back := _decided(request, contact):
        return back
    form = RateForm(posted(request), initial={"rag": contact.rag})
    if request.method == "POST" and form.is_valid():
        try:
            contact = rate_contact(
                request.user, contact, form.cleaned_data["rag"],
                form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as refused:
            _refused_by_service(form, refused)
        else:
            messages.success(
                request,
                f"Rated {contact.get_rag_display().lower()}. "
                f"The decision is due by {said(contact.due_at)}.",
            )
            return redirect("contact", contact_id=contact.pk)
    return _render_action(request, contact, "triage/contact_rate.html", form)


@login_required
def contact_assign(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _action_page(request, contact_id, "assign")
    if back := _decided(request, contact):
        return back
    people = list(selectors.colleagues(contact.mash))
    initial = {"assignee": str(contact.assigned_to_id) if contact.assigned_to_id else "none"}
    form = AssignForm(posted(request), people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            contact = assign_contact(request.user, contact, assignee)
        except ValidationError as refused:
            _refused_by_service(form, refused)
        else:
            who = (assignee.get_full_name() or assignee.username) if assignee else "nobody"
            messages.success(request, f"Contact {contact.reference} assigned to {who}.")
            return redirect("contact", contact_id=contact.pk)
    return _render_action(request, contact, "triage/contact_assign.html", form)


@login_required
def contact_checks(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _action_page(request, contact_id, "checks")
    if back := _decided(request, contact):
        return back
    asked = list(selectors.contact_checks(contact))
    already = {c.agency_id for c in asked}
    agencies = [a for a in partner_agencies(contact) if a.pk not in already]
    form = ChecksForm(posted(request), agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            made = request_checks(
                request.user, contact, form.cleaned_data["agencies"],
                form.cleaned_data["question"],
            )  # fmt: skip
        except ValidationError as refused:
            _refused_by_service(form, refused)
        else:
            names = [c.agency.name for c in made]
            listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            messages.success(request, f"Checks requested from {listed}.")
            return redirect("contact", contact_id=contact.pk)
    return _render_action(request, contact, "triage/contact_checks.html", form, asked=asked)


@login_required
def contact_decide(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _action_page(request, contact_id, "decide")
    if back := _decided(request, contact):
        return back
    form = DecideForm(posted(request), contact=contact)
    # A decision now is made without these answers: the page says so, and offers to close
    # each with a reason (contact_check_close) before deciding.
    outstanding = list(selectors.outstanding_checks(contact))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = decide_contact(
                request.user, contact, data["decision"], data["rationale"],
                transfer_to=data["transfer_to"],
            )  # fmt: skip
        except ValidationError as refused:
            _refused_by_service(form, refused)
        else:
            done = f"Decision recorded: {contact.get_decision_display()}."
            if contact.case_id:
                done += f" It is on the chronology of case {contact.case.reference}."
            messages.success(request, done)
            return redirect("contact", contact_id=contact.pk)
    now = timezone.now()
    return _render_action(
        request, contact, "triage/contact_decide.html", form,
        outstanding=outstanding, overdue_checks=[c.pk for c in outstanding if c.overdue(now)],
    )  # fmt: skip


@login_required
def contact_check_close(request: HttpRequest, contact_id: int, check_id: int) -> HttpResponse:
    """Close a partner check that is still outstanding, with the reason the partner reads."""
    contact = _action_page(request, contact_id, "close_check")
    if back := _decided(request, contact):
        return back
    check = selectors.contact_check(request.user, contact, check_id)
    done = safe_next(request, reverse("contact", args=[contact.pk]))
    if not check.outstanding:
        messages.info(request, f"The check with {check.agency.name} is no longer outstanding.")
        return redirect(done)
    form = CloseCheckForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            close_check(request.user, check, form.cleaned_data["reason"])
        except ValidationError as refused:
            _refused_by_service(form, refused)
        else:
            messages.success(
                request,
                f"The check with {check.agency.name} is closed. {check.agency.name} has been "
                "told, with your reason.",
            )
            return redirect(done)
    return _render_action(
        request, contact, "triage/contact_check_close.html", form, check=check,
        overdue=check.overdue(), next=done,
    )  # fmt: skip


# Partner checks -----------------------------------------------------------------------


@login_required
@require_GET
def checks(request: HttpRequest) -> HttpResponse:
    """The checks asked of the person's agency: unanswered first, soonest due first."""
    person = request.user
    if person.agency_id is None:
        rows = PartnerCheck.objects.none()
    else:
        rows = selectors.checks_asked_of(person.agency)
    page_obj = page(request, rows)
    selectors.with_due_notes([], page_obj)
    record(
        Action.CONTACTS_LISTED,
        request=request,
        target_type="check",
        detail={"list": "checks", "page": page_obj.number, "checks": [c.pk for c in page_obj]},
    )
    return render(request, "triage/checks.html", {"page_obj": page_obj})


@login_required
def check_page(request: HttpRequest, check_id: int) -> HttpResponse:
    """A check: to answer for the agency asked; read-only for the MASH that asked it."""
    person = request.user
    need = "answer" if request.method == "POST" else "view"
    check = selectors.check_for(person, check_id, audit_refusal=True, need=need)
    selectors.with_due_notes([], [check])
    asked = person.agency_id == check.agency_id
    form = AnswerForm(posted(request)) if asked and check.outstanding else None
    if request.method == "POST":
        if form is None:
            messages.info(
                request,
                closed_check_refusal(check)
                if check.closed
                else "Your agency has already answered this check.",
            )
            return redirect("check", check_id=check.pk)
        if form.is_valid():
            try:
                answer_check(
                    person, check, form.cleaned_data["answer"],
                    form.cleaned_data["restricted_answer"],
                )  # fmt: skip
            except ValidationError as refused:
                _refused_by_service(form, refused)
            else:
                messages.success(
                    request,
                    f"Your answer has gone to the {check.contact.mash.name} MASH.",
                )
                return redirect("check", check_id=check.pk)
    else:
        record(
            Action.CHECK_VIEWED,
            request=request,
            target_type="check",
            target_id=check.pk,
            detail={"contact": check.contact_id, "access": "asked" if asked else "mash"},
        )
    return render(
        request,
        "triage/check.html",
        {
            "check": check,
            "contact": check.contact,
            "child": check.contact.child,
            "asked": asked,
            "form": form,
            "overdue": check.overdue(),
            "restricted_hint": RESTRICTED_HINT,
        },
    )

"""Pages for sharing a case, shares received and acknowledged, revoking, and emergency
access. The same rules as the case pages (`cases.views`): every case through
`cases.selectors.case_for`, every change a service call, every read audited."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import selectors
from cases.models import Case
from cases.pages import back, done, form_page, listed, page, posted, viewed
from cases.roles import Act, may, require
from safeguarding.uk_time import said
from sharing.forms import EmergencyAccessForm, RenewForm, RevokeForm, ShareForm
from sharing.models import Share
from sharing.services import (
    NotLapsing,
    PassingOnRefused,
    ShareRefused,
    acknowledge_share,
    agencies_to_share_with,
    grant_emergency_access,
    renew_share,
    revoke_share,
    share_case,
    shares_received,
)


@login_required
def case_share(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = selectors.case_to(person, case_id, Act.SHARE)
    agencies = agencies_to_share_with(case)
    form = ShareForm(posted(request), agencies=agencies, initial=_prefilled(request, agencies))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = share_case(
                case,
                person,
                data["agency"],
                data["level"],
                data["lawful_basis"],
                data["purpose"],
            )
        except PassingOnRefused as refused:
            # Shown in the error summary; what was typed stays in the form.
            form.add_error(None, str(refused))
        else:
            message = f"The case is shared with {share.agency.name}."
            if after := back(request, ""):
                # Sent from another page that offered the share (a MASH decision's).
                messages.success(request, message)
                return redirect(after)
            return done(request, case, message)
    return form_page(
        request, case, "share", "sharing/share_form.html", form,
        {"next": back(request, "")},
    )  # fmt: skip


def _prefilled(request: HttpRequest, agencies) -> dict:
    """The agency and level a page offering a share put in the address (`?agency=&level=`),
    where they are among the choices. Never the lawful basis: the person sharing chooses it
    every time (UK GDPR Article 6 and the DPA 2018 Schedule 1 condition are theirs to name)."""
    if request.method != "GET":
        return {}
    initial = {}
    if request.GET.get("agency") in {str(a.pk) for a in agencies}:
        initial["agency"] = request.GET["agency"]
    if request.GET.get("level") in Share.Level.values:
        initial["level"] = request.GET["level"]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    """Ask to confirm, with a reason, then revoke. A POST without the reason field (the
    Revoke button on the case's "Access and activity" tab) is asking for this page, not
    revoking. Afterwards the person goes back to that tab, where the shares are listed."""
    person = request.user
    require(person, Act.SHARE, target_type="share", target_id=share_id)
    share = Share.objects.select_related("agency").filter(pk=share_id).first()
    if share is None:
        selectors.record_refusal(person, "share", share_id, "manage")
        raise Http404("No such share")
    case = selectors.case_for(person, share.case_id, need="manage", audit_refusal=True)
    if share.revoked_at is not None:
        messages.info(request, f"{share.agency.name}’s access was already revoked.")
        return redirect("case-access", case_id=case.pk)
    if share.agency_id == case.lead_agency_id:
        # The lead agency must keep its own case; a new lead would be a handover.
        messages.error(request, "The lead agency’s access to its case cannot be revoked.")
        return redirect("case-access", case_id=case.pk)
    confirming = request.method == "POST" and "reason" in request.POST
    form = RevokeForm(request.POST if confirming else None)
    if confirming and form.is_valid():
        try:
            revoke_share(share, person, form.cleaned_data["reason"])
        except ShareRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"{share.agency.name} no longer has this access.")
        if not selectors.can(person, case, "view"):
            return redirect("cases")
        return redirect("case-access", case_id=case.pk)
    if not confirming:
        viewed(request, case, "share_revoke", share=share.pk)
    return render(request, "sharing/revoke_form.html", {"case": case, "share": share, "form": form})


@login_required
def share_renew(request: HttpRequest, share_id: int) -> HttpResponse:
    """The agency holding a placement notice's share that is to lapse keeps it, with a
    reason (sharing.services.renew_share). Any other share is not theirs to see: 404."""
    person = request.user
    require(person, Act.ACKNOWLEDGE_SHARE, target_type="share", target_id=share_id)
    share = shares_received(person.agency).filter(pk=share_id).first()
    if share is None:
        selectors.record_refusal(person, "share", share_id, "renew")
        raise Http404("No such share")
    if share.lapses_at is None:
        messages.info(request, "This access is not set to lapse: there is nothing to renew.")
        return redirect("shares")
    form = RenewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            renewed = renew_share(share, person, form.cleaned_data["reason"])
        except NotLapsing as gone:  # lapsed, or revoked, since the form was shown
            form.add_error(None, f"{gone} Nothing was changed.")
        else:
            messages.success(
                request,
                f"Your access to {share.case.reference} is renewed until "
                f"{said(renewed.lapses_at)}. The reason is on its chronology.",
            )
            return redirect("shares")
    if request.method == "GET":
        viewed(request, share.case, "share_renew", share=share.pk)
    context = {"share": share, "case": share.case, "form": form,
               "days": settings.PLACEMENT_SHARE_LAPSE_DAYS}  # fmt: skip
    return render(request, "sharing/renew_form.html", context)


@login_required
@require_GET
def shares(request: HttpRequest) -> HttpResponse:
    """Shares to the person's agency, unacknowledged first."""
    person = request.user
    # Unacknowledged first: PostgreSQL sorts NULLs last in ascending order, so the service's
    # plain order_by("acknowledged_at") puts them last; say it here until it does. A role
    # that reads no cases (an agency admin) has none, as in every list of cases.
    received = shares_received(person.agency) if may(person, Act.VIEW) else Share.objects.none()
    inbox = received.order_by(F("acknowledged_at").asc(nulls_first=True), "-shared_at", "-id")
    page_obj = page(request, inbox)
    listed(request, "shares_received", page_obj, [share.case_id for share in page_obj])
    return render(request, "sharing/shares.html", {"page_obj": page_obj})


@login_required
@require_POST
def share_acknowledge(request: HttpRequest, share_id: int) -> HttpResponse:
    person = request.user
    require(person, Act.ACKNOWLEDGE_SHARE, target_type="share", target_id=share_id)
    share = shares_received(person.agency).filter(pk=share_id).first()
    if share is None:
        selectors.record_refusal(person, "share", share_id, "acknowledge")
        raise Http404("No such share")
    if share.acknowledged_at is None:
        acknowledge_share(share, person)
        messages.success(
            request,
            f"You acknowledged {share.case.reference}. This is recorded on its chronology.",
        )
    return redirect(back(request, reverse("shares")))


@login_required
def emergency_access(request: HttpRequest) -> HttpResponse:
    """Break-glass: open a case not shared with your agency, with a reason, for a while."""
    person = request.user
    require(person, Act.EMERGENCY_ACCESS)
    form = EmergencyAccessForm(posted(request))
    if request.method == "POST" and form.is_valid():
        case = Case.objects.filter(reference=form.cleaned_data["reference"]).first()
        if case is None:
            form.add_error("reference", "No case has that reference")
        elif selectors.can(person, case, "view"):
            return redirect("case", case_id=case.pk)
        else:
            access = grant_emergency_access(case, person, form.cleaned_data["reason"])
            messages.info(
                request,
                f"You have emergency access to {case.reference} until {said(access.expires_at)}."
                " It is shown to the agency that manages the case.",
            )
            return redirect("case", case_id=case.pk)
    return render(
        request,
        "sharing/emergency_access.html",
        {"form": form, "hours": settings.EMERGENCY_ACCESS_HOURS},
    )

"""The agency's inbox of notifications, its count in the header, and the admin's view of
what could not be delivered (with the agency's webhook settings).

The notification rows are the inbox (notifications.services): nothing between the database
and this page can lose one. Reading the inbox is audited; acknowledging goes through
`acknowledge_notification`, which records it on the notification, the case chronology and
the audit log.
"""

import ipaddress
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.actions import Action
from audit.services import record
from cases import registry
from cases.flags import for_lists
from cases.selectors import record_refusal, visible_among
from notifications.selectors import (
    received,
    received_pages,
    undelivered,
    with_acknowledge_notes,
    with_can_open,
)
from notifications.services import (
    acknowledge_notification,
    rotate_webhook_secret,
    set_webhook,
    unacknowledged_count,
)
from people.views import safe_next
from safeguarding.paging import paginate

INBOX_PER_PAGE = 25
DELIVERIES_PER_PAGE = 25
# htmx stops polling when a poll is answered with this status (htmx's own convention).
HTMX_STOP_POLLING = 286


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    person = request.user
    page_obj = paginate(request, received_pages(person), INBOX_PER_PAGE)
    with_can_open(person, page_obj)
    with_acknowledge_notes(page_obj)
    with_children(person, page_obj)
    record(
        Action.NOTIFICATIONS_LISTED,
        request=request,
        target_type="agency",
        target_id=person.agency_id,
        detail={
            "page": page_obj.number,
            "notifications": [n.pk for n in page_obj],
            "cases": sorted({n.case_id for n in page_obj if n.case_id}),
        },
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page_obj": page_obj, "now": timezone.now(), "is_admin": person.is_agency_admin},
    )


def with_children(person, notifications) -> None:
    """Name the child, with their case's warning flags, on each notification about a case
    the person may see; never on one they may not (the summary is written without names).
    Two reads and the flags' for the page, whatever it holds."""
    cases = {case.pk: case for case in visible_among(person, [n.case_id for n in notifications])}
    flags = registry.case_flags(person, cases.values(), brief=True)
    for notification in notifications:
        case = cases.get(notification.case_id)
        notification.child_name = case.child.full_name if case else ""
        notification.flags = for_lists(flags[case.pk]) if case else []


@login_required
@require_POST
def inbox_acknowledge(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Only a notification to the person's own agency; to anyone else it does not exist."""
    person = request.user
    notification = received(person).filter(pk=notification_id).first()
    if notification is None:
        record_refusal(person, "notification", notification_id, "acknowledge")
        raise Http404("No such notification")
    if notification.acknowledged_at is None:
        acknowledge_notification(notification, person)
        messages.success(
            request,
            f"You acknowledged ‘{notification.get_kind_display()}’ for case "
            f"{notification.reference}. {notification.caused_by_agency.name} can see "
            "that you have.",
        )
    return redirect(safe_next(request, reverse("inbox")))


class _SessionLeftAlone:
    """The request's session, read as usual but never saved.

    A signed-in request renews the session's expiry (at most once a minute,
    people.middleware.SessionTouchMiddleware), which is what makes SESSION_COOKIE_AGE an
    idle timeout. A page left open polls the count every 30 seconds;
    if each poll were saved, an unattended screen would never be signed out.
    """

    def __init__(self, session) -> None:
        self._session = session

    def __getattr__(self, name):
        return getattr(self._session, name)

    def __getitem__(self, key):
        return self._session[key]

    def __setitem__(self, key, value) -> None:
        self._session[key] = value

    def __delitem__(self, key) -> None:
        del self._session[key]

    def __contains__(self, key) -> bool:
        return key in self._session

    def save(self, must_create: bool = False) -> None:
        """Not saved: a poll is not activity."""


@never_cache
@require_GET
def inbox_count(request: HttpRequest) -> HttpResponse:
    """The header's count, for htmx to poll: the fragment if it changed, else 204."""
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request"):
            # Signed out (idle timeout) while the page stayed open: stop asking.
            return HttpResponse(status=HTMX_STOP_POLLING)
        return redirect_to_login(request.get_full_path())
    request.session = _SessionLeftAlone(request.session)
    count = unacknowledged_count(request.user.agency)
    if request.GET.get("shown") == str(count):
        return HttpResponse(status=204)
    html = render_to_string("notifications/count.html", {"inbox_count": count}, request=request)
    return HttpResponse(html)


# The agency admin's page: deliveries not made, and the agency's webhook ------------------


class WebhookForm(forms.Form):
    webhook_url = forms.URLField(
        label="Webhook address (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="An https address of your agency’s system. Leave it empty to stop webhooks.",
        error_messages={
            "invalid": "Enter a web address, like https://alerts.example.org/hub",
            "max_length": "The webhook address must be 500 characters or fewer",
        },
    )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"]
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
            raise forms.ValidationError("The webhook address must start with https://")
        if parts.username or parts.password:
            raise forms.ValidationError(
                "Take the user name and password out of the address: each webhook is "
                "signed with the agency’s secret instead"
            )
        if not settings.DEBUG and _internal(parts.hostname or ""):
            raise forms.ValidationError(
                "The webhook address must be on the internet, not a local or private address"
            )
        return url


def _internal(host: str) -> bool:
    """A name or address that points inside the Hub's own network (not a partner's system)."""
    if host == "localhost" or host.endswith((".localhost", ".internal", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


@login_required
def agency_deliveries(request: HttpRequest) -> HttpResponse:
    """For the agency's admins only: what has not reached the agency, and why."""
    person = request.user
    if not person.is_agency_admin:
        record(
            Action.PERMISSION_REFUSED,
            request=request,
            target_type="agency",
            target_id=person.agency_id,
            detail={"need": "agency_admin"},
        )
        raise PermissionDenied("Only the agency's admins can see its deliveries.")
    agency = person.agency
    action = request.POST.get("action") if request.method == "POST" else None
    form = WebhookForm(
        request.POST if action == "webhook" else None,
        initial={"webhook_url": agency.webhook_url},
    )
    secret = None
    if action == "webhook" and form.is_valid():
        secret = set_webhook(person, agency, form.cleaned_data["webhook_url"])
        if secret is None:
            messages.success(
                request,
                "The webhook address is saved."
                if agency.webhook_url
                else "Webhooks are turned off. Notifications still go to the duty email address.",
            )
            return redirect("agency-deliveries")
        form = WebhookForm(initial={"webhook_url": agency.webhook_url})
    elif action == "rotate":
        if not agency.webhook_url:
            messages.info(request, "Set a webhook address first.")
            return redirect("agency-deliveries")
        secret = rotate_webhook_secret(person, agency)
    page_obj = paginate(request, undelivered(agency), DELIVERIES_PER_PAGE)
    response = render(
        request,
        "notifications/agency_deliveries.html",
        {
            "agency": agency,
            "form": form,
            "secret": secret,
            "page_obj": page_obj,
            "max_attempts": settings.NOTIFY_MAX_ATTEMPTS,
        },
    )
    if secret is not None:
        # The secret is in this response only: no browser or proxy may keep a copy.
        add_never_cache_headers(response)
    return response

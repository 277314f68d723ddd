"""Writing audit events. Call `record` inside the transaction of the change it describes."""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from audit.actions import Action
from audit.context import AuditContext, current
from audit.models import Event

USER_AGENT_LENGTH = Event._meta.get_field("user_agent").max_length


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    target_type: str = "",
    target_id: Any = "",
    detail: dict | None = None,
) -> Event:
    """Write one audit event, of an action some app declared (audit/actions.py).

    Where it came from (request id, address, user agent) is the audit context the
    middleware, a task or a command set (audit/context.py). `actor` is read by attribute
    (`pk`, `username`, `agency_id`, `agency`) because audit depends on no other app of ours;
    with no actor, a given `request`'s signed-in person is taken (sign-in and session
    events, recorded before the person is known to any service).
    """
    if action not in Action:
        raise ValueError(f"{action!r} is not a declared audit action")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    agency = getattr(actor, "agency", None) if actor is not None else None
    context = current()
    if request is not None and not context.request_id:
        # Outside the middleware (a request built by hand): the request itself says.
        context = AuditContext(
            getattr(request, "request_id", ""),
            client_address(request),
            request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
        )
    return Event.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        actor_agency_id=getattr(actor, "agency_id", None),
        actor_agency=str(agency) if agency is not None else "",
        target_type=target_type,
        target_id=str(target_id) if target_id not in (None, "") else "",
        request_id=context.request_id,
        client_address=context.client_address,
        user_agent=context.user_agent[:USER_AGENT_LENGTH],
        detail=detail or {},
    )


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from: used for lockout, throttling and the audit log.

    With TRUSTED_PROXY_COUNT = 0 (the default) it is REMOTE_ADDR. Behind N proxies of our
    own, each appending to X-Forwarded-For, it is the Nth entry from the right: the address
    our outermost proxy saw. Entries further left were written by the client and are never
    trusted, so nobody can choose the address they are counted under.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return None
    return request.META.get("REMOTE_ADDR") or None

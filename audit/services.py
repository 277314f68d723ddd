"""Writing audit events. Call `record` inside the transaction of the change it describes."""

from typing import Any

from django.http import HttpRequest

from audit.models import Action, Event

USER_AGENT_LENGTH = Event._meta.get_field("user_agent").max_length


def record(
    action: Action | str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    target_type: str = "",
    target_id: Any = "",
    detail: dict | None = None,
) -> Event:
    """Write one audit event.

    `actor` defaults to the request's signed-in person. It is read by attribute (`pk`,
    `username`, `agency_id`, `agency`) because audit depends on no other app of ours.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    agency = getattr(actor, "agency", None) if actor is not None else None
    return Event.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        actor_agency_id=getattr(actor, "agency_id", None),
        actor_agency=str(agency) if agency is not None else "",
        target_type=target_type,
        target_id=str(target_id) if target_id not in (None, "") else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
        client_address=client_address(request) if request is not None else None,
        user_agent=(request.headers.get("User-Agent", "") if request is not None else "")[
            :USER_AGENT_LENGTH
        ],
        detail=detail or {},
    )


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as the web server saw it.

    Behind a proxy, configure the server (gunicorn `--forwarded-allow-ips`, or the proxy
    protocol) to set REMOTE_ADDR; a client-supplied X-Forwarded-For is never trusted here.
    """
    return request.META.get("REMOTE_ADDR") or None

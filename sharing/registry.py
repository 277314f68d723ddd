"""Where higher layers take part in what `sharing` does, without `sharing` importing them.

A share made by rule for an event (a placement notice gives the agencies covering the area
view access) is told to its agency by that event's notification, which `notifications`
(above this layer) links to the share: the agency acknowledges the one event once. When
the share is acknowledged on the shares page or API, `notifications` acknowledges the
notification with it, through the handler it registers here from its `AppConfig.ready()`.
When someone breaks the glass on a case, `notifications` tells its managing agency.
"""

from collections.abc import Callable

from people.models import Person

# handler(person, share): inside `acknowledge_share`'s transaction, after the share is.
ShareAcknowledgedHandler = Callable[..., None]

# handler(person, access): inside `grant_emergency_access`'s transaction, once it is granted.
EmergencyAccessHandler = Callable[..., None]

_share_acknowledged: list[ShareAcknowledgedHandler] = []
_emergency_access: list[EmergencyAccessHandler] = []


def on_share_acknowledged(handler: ShareAcknowledgedHandler) -> ShareAcknowledgedHandler:
    """Call `handler(person, share)` whenever a share is acknowledged (once per handler)."""
    if handler not in _share_acknowledged:
        _share_acknowledged.append(handler)
    return handler


def share_acknowledged(person: Person, share) -> None:
    """Run the registered handlers; `acknowledge_share` calls this in its transaction."""
    for handler in _share_acknowledged:
        handler(person, share)


def on_emergency_access(handler: EmergencyAccessHandler) -> EmergencyAccessHandler:
    """Call `handler(person, access)` whenever emergency access is granted (once each)."""
    if handler not in _emergency_access:
        _emergency_access.append(handler)
    return handler


def emergency_access_granted(person: Person, access) -> None:
    """Run the registered handlers; `grant_emergency_access` calls this in its transaction."""
    for handler in _emergency_access:
        handler(person, access)

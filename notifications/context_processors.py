"""What every page's template needs about the signed-in person's agency."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.services import unacknowledged_count


def inbox(request: HttpRequest) -> dict:
    """`inbox_count`: the agency's unacknowledged notifications, for the header.

    One query, made only if a template shows it, and only for a person past the second
    factor (before it, no page shows the navigation).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.agency_id is None:
        return {}
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return {}
    return {"inbox_count": SimpleLazyObject(lambda: unacknowledged_count(user.agency))}

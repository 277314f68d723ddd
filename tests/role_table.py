"""The role-by-action table (cases.roles.RULES) as the permission matrices read it, for the
demo people: each matrix row names its action, and what a person's role may never do is
expected to answer 403, so the matrices follow the table and cannot drift from it."""

from cases.roles import Act, role_may
from people.demo import AGENCIES, PEOPLE

_ROLE_AND_KIND = {p.username: (p.role, AGENCIES[p.agency][1]) for p in PEOPLE}


def demo_may(username: str, act: str | None) -> bool:
    """Whether the demo person's role and agency kind allow `act` (None: no rule applies)."""
    if act is None:
        return True
    role, kind = _ROLE_AND_KIND[username]
    return role_may(role, kind, act)


def forbidden(username: str, act: str | None) -> bool:
    """Refused by role (403), rather than by access to the case (404): a role that may not
    view cases just sees none of them, as if they were not shared."""
    return act not in (None, Act.VIEW) and not demo_may(username, act)

"""Who may do what with a case: the role-by-action table, as data (SECURITY.md, "Roles").

Each role does its job and no more. The services call `require` before they change
anything, the pages and API call it before they show a form (so both answer 403 to a role
that may never do the action, whatever the case), and the permission tests read `RULES`,
so the table, the code and the tests cannot drift apart. Whether the agency may do it with
*this* case is the access level (`level`), checked by `cases.selectors.case_for`: a case
the person may not see at that level answers 404, as it always has.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from audit.actions import Action
from audit.services import record
from people.models import Agency, Person

Role = Person.Role
Kind = Agency.Kind

CASEWORKERS = frozenset({Role.PRACTITIONER, Role.MASH_MANAGER, Role.TEAM_MANAGER})
# Who may agree that a case's exploitation risk goes down (issue 21): a second person, senior.
AGREES_LOWER_LEVELS = frozenset({Role.TEAM_MANAGER, Role.MASH_MANAGER})
READERS = CASEWORKERS | {Role.INFORMATION_GOVERNANCE}


class Act:
    """The actions on cases a person can be allowed or refused."""

    VIEW = "view"  # the case page, print, CSV, the API's reads
    OPEN_CASE = "open_case"  # record a child, open a case on one
    ADD_ENTRY = "add_entry"  # chronology entries and their amendments
    ASSESS = "assess"  # the lead agency's exploitation risk assessment: the level, and why
    CONTRIBUTE_ASSESSMENT = "contribute_assessment"  # another agency's signs and analysis
    AGREE_LEVEL = "agree_level"  # agree a lowered level, as a second person
    SHARE = "share"  # share a case, revoke a share
    CLOSE = "close"
    ACKNOWLEDGE_SHARE = "acknowledge_share"
    EMERGENCY_ACCESS = "emergency_access"
    PLACE = "place"  # record, move and end placements
    REPORT_MISSING = "report_missing"  # missing reports and returns
    RETURN_INTERVIEW = "return_interview"
    PROFILE = "profile"  # write the missing-from-care profile, its photo; review it
    HOLD_MEETING = "hold_meeting"  # schedule and chair a meeting about children one sees
    CLOSE_ACTION = "close_action"  # mark an action one's agency owns done, or drop it


@dataclass(frozen=True)
class Rule:
    """Who may do an action: these roles, at agencies of these kinds (None: any kind),
    holding at least `level` on the case (None: no case yet)."""

    roles: frozenset
    level: str | None
    kinds: frozenset | None = None
    refusal: str = ""


RULES: dict[str, Rule] = {
    # IG officers read what access reports need; agency admins manage people, not cases.
    Act.VIEW: Rule(READERS, "view", refusal="Agency admins manage people, not cases."),
    Act.OPEN_CASE: Rule(CASEWORKERS, None),
    Act.ADD_ENTRY: Rule(CASEWORKERS, "contribute"),
    # The level is the lead agency's judgement (the service checks it leads the case); the
    # agencies working with the child add their part, which it weighs.
    Act.ASSESS: Rule(CASEWORKERS, "manage"),
    Act.CONTRIBUTE_ASSESSMENT: Rule(CASEWORKERS, "contribute"),
    Act.AGREE_LEVEL: Rule(AGREES_LOWER_LEVELS, "manage"),
    Act.SHARE: Rule(CASEWORKERS, "manage"),
    Act.CLOSE: Rule(CASEWORKERS, "manage"),
    Act.ACKNOWLEDGE_SHARE: Rule(CASEWORKERS, "view"),
    Act.EMERGENCY_ACCESS: Rule(CASEWORKERS, None),
    # The placing authority is a local authority's children's services (Children Act 1989
    # s22C); the service also asks that it manages the case or is the child's responsible
    # authority (missing.services.record_placement).
    Act.PLACE: Rule(
        CASEWORKERS,
        "contribute",
        frozenset({Kind.SOCIAL_CARE}),
        refusal=(
            "Your agency cannot record or end a placement: only a local authority’s "
            "children’s services place a child."
        ),
    ),
    Act.REPORT_MISSING: Rule(CASEWORKERS, "contribute"),
    Act.RETURN_INTERVIEW: Rule(CASEWORKERS, "contribute"),
    # Reading it takes contribute access or a missing report's release (missing.profiles).
    Act.PROFILE: Rule(CASEWORKERS, "contribute"),
    # Meetings (issue 22): a caseworker who sees each child discussed schedules and chairs
    # one; the agency an action is given to closes it, whether or not it sees the case.
    Act.HOLD_MEETING: Rule(CASEWORKERS, "view"),
    Act.CLOSE_ACTION: Rule(CASEWORKERS, None),
}

ROLE_NAMES = dict(Role.choices)


class RoleRefused(PermissionDenied):
    """A role that may never do the action: 403 with the reason (pages and API alike)."""

    shown_to_person = True


def role_may(role: str, kind: str, action: str) -> bool:
    """The table itself: whether this role, at an agency of this kind, may do the action."""
    rule = RULES[action]
    return role in rule.roles and (rule.kinds is None or kind in rule.kinds)


def may(person: Person, action: str) -> bool:
    """Whether the person's role (and agency kind) allows the action on any case at all."""
    if person.agency_id is None or person.role not in RULES[action].roles:
        return False  # before reading the agency: most refusals cost no query
    return role_may(person.role, person.agency.kind, action)


def refusal(person: Person, action: str) -> str:
    """What a refused person is told: which role does this instead."""
    rule = RULES[action]
    if rule.refusal and (person.role in rule.roles or action == Act.VIEW):
        return rule.refusal
    role = ROLE_NAMES.get(person.role, "person").lower()
    return f"An {role} cannot do this." if role[0] in "aeiou" else f"A {role} cannot do this."


def require(person: Person, action: str, *, target_type: str = "case", target_id="") -> None:
    """Refuse (403, recorded as a refusal) an action the person's role may never do."""
    if may(person, action):
        return
    record(
        Action.PERMISSION_REFUSED,
        actor=person,
        target_type=target_type,
        target_id=target_id,
        detail={"need": action, "role": person.role},
    )
    raise RoleRefused(refusal(person, action))


def allowed(person: Person, can_at_level) -> dict[str, bool]:
    """Every action the person may do with one case: their role allows it and their agency
    holds its level (`can_at_level(level)`): what a case page shows buttons for."""
    levels = {rule.level for rule in RULES.values() if rule.level}
    held = {level: can_at_level(level) for level in levels}
    return {
        action: may(person, action) and (rule.level is None or held[rule.level])
        for action, rule in RULES.items()
    }

"""The audit actions links records: things of concern linked to a case (issue 20)."""

from audit.actions import Action

Action.declare(
    "links",
    LINK_RECORDED=("link_recorded", "Linked a person, vehicle, place, phone or account to a case"),
)

"""The MASH's decision deadlines in words, for any page that promises them (the contact
form): from the same settings the deadlines are counted by (triage.services)."""

from django import template

from triage.services import decision_deadlines as _decision_deadlines

register = template.Library()


@register.simple_tag
def decision_deadlines() -> str:
    """ "red within 4 hours of receipt, amber within 24 hours and green within 3 working
    days", as configured."""
    return _decision_deadlines()

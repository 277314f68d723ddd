"""Audit actions are declared by the apps that own them; audit itself names none of them."""

import re
from pathlib import Path

import pytest

from audit.actions import Action, ActionRegistry
from audit.models import Event
from audit.services import record

APPS = ["people", "cases", "sharing", "notifications", "missing", "links", "triage", "meetings",
        "reports"]  # fmt: skip


def test_each_app_declares_its_own_actions():
    owners = {Action.owner(value) for value in Action}
    assert owners == {"audit", *APPS}
    assert Action.owner(Action.CASE_VIEWED) == "cases"
    assert Action.owner(Action.PLACEMENT_RECORDED) == "missing"
    assert Action.owner(Action.CONTACT_DECIDED) == "triage"


@pytest.mark.django_db
def test_an_undeclared_action_is_refused_and_nothing_is_written():
    before = Event.objects.count()
    with pytest.raises(ValueError, match="not a declared audit action"):
        record("case_veiwed", target_type="case", target_id=1)
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_a_declared_action_is_written_and_shown_by_its_label():
    event = record(Action.CASE_VIEWED, target_type="case", target_id=1)
    assert Event.objects.get(pk=event.pk).get_action_display() == "Viewed a case"


def test_declaring_a_name_twice_with_another_value_is_refused():
    registry = ActionRegistry()
    registry.declare("one", THING=("thing", "Did a thing"))
    registry.declare("one", THING=("thing", "Did a thing"))  # the same again is harmless
    with pytest.raises(ValueError):
        registry.declare("two", THING=("other", "Did another thing"))
    with pytest.raises(ValueError):
        registry.declare("two", OTHER=("thing", "Did a thing"))
    with pytest.raises(AttributeError):
        registry.MISSING  # noqa: B018


def test_the_audit_app_names_no_domain_action():
    """audit knows no domain: no module of it names an action another app declared (the
    access reports that read them back live in reports/events.py)."""
    audit = Path(__file__).resolve().parents[2] / "audit"
    domain = {value for value in Action if Action.owner(value) != "audit"}
    named = [
        f"{path.name}: {value}"
        for path in audit.rglob("*.py")
        if "migrations" not in path.parts
        for value in domain
        if re.search(rf"[\"']{value}[\"']|Action\.{value.upper()}\b", path.read_text())
    ]
    assert named == []

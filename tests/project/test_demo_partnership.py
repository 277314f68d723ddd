"""`manage.py load_demo`: the demo partnership, idempotent, and never with DEBUG off."""

import pytest
from django.core.management import CommandError, call_command

from people.demo import PEOPLE
from people.models import Agency, Area, Person

pytestmark = pytest.mark.django_db


def test_load_demo_creates_the_partnership_and_prints_how_to_sign_in(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    assert Area.objects.count() == 3
    assert Agency.objects.count() == 5
    assert set(Person.objects.values_list("username", flat=True)) == {p.username for p in PEOPLE}
    assert "social.worker" in out
    assert "Password for all of them: demo-password" in out
    assert Person.objects.get(username="social.worker").check_password("demo-password")


def test_load_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("load_demo")
    before = list(Person.objects.order_by("pk").values_list("pk", "username", "agency_id"))
    call_command("load_demo")
    assert list(Person.objects.order_by("pk").values_list("pk", "username", "agency_id")) == before
    assert Agency.objects.count() == 5


def test_load_demo_uses_demo_password_from_the_environment(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-phrase")
    call_command("load_demo")
    assert Person.objects.get(username="health.nurse").check_password("another-demo-phrase")


def test_load_demo_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("load_demo")
    assert not Person.objects.exists()


def test_load_demo_adds_fictional_cases_shared_as_the_issue_describes(settings):
    from cases import selectors
    from cases.models import Case, Entry
    from people.models import Person

    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    assert Case.objects.count() == 4
    officer = Person.objects.get(username="police.officer")
    nurse = Person.objects.get(username="health.nurse")
    suffolk = Person.objects.get(username="suffolk.officer")
    worker = Person.objects.get(username="social.worker")
    visible = {c.child.first_name for c in selectors.visible_cases(officer)}
    assert visible == {"Aimee", "Jordan"}
    # Jordan is missing in the demo morning: the area's hospital is told, and may open it.
    assert {c.child.first_name for c in selectors.visible_cases(nurse)} == {
        "Aimee", "Jordan", "Tyler",
    }  # fmt: skip
    # Aimee is placed in Suffolk: its police force was told and given view of her case.
    assert {c.child.first_name for c in selectors.visible_cases(suffolk)} == {"Aimee"}
    # One case no one but children's services sees.
    leah = Case.objects.get(child__first_name="Leah")
    assert set(leah.shares.values_list("agency__name", flat=True)) == {
        "Norfolk County Council Children's Services"
    }
    # Restricted police entries (one written, one the strategy discussion's police-only
    # minutes), which children's services does not see.
    aimee = Case.objects.get(child__first_name="Aimee")
    restricted = list(Entry.objects.filter(case=aimee, restricted=True))
    assert len(restricted) == 2
    for entry in restricted:
        assert entry.agency.name == "Norfolk Constabulary"
        assert entry not in selectors.chronology(aimee, worker)
        assert entry in selectors.chronology(aimee, officer)


def test_load_demo_gives_the_norfolk_mash_a_morning_queue(settings):
    """Contacts in every state and RAG rating, some overdue, checks answered and not, and
    one child missing now (issue 7's demo)."""
    from django.utils import timezone

    from triage.models import Contact, PartnerCheck
    from triage.selectors import missing_in_area, triage_queue

    settings.DEBUG = True
    call_command("load_demo")
    norfolk = Agency.objects.get(name="Norfolk County Council Children's Services")
    contacts = Contact.objects.filter(mash=norfolk)
    assert set(contacts.values_list("state", flat=True)) == {"new", "open", "decided"}
    assert set(contacts.values_list("rag", flat=True)) == {"", "red", "amber", "green"}
    queue = triage_queue(norfolk)
    assert any(c.overdue for c in queue) and not all(c.overdue for c in queue)
    checks = PartnerCheck.objects.filter(contact__mash=norfolk)
    assert checks.filter(answered_at__isnull=True).exists()
    assert checks.filter(answered_at__isnull=False).exists()
    assert checks.filter(answered_at__isnull=True, due_at__lt=timezone.now()).exists()
    manager = Person.objects.get(username="mash.manager")
    assert [e.case.child.first_name for e in missing_in_area(manager)] == ["Jordan"]
    assert Contact.objects.filter(decision="strategy_discussion", case__isnull=False).exists()
    assert Contact.objects.filter(mash__name__startswith="Suffolk").count() == 1

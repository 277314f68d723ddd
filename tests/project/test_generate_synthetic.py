"""`manage.py generate_synthetic` at its tiny tier: the shape `make bench` relies on."""

import json
import statistics
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from audit.models import Event
from cases import selectors
from cases.models import Case, CaseGroupObjectPermission, Child, Entry
from cases.services import add_entry, next_reference
from people.models import Agency, Person
from safeguarding.management.commands.generate_synthetic import SEARCH_TERM, VERSION
from sharing.models import Share
from sharing.services import LEVEL_PERMISSIONS
from triage.models import Contact, PartnerCheck
from triage.services import next_contact_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    call_command("generate_synthetic", tier="tiny", seed=7, anchor="2026-03-02T09:00", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT seed, version, info FROM bench_synthetic_build WHERE tier = 'tiny'")
        seed, version, info = cursor.fetchone()
    assert (seed, version) == (7, VERSION)
    return info if isinstance(info, dict) else json.loads(info)


def test_counts_and_skew(generated):
    assert Case.objects.count() == Child.objects.count() == 460
    assert Agency.objects.count() == 14
    assert Contact.objects.count() == 720
    assert PartnerCheck.objects.exists()
    assert Event.objects.count() == 3000
    per_case = Counter(Entry.objects.values_list("case_id", flat=True))
    assert per_case[generated["bench_case"]] == 1000
    assert sum(1 for n in per_case.values() if n > 1000) >= 1  # a few very long records
    assert statistics.median(per_case.values()) < 25  # most have a few entries
    assert set(per_case) == set(Case.objects.values_list("pk", flat=True))
    # The triage queue: some contacts still undecided, every decided one has its decision.
    states = Counter(Contact.objects.values_list("state", flat=True))
    assert states["decided"] > 0 and states["open"] + states["new"] > 0
    assert not Contact.objects.filter(state="decided", decision="").exists()


def test_permissions_are_what_the_shares_give(generated):
    expected = set()
    for share in Share.objects.filter(revoked_at__isnull=True).select_related("agency"):
        for codename in LEVEL_PERMISSIONS[share.level]:
            expected.add((share.agency.group_id, codename, share.case_id))
    held = set(
        CaseGroupObjectPermission.objects.values_list(
            "group_id", "permission__codename", "content_object_id"
        )
    )
    assert held == expected
    assert Share.objects.filter(revoked_at__isnull=False).exists()
    # One share per agency and case, as the services keep them.
    assert not Share.objects.values("case", "agency").annotate(n=Count("id")).filter(n__gt=1)


def test_the_benchmark_subjects(generated):
    manager = Person.objects.get(username=generated["subject"])
    assert manager.role == Person.Role.MASH_MANAGER
    assert manager.groups.filter(pk=manager.agency.group_id).exists()
    case = selectors.case_for(manager, generated["bench_case"])
    assert case.status == Case.Status.OPEN
    found = selectors.search_children(manager, name=SEARCH_TERM)
    assert found.count() == 4
    assert selectors.visible_case_count(manager) == selectors.visible_cases(manager).count()


def test_sequences_continue_after_the_generated_ids(generated):
    manager = Person.objects.get(username=generated["subject"])
    case = Case.objects.get(pk=generated["bench_case"])
    entry = add_entry(
        manager, case, category="note", occurred_at=timezone.now(),
        text="After the synthetic data.", restricted=False,
    )  # fmt: skip
    assert entry.pk > Entry.objects.exclude(pk=entry.pk).latest("pk").pk
    assert not Case.objects.filter(reference=next_reference()).exists()
    assert not Contact.objects.filter(reference=next_contact_reference()).exists()


def test_it_refuses_a_database_that_holds_cases(generated):
    with pytest.raises(CommandError, match="already holds cases"):
        call_command("generate_synthetic", tier="tiny", verbosity=0)

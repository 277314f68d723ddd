"""The agenda from alerts (issue 22, item 3): a repeat-missing alert, a risk level raised
or a match between cases proposes an item for the next MACE of the area, for its chair to
accept (the children they may see become discussed) or dismiss with a reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.assessments import record_assessment
from links.matching import compare
from meetings import agenda, services
from meetings.models import Proposal
from tests.links.helpers import link

pytestmark = pytest.mark.django_db


@pytest.fixture
def maces(people, partnership, open_case_for):
    """Two Norfolk MACEs to come, chaired by mash.manager: the next, and the one after."""
    anchor = open_case_for("social.worker", first_name="Anchor")
    norfolk = partnership.areas["norfolk"]

    def mace(days):
        return services.schedule_meeting(
            people["mash.manager"], kind="mace", held_at=timezone.now() + dt.timedelta(days=days),
            cases=[anchor], agencies=[], area=norfolk,
        )  # fmt: skip

    return mace(7), mace(35)


def assess(person, case, level):
    return record_assessment(
        person, case, harm=[], vulnerabilities=[], protective=[], child_view="",
        analysis="Analysis.", level=level, rationale="Why.",
        review_by=timezone.localdate() + dt.timedelta(days=30),
    )  # fmt: skip


def test_a_repeat_missing_alert_goes_to_the_next_mace_and_is_accepted(
    maces, open_case_for, missing, people, client, sign_in
):
    nearest, later = maces
    aimee = open_case_for("social.worker", first_name="Aimee", last_name="Example")
    missing(aimee, by="social.worker", risk="high")  # a high-risk episode raises the alert
    [proposal] = Proposal.objects.filter(kind="repeat_missing")
    assert proposal.case_ids == [aimee.pk] and "Aimee" not in proposal.what
    assert [p.pk for p in agenda.proposed_for(nearest)] == [proposal.pk]
    assert agenda.proposed_for(later) == []  # only the next one
    sign_in("mash.manager")
    page = client.get(reverse("meeting", args=[nearest.pk])).content.decode()
    assert 'data-testid="proposal"' in page and "Aimee Example" in page
    assert 'data-testid="proposal"' not in client.get(
        reverse("meeting", args=[later.pk])).content.decode()  # fmt: skip
    answer = client.post(reverse("meeting-agenda", args=[nearest.pk, proposal.pk]),
                         {"decision": "accept"})  # fmt: skip
    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.meeting == nearest
    assert nearest.discussed.filter(case=aimee).exists()


def test_a_raised_level_is_proposed_a_first_assessment_is_not(maces, open_case_for, people):
    case = open_case_for("social.worker")
    assess(people["social.worker"], case, "low")  # from "not screened": not a raise
    assert not Proposal.objects.exists()
    assess(people["social.worker"], case, "high")
    [proposal] = Proposal.objects.filter(kind="level_raised")
    assert "raised from low to high" in proposal.what


def test_a_match_is_proposed_naming_only_what_the_chair_may_see(maces, open_case_for,
                                                                people, share):  # fmt: skip
    nearest, _ = maces
    council = open_case_for("social.worker", first_name="Seen")
    theirs = open_case_for("police.officer", first_name="Unseen")  # led by Norfolk police
    first = link(people["social.worker"], council, "phone", number="07700 900123")
    second = link(people["police.officer"], theirs, "phone", number="07700900123")
    compare(first.pk)
    compare(second.pk)
    [proposal] = Proposal.objects.filter(kind="link_match")  # one Norfolk proposal
    assert sorted(proposal.case_ids) == sorted([council.pk, theirs.pk])
    [seen] = agenda.with_cases_seen(people["mash.manager"], agenda.proposed_for(nearest))
    assert [c.pk for c in seen.cases_seen] == [council.pk] and seen.cases_unseen == 1


def test_dismissing_needs_a_reason_and_only_the_chair_decides(maces, open_case_for, missing,
                                                              people):  # fmt: skip
    nearest, _ = maces
    missing(open_case_for("social.worker"), by="social.worker", risk="high")
    proposal = Proposal.objects.get()
    with pytest.raises(services.Refused):
        agenda.decide(people["social.worker"], nearest, proposal.pk, accept=True)
    with pytest.raises(ValidationError):
        agenda.decide(people["mash.manager"], nearest, proposal.pk, accept=False, reason=" ")
    agenda.decide(people["mash.manager"], nearest, proposal.pk, accept=False,
                  reason="Discussed at the strategy discussion already.")  # fmt: skip
    assert agenda.proposed_for(nearest) == []
    with pytest.raises(agenda.AlreadyDecided):
        agenda.decide(people["mash.manager"], nearest, proposal.pk, accept=True)

"""Each agency's high-risk screenings and assessments, kept by the database as they and
the permission rows are written (cases.models.GroupHighRisk, migration 0010): always exactly
the join of high-risk screenings and standing high-risk assessments to permission rows,
through shares, revocations, moves, agreements, rollbacks and TRUNCATE, and when a share and
a screening or an assessment of one case commit at once."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.access import case_permission
from cases.models import Assessment, CaseGroupObjectPermission, GroupHighRisk, Screening
from sharing.services import revoke_share
from tests.cases.test_assessments import assess
from tests.conftest import scored_screening
from triage.selectors import (
    recent_high_risk_assessments,
    recent_high_risk_screenings,
    triage_summary,
)

pytestmark = pytest.mark.django_db


def kept() -> set[tuple]:
    return set(GroupHighRisk.objects.values_list("group_id", "case_id", "kind", "record_id", "at"))


def joined() -> set[tuple]:
    """What the rows must be: every group that may view a case with each of its high-risk
    screenings and each of its high-risk assessments whose level stands."""
    records = [
        ("screening", s.pk, s.case_id, s.screened_at)
        for s in Screening.objects.filter(risk_level="high")
    ] + [
        ("assessment", a.pk, a.case_id, a.assessed_at)
        for a in Assessment.objects.filter(level="high", needs_agreement=False)
    ]
    return {
        (p.group_id, case_id, kind, pk, at)
        for kind, pk, case_id, at in records
        for p in CaseGroupObjectPermission.objects.filter(
            content_object_id=case_id, permission=case_permission("view_case")
        )
    }


def rebuilt() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_rebuild_high_risk()")
    return kept()


def test_screenings_shares_and_revocations_keep_the_rows(people, open_case_for, share):
    worker, police, nurse = (
        people["social.worker"],
        people["police.officer"],
        people["health.nurse"],
    )
    screened = open_case_for("social.worker", first_name="Kept")
    high = scored_screening(screened, worker, "high")
    scored_screening(screened, worker, "low")  # not high: no rows
    assert [s.pk for s in recent_high_risk_screenings(police)] == []
    police_share = share(screened, "norfolk_police", "contribute")  # after the screening
    share(screened, "norfolk_hospital")
    assert [s.pk for s in recent_high_risk_screenings(police)] == [high.pk]
    later = scored_screening(screened, worker, "high")  # after the shares
    assert [s.pk for s in recent_high_risk_screenings(nurse)] == [later.pk, high.pk]
    assert kept() == joined()
    revoke_share(police_share, worker, "No longer needed")
    assert [s.pk for s in recent_high_risk_screenings(police)] == []
    assert [s.pk for s in recent_high_risk_screenings(nurse)] == [later.pk, high.pk]
    assert kept() == joined() == rebuilt()


def test_assessments_count_once_their_high_level_stands(people, open_case_for, share):
    """A high level counts; a level waiting for agreement does not until it stands; an
    agreement (agreed_by, agreed_at) moves nothing; a removed assessment leaves nothing."""
    worker, police = people["social.worker"], people["police.officer"]
    case = open_case_for("social.worker", first_name="Assessed")
    share(case, "norfolk_police")
    assert [a.pk for a in recent_high_risk_assessments(police)] == []
    high = assess(worker, case, "high")
    assess(worker, case, "medium")  # lower: waits for agreement, and is not high anyway
    assert [a.pk for a in recent_high_risk_assessments(police)] == [high.pk]
    assert triage_summary(worker)["high_risk_assessments"] == 1
    Assessment.objects.filter(pk=high.pk).update(needs_agreement=True)
    assert [a.pk for a in recent_high_risk_assessments(police)] == []
    # An agreement writes only agreed_by and agreed_at: no trigger fires, nothing moves.
    Assessment.objects.filter(pk=high.pk).update(agreed_by=worker, agreed_at=timezone.now())
    assert [a.pk for a in recent_high_risk_assessments(police)] == []
    Assessment.objects.filter(pk=high.pk).update(
        needs_agreement=False, agreed_by=None, agreed_at=None
    )
    assert [a.pk for a in recent_high_risk_assessments(police)] == [high.pk]
    assert kept() == joined()
    other = open_case_for("social.worker", first_name="Elsewhere")
    Assessment.objects.filter(pk=high.pk).update(case=other)  # moved to an unshared case
    assert [a.pk for a in recent_high_risk_assessments(police)] == []
    assert [a.pk for a in recent_high_risk_assessments(worker)] == [high.pk]
    assert kept() == joined() == rebuilt()
    Assessment.objects.filter(pk=high.pk).delete()
    assert [a.pk for a in recent_high_risk_assessments(worker)] == []
    assert kept() == joined()


def test_moves_and_a_rollback_keep_the_rows(people, agencies, open_case_for):
    worker = people["social.worker"]
    cases = [open_case_for("social.worker", first_name=f"Moved{n}") for n in range(3)]
    for case in cases:
        scored_screening(case, worker, "high")
    view = case_permission("view_case")
    police_group = agencies["norfolk_police"].group_id
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(group_id=police_group, permission=view, content_object=case)
        for case in cases
    )
    assert len(recent_high_risk_screenings(people["police.officer"])) == 3
    # Two rows moved to another agency, and one to another case, in UPDATEs.
    CaseGroupObjectPermission.objects.filter(
        group_id=police_group, content_object__in=cases[:2]
    ).update(group_id=agencies["norfolk_hospital"].group_id)
    other = open_case_for("social.worker", first_name="Unscreened")
    CaseGroupObjectPermission.objects.filter(group_id=police_group, content_object=cases[2]).update(
        content_object=other
    )
    assert len(recent_high_risk_screenings(people["police.officer"])) == 0
    assert len(recent_high_risk_screenings(people["health.nurse"])) == 2
    assert kept() == joined()
    with pytest.raises(RuntimeError), transaction.atomic():
        CaseGroupObjectPermission.objects.all().delete()
        assert kept() == set()
        raise RuntimeError("rolled back")
    assert len(recent_high_risk_screenings(people["health.nurse"])) == 2
    assert kept() == joined() == rebuilt()


@pytest.mark.django_db(transaction=True)
def test_truncating_the_permission_rows_empties_the_table(partnership, open_case_for, share):
    case = open_case_for("social.worker")
    scored_screening(case, partnership.people["social.worker"], "high")
    share(case, "norfolk_police")
    assert GroupHighRisk.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_casegroupobjectpermission")
    assert not GroupHighRisk.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("record", "first"),
    [("screening", "record"), ("screening", "share"), ("assessment", "record"),
     ("assessment", "share")],
)  # fmt: skip
def test_a_share_and_a_high_risk_record_of_one_case_committed_at_once_each_see_the_other(
    partnership, open_case_for, record, first
):
    """The first writes and holds its transaction open; the second writes meanwhile and
    commits after it. Without the case row lock, the second's trigger would read before
    the first committed and leave the record out of the police's rows. The records are
    written bare, as a loader or a later service might, not through a service that locks
    the case itself."""
    people, agencies = partnership.people, partnership.agencies
    case = open_case_for("social.worker", first_name="Race")
    view = case_permission("view_case")
    written, failed = threading.Event(), []
    worker = people["social.worker"]

    def screen():
        Screening.objects.create(
            case=case, screened_by=worker, agency=case.lead_agency, indicators=["missing"],
            risk_level="high",
        )  # fmt: skip

    def assess_high():
        Assessment.objects.create(
            case=case, agency=case.lead_agency, assessed_by=worker, analysis="Weighed.",
            level="high", previous_level="not_screened", rationale="Because.",
            review_by=timezone.localdate() + dt.timedelta(days=30),
        )  # fmt: skip

    def grant():
        CaseGroupObjectPermission.objects.create(
            group_id=agencies["norfolk_police"].group_id, permission=view, content_object=case
        )

    steps = {"record": screen if record == "screening" else assess_high, "share": grant}
    second = "share" if first == "record" else "record"

    def run(step, hold):
        try:
            with transaction.atomic():
                if not hold:
                    assert written.wait(20)
                steps[step]()
                if hold:
                    written.set()
                    time.sleep(0.5)  # the other writes now, and waits for this commit
        except Exception as error:  # reported by the assertion below
            failed.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(first, True)),
        threading.Thread(target=run, args=(second, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failed == []
    found = {"screening": recent_high_risk_screenings, "assessment": recent_high_risk_assessments}
    assert len(found[record](people["police.officer"])) == 1
    assert kept() == joined()

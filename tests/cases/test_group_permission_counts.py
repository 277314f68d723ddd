"""The number of cases each agency sees, kept by the database as permission rows are
written (cases.models.GroupPermissionCount, migration 0009): always the number of rows,
through shares and revocations, bulk writes, moves, rollbacks, TRUNCATE, and two
transactions writing for the same agencies at once in opposite orders."""

import threading

import pytest
from django.db import connection, transaction

from cases import selectors
from cases.access import case_permission
from cases.models import CaseGroupObjectPermission, GroupPermissionCount
from sharing.services import revoke_share

pytestmark = pytest.mark.django_db


def assert_counted(*persons) -> None:
    for person in persons:
        for need in ("view", "contribute", "manage"):
            rows = selectors.agency_rows(person, need).count()
            assert selectors.visible_case_count(person, need) == rows, (person, need)


def test_shares_and_revocations_keep_the_count(people, open_case_for, share):
    police, worker = people["police.officer"], people["social.worker"]
    assert selectors.visible_case_count(police) == 0
    cases = [open_case_for("social.worker", first_name=f"Count{n}") for n in range(3)]
    shares = [share(case, "norfolk_police", "contribute") for case in cases]
    assert selectors.visible_case_count(police) == 3
    assert type(selectors.visible_case_count(police)) is int  # not a Decimal from SUM
    assert selectors.visible_case_count(police, "contribute") == 3
    assert selectors.visible_case_count(worker, "manage") == 3
    revoke_share(shares[0], worker, "No longer needed")
    assert selectors.visible_case_count(police) == 2
    assert_counted(police, worker, people["health.nurse"])
    # Each change folds the key's earlier rows into its own: one row a key at rest.
    keys = GroupPermissionCount.objects.values_list("group_id", "permission_id")
    assert len(keys) == len(set(keys))
    # A role that reads no cases counts none, whatever its agency holds.
    assert selectors.visible_case_count(people["admin.ncc"]) == 0


def test_bulk_writes_moves_and_a_rollback_keep_the_count(people, agencies, open_case_for):
    police, nurse = people["police.officer"], people["health.nurse"]
    cases = [open_case_for("social.worker", first_name=f"Bulk{n}") for n in range(5)]
    view = case_permission("view_case")
    police_group = agencies["norfolk_police"].group_id
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(group_id=police_group, permission=view, content_object=case)
        for case in cases
    )
    assert selectors.visible_case_count(police) == 5
    # Two rows moved to another agency in one UPDATE: counted off one and on the other.
    moved = CaseGroupObjectPermission.objects.filter(
        group_id=police_group, content_object__in=cases[:2]
    )
    moved.update(group_id=agencies["norfolk_hospital"].group_id)
    assert (selectors.visible_case_count(police), selectors.visible_case_count(nurse)) == (3, 2)
    with pytest.raises(RuntimeError), transaction.atomic():
        CaseGroupObjectPermission.objects.filter(group_id=police_group).delete()
        assert selectors.visible_case_count(police) == 0
        raise RuntimeError("rolled back")
    assert selectors.visible_case_count(police) == 3
    assert_counted(police, nurse, people["social.worker"])


@pytest.mark.django_db(transaction=True)
def test_truncating_the_rows_empties_the_counts(partnership, open_case_for, share):
    share(open_case_for("social.worker"), "norfolk_police")
    assert GroupPermissionCount.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_casegroupobjectpermission")
    assert not GroupPermissionCount.objects.exists()
    assert selectors.visible_case_count(partnership.people["police.officer"]) == 0


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_for_the_same_agencies_in_opposite_orders(
    partnership, open_case_for
):
    """Each holds its first agency's count rows while it writes for the second: with
    counts updated in place, one would wait for the other, which waits for it (a
    deadlock, and a share refused). Here neither waits, and both are counted."""
    agencies, people = partnership.agencies, partnership.people
    groups = [agencies["norfolk_police"].group_id, agencies["norfolk_hospital"].group_id]
    cases = [open_case_for("social.worker", first_name=f"Race{n}") for n in range(4)]
    view = case_permission("view_case")
    halfway = threading.Barrier(2, timeout=20)
    failed = []

    def write(order, mine):
        try:
            with transaction.atomic():
                for step, group in enumerate(order):
                    CaseGroupObjectPermission.objects.bulk_create(
                        CaseGroupObjectPermission(
                            group_id=group, permission=view, content_object=case
                        )
                        for case in mine
                    )
                    if step == 0:
                        halfway.wait()  # both hold their first agency's rows, uncommitted
        except Exception as error:  # reported by the assertion below
            failed.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(groups, cases[:2])),
        threading.Thread(target=write, args=(groups[::-1], cases[2:])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failed == []
    police, nurse = people["police.officer"], people["health.nurse"]
    assert (selectors.visible_case_count(police), selectors.visible_case_count(nurse)) == (4, 4)
    assert_counted(police, nurse, people["social.worker"])

"""The area view for exploitation meetings (issue 20, item 5): things linked to two or more
children of the area; each child the viewer may see is named with its link, the rest only
counted, and a count under the threshold suppressed, so no child can be singled out."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from audit.models import Action
from tests.conftest import events
from tests.links.helpers import link

pytestmark = pytest.mark.django_db


@pytest.fixture
def children(open_case_for, people):
    """`children(n, …)`: n council cases, each with the vehicle AR34 VEW linked."""

    def _make(count, **written):
        cases = []
        for index in range(count):
            case = open_case_for("social.worker", first_name=f"Areachild{index}")
            link(people["social.worker"], case, "vehicle", registration="AR34 VEW", **written)
            cases.append(case)
        return cases

    return _make


def test_children_the_viewer_sees_are_named_and_others_suppressed(children, client, sign_in):
    cases = children(2)
    sign_in("mash.manager")  # the council's: sees both
    page = client.get(reverse("area-links"))
    body = page.content.decode()
    assert "AR34 VEW" in body and "Areachild0" in body and "Areachild1" in body
    assert cases[0].reference in body
    [event] = events(Action.AREA_LINKS_VIEWED)
    assert event.detail["cases"] == sorted(c.pk for c in cases)
    assert event.detail["children"] == sorted(c.child_id for c in cases)


def test_a_viewer_who_sees_none_learns_only_a_suppressed_count(children, client, sign_in):
    cases = children(2)
    sign_in("police.mash")  # Norfolk police: same area, neither case shared
    body = client.get(reverse("area-links")).content.decode()
    assert "AR34" not in body and "Areachild" not in body
    assert all(case.reference not in body for case in cases)
    assert "fewer than 5" in body


def test_one_visible_child_among_few_is_not_named(children, client, sign_in, share):
    """Naming the thing would say that another child (fewer than five) is linked to it."""
    cases = children(3)
    share(cases[0], "norfolk_police", "view")
    sign_in("police.mash")
    body = client.get(reverse("area-links")).content.decode()
    assert "AR34" not in body and "Areachild0" not in body


def test_one_visible_child_among_many_is_named_with_the_others_counted(children, client,
                                                                      sign_in, share):  # fmt: skip
    cases = children(6)
    share(cases[0], "norfolk_police", "view")
    sign_in("police.mash")
    page = client.get(reverse("area-links"))
    body = page.content.decode()
    assert "AR34 VEW" in body and "Areachild0" in body
    assert all(f"Areachild{n}" not in body for n in range(1, 6))
    assert '<td class="govuk-table__cell" data-label="Other children">5</td>' in body
    export = client.get(reverse("area-links-csv"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[1][:2] == ["AR34 VEW", "Vehicle"] and rows[1][2] == "Areachild0 Child"
    assert rows[1][4] == "5"
    assert "Areachild1" not in export.content.decode("utf-8-sig")
    assert events(Action.AREA_LINKS_EXPORTED)[0].detail["format"] == "csv"


def test_a_restricted_link_is_never_named_to_another_agency(open_case_for, people, client,
                                                           sign_in, share):  # fmt: skip
    one, two = open_case_for("social.worker"), open_case_for("social.worker")
    share(one, "norfolk_police", "contribute")
    link(people["police.officer"], one, "phone", number="07700 900555", restricted=True)
    link(people["social.worker"], two, "phone", number="07700900555")
    sign_in("mash.manager")  # sees both cases, but not the police's restricted link
    body = client.get(reverse("area-links")).content.decode()
    assert "07700" not in body and one.reference not in body
    sign_in("police.mash")  # reads their own link and the council's, on both cases
    share(two, "norfolk_police", "view")
    body = client.get(reverse("area-links")).content.decode()
    assert "07700" in body and one.reference in body and two.reference in body


def test_a_peer_is_counted_never_listed_and_ethnicity_only_a_figure(open_case_for, people,
                                                                    client, sign_in):  # fmt: skip
    worker = people["social.worker"]
    born = dt.date(2010, 2, 3)
    for index in range(6):
        case = open_case_for("social.worker", first_name=f"Peerchild{index}")
        link(worker, case, "person", name="Kid Example", date_of_birth=born, relationship="peer")
        link(worker, case, "person", name="Adult Example", date_of_birth=dt.date(1980, 1, 1),
             relationship="adult_of_concern", ethnicity="white", nationality="British")  # fmt: skip
    sign_in("mash.manager")
    body = client.get(reverse("area-links")).content.decode()
    assert "Kid Example" not in body  # a child: never listed
    assert "Adult Example" in body
    peers = body.split("Peers under 18")[1][:120]
    assert "fewer than 5" in peers  # one peer: suppressed
    ethnicity = body.split('data-testid="area-ethnicity"')[1]
    assert "fewer than 5" in ethnicity.split("White")[1][:80]
    nationality = body.split('data-testid="area-nationality"')[1][:600]
    assert "Any other, or not known" in nationality and "British" not in nationality


def test_another_area_sees_nothing_of_this_one(children, client, sign_in):
    children(6)
    sign_in("suffolk.officer")
    body = client.get(reverse("area-links")).content.decode()
    assert "AR34" not in body and "Areachild" not in body

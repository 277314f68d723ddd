"""Each role does its job and no more (issue 15, item 6): the role-by-action table
(`cases.roles.RULES`, SECURITY.md "Roles") is what the services enforce, what the case
page offers, and what the permission matrices try, action by action."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.actions import Action
from cases.assessments import record_assessment
from cases.roles import RULES, Act
from cases.services import add_entry, close_case, open_case
from missing.services import end_placement
from safeguarding import problems
from sharing.services import grant_emergency_access
from tests.cases.test_api_permissions import CASE_API
from tests.cases.test_pages_permissions import CASE_PAGES
from tests.conftest import events
from tests.problems import problem
from tests.role_table import demo_may

pytestmark = pytest.mark.django_db


def test_every_action_in_the_table_is_tried_by_someone_who_may_and_someone_who_may_not():
    """The table and the matrices cannot drift: each action has rows (page or API), and the
    people they try include one the table allows it and one it refuses by role."""
    rows = [(page[3] + page[4], page[6]) for page in CASE_PAGES]
    rows += [(api[2] + api[3], api[4]) for api in CASE_API]
    for act in RULES:
        tried = {name for people, row_act in rows if row_act == act for name in people}
        assert tried, act
        assert any(demo_may(name, act) for name in tried), act
        assert any(not demo_may(name, act) for name in tried), act


@pytest.mark.parametrize(
    ("username", "change"),
    [
        ("ig.officer", lambda case, who: add_entry(who, case, category="note",
                                                   occurred_at=timezone.now(), text="x",
                                                   restricted=False)),
        ("ig.officer", lambda case, who: record_assessment(
            who, case, harm=[], vulnerabilities=[], protective=[], child_view="",
            analysis="x", level="low", rationale="x", review_by=timezone.localdate())),
        ("admin.ncc", lambda case, who: close_case(who, case, "Not needed")),
        ("admin.ncc", lambda case, who: open_case(who, case.child)),
        ("ig.officer", lambda case, who: grant_emergency_access(case, who, "x" * 30)),
    ],
    ids=["ig-adds-entry", "ig-assesses", "admin-closes", "admin-opens", "ig-breaks-glass"],
)  # fmt: skip
def test_the_services_refuse_a_role_whatever_calls_them(open_case_for, people, username, change):
    case = open_case_for("social.worker", first_name="Roles")
    entries = case.entries.count()
    with pytest.raises(PermissionDenied):
        change(case, people[username])
    assert case.entries.count() == entries
    case.refresh_from_db()
    assert case.status == "open"


def test_police_with_contribute_access_cannot_end_a_placement(open_case_for, share, place, people):
    case = open_case_for("social.worker", first_name="Placed")
    share(case, "norfolk_police", "contribute")
    placement = place(case, "suffolk")
    with pytest.raises(PermissionDenied):
        end_placement(people["police.officer"], case, ended_at=timezone.now(), reason="Moved")
    placement.refresh_from_db()
    assert placement.ended_at is None
    assert events(Action.PLACEMENT_ENDED) == []


def _links(client, case) -> str:
    """The case's pages a person may open: the chronology, placement and missing, and (for
    those who manage the case) access and activity."""
    pages = []
    for name in ("case", "case-missing", "case-access"):
        response = client.get(reverse(name, args=[case.pk]))
        assert response.status_code in ((200, 404) if name == "case-access" else (200,))
        pages.append(response.content.decode() if response.status_code == 200 else "")
    return "".join(pages)


def test_the_case_page_offers_each_role_only_what_it_may_do(open_case_for, share, place, sign_in):
    case = open_case_for("social.worker", first_name="Buttons")
    share(case, "norfolk_police", "contribute")
    place(case, "suffolk")
    casework = ["entry-new", "assessment-new", "case-share", "case-close", "placement-new",
                "placement-end", "missing-new"]  # fmt: skip
    worker = _links(sign_in("social.worker"), case)
    assert all(reverse(name, args=[case.pk]) in worker for name in casework)
    # The IG officer reads the case and its access history, and changes nothing.
    ig = _links(sign_in("ig.officer"), case)
    assert not any(reverse(name, args=[case.pk]) in ig for name in casework)
    assert reverse("case-access-history", args=[case.pk]) in ig
    # The police add to it and report the child missing, but do not place.
    police = _links(sign_in("police.officer"), case)
    assert reverse("entry-new", args=[case.pk]) in police
    assert reverse("missing-new", args=[case.pk]) in police
    assert reverse("placement-new", args=[case.pk]) not in police
    assert reverse("placement-end", args=[case.pk]) not in police
    # With contribute access they add their part to the risk assessment; the level is the
    # lead agency's.
    assert reverse("assessment-contribute", args=[case.pk]) in police
    assert reverse("assessment-new", args=[case.pk]) not in police


def test_an_agency_admin_sees_no_case_even_one_its_agency_manages(open_case_for, sign_in):
    case = open_case_for("social.worker", first_name="Adminless")
    client = sign_in("admin.ncc")
    assert client.get(reverse("case", args=[case.pk])).status_code == 404
    assert case.reference not in client.get(reverse("cases")).content.decode()
    assert client.get(reverse("api-cases")).json()["results"] == []


def test_a_refusal_by_role_is_recorded_and_says_why(open_case_for, sign_in):
    case = open_case_for("social.worker", first_name="Refused")
    response = sign_in("ig.officer").post(
        reverse("api-case-entries", args=[case.pk]),
        {"category": "note", "occurred_at": timezone.now().isoformat(), "text": "x"},
        content_type="application/json",
    )
    assert problem(response, 403) == problems.body(
        403, "An information governance officer cannot do this."
    )
    (refusal,) = events(Action.PERMISSION_REFUSED)
    assert refusal.detail == {"need": Act.ADD_ENTRY, "role": "information_governance"}

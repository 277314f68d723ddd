"""The case pages' permission matrix: every page, for every demo person, signed out too.

The world: a case opened by social.worker (Norfolk children's services, which manages it)
and shared `view` with Norfolk Constabulary. Suffolk police and the hospital have nothing.
The placement and missing pages find the child placed, missing, or returned and owed a
return home interview, as they need (see `_placed` and `_episode`).
Anything a person may not see answers 404, never 403, and never shows the child's name.
"""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Assessment, Case, Child, Entry
from cases.roles import Act
from missing.models import (
    MissingEpisode,
    Placement,
    Profile,
    ProfilePhoto,
    ProfileVersion,
    ReturnInterview,
)
from people.models import Area
from sharing.models import Share
from tests.links.helpers import told_match
from tests.meetings.helpers import held_meeting
from tests.role_table import demo_may, forbidden

pytestmark = pytest.mark.django_db

NORFOLK_CHILDRENS = ["social.worker", "mash.manager", "team.manager", "ig.officer", "admin.ncc"]
NORFOLK_POLICE = ["police.officer", "police.mash"]
NOBODY_ELSE = ["suffolk.officer", "health.nurse"]
EVERYONE = NORFOLK_CHILDRENS + NORFOLK_POLICE + NOBODY_ELSE
# The same people, a manager first: the audit walk tries each row's first allowed person.
AGREES_FIRST = ["team.manager", *(p for p in NORFOLK_CHILDRENS if p != "team.manager")]
CHILD_NAME = "Matrix Testchild"
# A one-pixel PNG: a photo as the profile keeps one (already cleaned).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c6360606060000000050001a5f645400000000049454e44ae426082"
)


@dataclass
class World:
    case: Case
    entry: Entry
    police_share: Share


def _placed(w: World) -> World:
    """The child placed in Cambridgeshire, where no demo agency works (so nobody else gains
    access), made on first use straight in its table: making it records nothing, so the
    audit walk (tests/cases/test_audit_events.py) counts only what the request records."""
    child = w.case.child
    if not Placement.objects.filter(child=child, ended_at__isnull=True).exists():
        Placement.objects.create(
            case=w.case, child=child, placing_authority=w.case.lead_agency,
            area=Area.objects.get(name="Cambridgeshire"), address="2 Example Road, Ely",
            postcode="CB7 4AA", provider_type="foster_care",
            started_at=timezone.now() - dt.timedelta(days=10), recorded_by=w.case.opened_by,
        )  # fmt: skip
        Child.objects.filter(pk=child.pk).update(looked_after=True)
    return w


def _episode(w: World, *, returned: bool) -> MissingEpisode:
    """A missing episode on the case, made on first use (as `_placed`): still missing, or
    returned with its return home interview owed by the case's lead agency."""
    name = "returned_episode" if returned else "missing_episode"
    if not hasattr(w, name):
        now = timezone.now()
        episode = MissingEpisode.objects.create(
            case=w.case, last_seen_at=now - dt.timedelta(hours=48), last_seen_where="Ely",
            circumstances="Not back from school", risk="medium", reported_by=w.case.opened_by,
            reporting_agency=w.case.lead_agency,
            returned_at=now - dt.timedelta(hours=30) if returned else None,
        )  # fmt: skip
        if returned:
            ReturnInterview.objects.create(episode=episode, agency=w.case.lead_agency,
                                           due_at=now + dt.timedelta(hours=42))  # fmt: skip
        setattr(w, name, episode)
    return getattr(w, name)


def _profiled(w: World) -> World:
    """The case's missing-from-care profile, with a photo, made on first use (as `_placed`)
    straight in its tables."""
    if not hasattr(w, "profile"):
        by = w.case.opened_by
        w.profile = Profile.objects.create(case=w.case, reviewed_at=timezone.now(), reviewed_by=by)
        ProfileVersion.objects.create(profile=w.profile, description="Slim, dark hair",
                                      places=["Ely bus station"], written_by=by,
                                      agency=w.case.lead_agency)  # fmt: skip
        ProfilePhoto.objects.create(profile=w.profile, content=PNG, content_type="image/png",
                                    width=1, height=1, sha256="0" * 64, uploaded_by=by,
                                    agency=w.case.lead_agency)  # fmt: skip
    return w


def _lapsing(w: World) -> str:
    """The police's share set to lapse (the child left their area), straight in its table."""
    Share.objects.filter(pk=w.police_share.pk).update(
        lapses_at=timezone.now() + dt.timedelta(days=3)
    )
    return reverse("share-renew", args=[w.police_share.pk])


def _lowered(w: World) -> str:
    """A lower level assessed by social.worker, waiting for a manager's agreement, straight in
    its table (as `_placed`)."""
    if not hasattr(w, "lowered"):
        w.lowered = Assessment.objects.create(
            case=w.case, agency=w.case.lead_agency, assessed_by=w.case.opened_by,
            analysis="Much better.", level="low", rationale="Settled.",
            review_by=timezone.localdate() + dt.timedelta(days=30), previous_level="high",
            needs_agreement=True,
        )  # fmt: skip
    return reverse("assessment-agree", args=[w.case.pk, w.lowered.pk])


def _matched(w: World) -> str:
    return reverse("link-match", args=[told_match(w.case).pk])


def _meeting(w: World) -> str:
    return reverse("meeting", args=[held_meeting(w.case).pk])


def _publish(w: World) -> str:
    return reverse("meeting-publish", args=[held_meeting(w.case).pk])


def _action(w: World) -> str:
    return reverse("action-close", args=[held_meeting(w.case).actions.get().pk])


def _case(w: World, name: str) -> str:
    return reverse(name, args=[w.case.pk])


# (URL name, method, URL builder, allowed usernames, refused usernames, refused status,
# action). Allowed and refused are by agency (its access to the case); then the role-by-
# action table (cases.roles.RULES) turns anyone whose role may never do the action into a
# 403 that says why, and a role that reads no cases (an agency admin) into an outsider.
CASE_PAGES = [
    ("children", "get", lambda w: reverse("children"), EVERYONE, [], None, Act.VIEW),
    ("child-new", "get", lambda w: reverse("child-new"), EVERYONE, [], None, Act.OPEN_CASE),
    ("cases", "get", lambda w: reverse("cases"), EVERYONE, [], None, Act.VIEW),
    ("shares", "get", lambda w: reverse("shares"), EVERYONE, [], None, Act.VIEW),
    ("emergency-access", "get", lambda w: reverse("emergency-access"), EVERYONE, [], None,
     Act.EMERGENCY_ACCESS),
    ("case", "get", lambda w: _case(w, "case"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    # The case's tabs (issue 17): whoever may see the case; "Access and activity" is in
    # tests/reports/test_permissions.py (for those who manage the case).
    ("case-details", "get", lambda w: _case(w, "case-details"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("case-missing", "get", lambda w: _case(_placed(w), "case-missing"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("case-print", "get", lambda w: _case(w, "case-print"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("case-export", "get", lambda w: _case(w, "case-export"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("case-journey", "get", lambda w: _case(w, "case-journey"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("entry-new", "get", lambda w: _case(w, "entry-new"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.ADD_ENTRY),
    ("entry-amend", "get", lambda w: reverse("entry-amend", args=[w.case.pk, w.entry.pk]),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.ADD_ENTRY),
    # Scored screenings are history: read by whoever sees the case; a POST answers 410
    # (tests/cases/test_assessments.py).
    ("screenings", "get", lambda w: _case(w, "screenings"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    # Exploitation risk (issue 21): read by whoever sees the case; assessed by the lead
    # agency (managing it); a part added with contribute access (Norfolk police hold only
    # view); a lower level agreed by a team manager or MASH manager of the lead agency.
    ("assessments", "get", lambda w: _case(w, "assessments"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("assessment-new", "get", lambda w: _case(w, "assessment-new"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.ASSESS),
    ("assessment-contribute", "get", lambda w: _case(w, "assessment-contribute"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.CONTRIBUTE_ASSESSMENT),
    # Things of concern linked to the case (issue 20): read as the chronology is; linked by
    # whoever may add to it.
    ("case-links", "get", lambda w: _case(w, "case-links"),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("link-new", "get", lambda w: _case(w, "link-new") + "?kind=vehicle",
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.ADD_ENTRY),
    # A match between cases: read only by the agencies told of it (the council, whose link
    # is on the case, and Suffolk police, whose link is on a case of theirs); Norfolk police
    # see the case but were not told, and learn nothing (tests/links/test_matching.py).
    ("link-match", "get", _matched,
     [*NORFOLK_CHILDRENS, "suffolk.officer"], [*NORFOLK_POLICE, "health.nurse"], 404,
     Act.VIEW),
    # Meetings (issue 22): read by the agencies organising or asked (the council chairs, the
    # police are asked), naming only children they may see; scheduled by a caseworker who
    # sees the child; published by the chair alone (403, with the reason, to the others who
    # see it); an action closed by the agency it is for (the police), 404 to anyone else.
    ("meeting", "get", _meeting,
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("meeting-pack", "get", lambda w: reverse("meeting-pack", args=[held_meeting(w.case).pk]),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("meeting-pack-pdf", "get",
     lambda w: reverse("meeting-pack-pdf", args=[held_meeting(w.case).pk]),
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.VIEW),
    ("meeting-new", "get", lambda w: reverse("meeting-new") + f"?case={w.case.pk}",
     NORFOLK_CHILDRENS + NORFOLK_POLICE, NOBODY_ELSE, 404, Act.HOLD_MEETING),
    ("meeting-publish", "post", _publish, ["mash.manager"], NOBODY_ELSE, 404, Act.HOLD_MEETING),
    ("meeting-publish", "post", _publish,
     [], ["social.worker", "team.manager", *NORFOLK_POLICE], 403, Act.HOLD_MEETING),
    ("action-close", "get", _action,
     NORFOLK_POLICE, NORFOLK_CHILDRENS + NOBODY_ELSE, 404, Act.CLOSE_ACTION),
    ("assessment-agree", "post", _lowered,
     AGREES_FIRST, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.AGREE_LEVEL),
    ("case-share", "get", lambda w: _case(w, "case-share"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.SHARE),
    ("case-close", "get", lambda w: _case(w, "case-close"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.CLOSE),
    ("placement-new", "get", lambda w: _case(w, "placement-new"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PLACE),
    ("placement-end", "get", lambda w: _case(_placed(w), "placement-end"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PLACE),
    ("missing-new", "get", lambda w: _case(w, "missing-new"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.REPORT_MISSING),
    ("missing-returned", "get",
     lambda w: reverse("missing-returned", args=[w.case.pk, _episode(w, returned=False).pk]),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.REPORT_MISSING),
    ("missing-regrade", "get",
     lambda w: reverse("missing-regrade", args=[w.case.pk, _episode(w, returned=False).pk]),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.REPORT_MISSING),
    # Contribute access, and the agency that owes the interview (tests/missing/test_pages.py).
    ("return-interview", "get",
     lambda w: reverse("return-interview", args=[w.case.pk, _episode(w, returned=True).pk]),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.RETURN_INTERVIEW),
    # The missing-from-care profile (missing.profiles): read with contribute access, or a
    # missing report's release (tests/missing/test_profile.py tries a release and its
    # lapse); Norfolk police, with a view share, see the case but are told they cannot
    # read its profile (403, no child named); writing it takes contribute access; removing
    # its photo and erasing it, the managing agency (contribute access is not enough:
    # tests/missing/test_profile.py).
    ("missing-profile", "get", lambda w: _case(_profiled(w), "missing-profile"),
     NORFOLK_CHILDRENS, NOBODY_ELSE, 404, Act.VIEW),
    ("missing-profile", "get", lambda w: _case(_profiled(w), "missing-profile"),
     [], NORFOLK_POLICE, 403, Act.VIEW),
    ("missing-profile-photo", "get", lambda w: _case(_profiled(w), "missing-profile-photo"),
     NORFOLK_CHILDRENS, NOBODY_ELSE, 404, Act.VIEW),
    ("missing-profile-photo", "get", lambda w: _case(_profiled(w), "missing-profile-photo"),
     [], NORFOLK_POLICE, 403, Act.VIEW),
    ("missing-profile-edit", "get", lambda w: _case(w, "missing-profile-edit"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PROFILE),
    ("missing-profile-photo-new", "get", lambda w: _case(w, "missing-profile-photo-new"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PROFILE),
    ("missing-profile-reviewed", "post", lambda w: _case(w, "missing-profile-reviewed"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PROFILE),
    ("missing-profile-photo-remove", "get",
     lambda w: _case(_profiled(w), "missing-profile-photo-remove"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PROFILE),
    ("missing-profile-erase", "get", lambda w: _case(_profiled(w), "missing-profile-erase"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.PROFILE),
    # The confirmation page (a reason is asked for); tests/sharing/test_pages.py revokes.
    ("share-revoke", "get", lambda w: reverse("share-revoke", args=[w.police_share.pk]),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + NOBODY_ELSE, 404, Act.SHARE),
    # Only the agency a share is to may keep it when it is to lapse (the child left the area
    # its placement notice was for); to anyone else it does not exist.
    ("share-renew", "get", _lapsing, NORFOLK_POLICE, NORFOLK_CHILDRENS + NOBODY_ELSE, 404,
     Act.ACKNOWLEDGE_SHARE),
    # Only the agency a share is to may acknowledge it; to anyone else it does not exist.
    ("share-acknowledge", "post",
     lambda w: reverse("share-acknowledge", args=[w.police_share.pk]),
     NORFOLK_POLICE, NORFOLK_CHILDRENS + NOBODY_ELSE, 404, Act.ACKNOWLEDGE_SHARE),
]  # fmt: skip

CASE_SPECIFIC = {"case", "case-details", "case-missing", "case-print", "case-export",
                 "case-journey", "entry-new", "entry-amend", "screenings", "case-share",
                 "case-close", "placement-new", "placement-end", "missing-new",
                 "missing-returned", "missing-regrade", "return-interview", "missing-profile",
                 "missing-profile-edit", "missing-profile-photo-new",
                 "missing-profile-photo-remove", "missing-profile-erase",
                 "share-renew", "assessments", "assessment-new",
                 "assessment-contribute", "case-links", "link-new", "meeting",
                 "meeting-new", "action-close", "meeting-pack"}  # fmt: skip
COVERED_URL_NAMES = sorted({name for name, *_ in CASE_PAGES})


def _expected(who: str, listed_allowed: bool, act: str, status: int | None):
    """(allowed?, refused status) for one person, by the agency lists and then the table."""
    if forbidden(who, act):
        return False, 403
    if listed_allowed and not demo_may(who, act):  # a role that reads no cases
        return (True, None) if act == Act.VIEW and status is None else (False, 404)
    return listed_allowed, status


def _people(row):
    name, method, build, allowed, refused, status, act = row
    for who in allowed + refused:
        may, refused_with = _expected(who, who in allowed, act, status)
        yield name, method, build, who, may, refused_with


ALLOWED = [
    pytest.param(name, method, build, who, id=f"{name}-{who}")
    for row in CASE_PAGES
    for name, method, build, who, may, _ in _people(row)
    if may
]
REFUSED = [
    pytest.param(name, method, build, who, status, id=f"{name}-{who}")
    for row in CASE_PAGES
    for name, method, build, who, may, status in _people(row)
    if not may
]
SIGNED_OUT = [pytest.param(name, method, build, id=name) for name, method, build, *_ in CASE_PAGES]


@pytest.fixture
def world(open_case_for, share, people) -> World:
    first, last = CHILD_NAME.split()
    case = open_case_for("social.worker", first_name=first, last_name=last,
                         concern="Seen with older men at the bus station")  # fmt: skip
    police_share = share(case, "norfolk_police", "view")
    return World(case=case, entry=case.entries.get(category="concern"), police_share=police_share)


def signed_in_as(username: str) -> Client:
    from people.models import Person
    from tests.conftest import verify_second_factor

    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


@pytest.mark.parametrize(("name", "method", "build", "who"), ALLOWED)
def test_who_may_use_the_page_can(world, name, method, build, who):
    response = getattr(signed_in_as(who), method)(build(world))
    assert response.status_code == (302 if method == "post" else 200)
    if method == "post":
        assert "/sign-in/" not in response["Location"]
    if name in CASE_SPECIFIC and method == "get":
        assert world.case.reference in body_of(response)


@pytest.mark.parametrize(("name", "method", "build", "who", "status"), REFUSED)
def test_who_may_not_use_the_page_gets_404_and_learns_nothing(
    world, name, method, build, who, status
):
    response = getattr(signed_in_as(who), method)(build(world))
    assert response.status_code == status
    body = body_of(response)
    if status == 403:  # refused by role: the page says why
        assert 'data-testid="refusal"' in body and "cannot" in body
    assert "Testchild" not in body
    assert world.case.reference not in body
    # A refused POST changed nothing.
    world.police_share.refresh_from_db()
    assert world.police_share.revoked_at is None
    assert world.police_share.acknowledged_at is None


@pytest.mark.parametrize(("name", "method", "build"), SIGNED_OUT)
def test_signed_out_every_page_redirects_to_sign_in(world, name, method, build):
    response = getattr(Client(), method)(build(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
    world.police_share.refresh_from_db()
    assert world.police_share.revoked_at is None


@pytest.mark.parametrize(("name", "method", "build"), SIGNED_OUT)
def test_after_only_the_password_every_page_asks_for_the_second_factor(
    world, people, name, method, build
):
    client = Client()
    client.force_login(people["police.officer"])
    response = getattr(client, method)(build(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in-code"))


def test_a_case_that_does_not_exist_is_404_like_one_not_shared(world):
    client = signed_in_as("suffolk.officer")
    missing = client.get(reverse("case", args=[world.case.pk + 1000]))
    hidden = client.get(reverse("case", args=[world.case.pk]))
    assert missing.status_code == hidden.status_code == 404

    # The same page, but for the sign-out form's CSRF token (masked afresh each time).
    def unmasked(response) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert unmasked(missing) == unmasked(hidden)


def test_an_entry_of_another_case_cannot_be_reached_through_this_one(world, open_case_for):
    other = open_case_for("suffolk.officer", first_name="Other")
    other_entry = other.entries.first()
    response = signed_in_as("social.worker").get(
        reverse("entry-amend", args=[world.case.pk, other_entry.pk])
    )
    assert response.status_code == 404


def test_get_only_pages_refuse_other_methods(world):
    client = signed_in_as("social.worker")
    for name, method, build, *_ in CASE_PAGES:
        if name in {"cases", "shares", "case", "case-details", "case-missing", "case-print",
                    "case-export", "case-journey"}:  # fmt: skip
            assert client.post(build(world)).status_code == 405, name
        if method == "post":
            assert client.get(build(world)).status_code == 405, name


def test_the_matrix_covers_every_case_page():
    from cases import urls
    from links import urls as links_urls
    from meetings import urls as meetings_urls
    from missing import urls as missing_urls
    from sharing import urls as sharing_urls

    modules = [urls, missing_urls, sharing_urls, links_urls, meetings_urls]
    # The area view and IG's oversight are not about one case: tests/links/test_permissions.py.
    elsewhere = {"area-links", "area-links-csv", "link-oversight"}
    # Meetings' lists and form posts: tests/meetings/test_permissions.py.
    elsewhere |= {"meetings", "actions", "meeting-attendance", "meeting-item",
                  "meeting-action-new", "meeting-agenda", "meeting-thing"}  # fmt: skip
    names = {p.name for m in modules for p in m.urlpatterns} - elsewhere
    assert sorted(names) == COVERED_URL_NAMES

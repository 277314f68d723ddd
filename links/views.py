"""The case's Links tab: the people, vehicles, places, phones and accounts linked to it that
the reader's agency may read, and the form that links one (issue 20, item 1). Audited as
reads of the case, as its other tabs are."""

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from audit.actions import Action
from audit.services import record
from cases.pages import (
    contributing,
    done,
    errors_on,
    form_page,
    page,
    posted,
    section_context,
    viewed,
)
from cases.roles import Act, RoleRefused, may
from cases.selectors import can, case_for, record_refusal
from cases.services import CaseClosed
from links.chart import draw
from links.forms import FORMS, KindForm
from links.models import Link, Thing, short
from links.selectors import (
    AREA_REFUSAL,
    also_on,
    area_view,
    match_seen_by,
    matches_of,
    may_see_area,
    similar_names,
    unusual_volumes,
)
from links.services import links_seen_by, record_link
from people.models import Person
from safeguarding.paging import paginate
from safeguarding.spreadsheets import safe_cells

REFUSALS = {
    "area_links": AREA_REFUSAL,
    "information_governance": "Only information governance officers see this.",
}
LABELS = {
    "relationship": dict(Link.Relationship.choices),
    "place_type": dict(Link.PlaceType.choices),
    "ethnicity": dict(Link.Ethnicity.choices),
}


@login_required
@require_GET
def case_links(request: HttpRequest, case_id: int) -> HttpResponse:
    person = request.user
    case = case_for(person, case_id, audit_refusal=True)
    rows = page(request, links_seen_by(person, case))
    also = also_on(person, case, rows)
    similar = similar_names(person, case, rows)
    for link in rows:  # the choices as words (the link keeps their values as written)
        link.relationship_label = LABELS["relationship"].get(link.written.get("relationship"), "")
        link.place_type_label = LABELS["place_type"].get(link.written.get("place_type"), "")
        link.also = also.get(link.thing_id, [])
        link.similar = similar.get(link.pk, [])
    viewed(request, case, "links", page=rows.number, links=[link.pk for link in rows])
    shown = {other.case_id: other.case.child_id
             for found in (*also.values(), *similar.values()) for other in found}  # fmt: skip
    if shown:  # the other children named are shown too: their access reports say so
        record(
            Action.LINK_CHART_VIEWED, request=request, target_type="case", target_id=case.pk,
            detail={"cases": sorted(shown), "children": sorted(set(shown.values()))},
        )  # fmt: skip
    chart = draw(case.child.full_name, rows, also)
    return render(request, "links/case_links.html", {
        **section_context(person, case, "links"), "page_obj": rows, "chart": chart,
        "may_link": may(person, Act.ADD_ENTRY) and can(person, case, "contribute"),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def link_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Choose the kind (a GET form, so it works without JavaScript), then its fields."""
    person = request.user
    case = contributing(request, case_id, Act.ADD_ENTRY)
    chooser = KindForm(request.GET if "kind" in request.GET else None)
    if not chooser.is_bound or not chooser.is_valid():
        return form_page(request, case, "link_new", "links/link_kind.html", chooser)
    kind = chooser.cleaned_data["kind"]
    form = FORMS[kind](posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_link(
                person, case, kind=kind, written=form.written(),
                learned_on=data["learned_on"], learned_how=data["learned_how"],
                restricted=data["restricted"],
            )  # fmt: skip
        except ValidationError as error:
            errors_on(form, error)
        except CaseClosed as closed:
            form.add_error(None, str(closed))
        else:
            return done(request, case, "The link is recorded.", to="case-links")
    return form_page(
        request, case, "link_new", "links/link_form.html", form,
        {"kind": kind, "kind_label": Thing.Kind(kind).label.lower()},
    )  # fmt: skip


# Matches, the area view and IG's oversight (issue 20, items 3 and 5) -------------------


def _refused(request: HttpRequest, need: str) -> None:
    record(Action.PERMISSION_REFUSED, request=request, detail={"need": need})
    raise RoleRefused(REFUSALS[need])


@login_required
@require_GET
def link_match(request: HttpRequest, match_id: int) -> HttpResponse:
    """A match the person's agency was told of: the thing as its side wrote it, and whom
    to ask. Another side's case, child and content only to a person who may see them."""
    person = request.user
    match = match_seen_by(person, match_id)
    if match is None:
        record_refusal(person, "match", match_id, "view")
        raise Http404("No such match")
    record(
        Action.LINK_MATCH_VIEWED, request=request, target_type="match", target_id=match.pk,
        detail={"cases": sorted(link.case_id for link in match.readable)},
    )  # fmt: skip
    return render(request, "links/link_match.html", {
        "match": match, "kind": Thing.Kind(match.thing.kind).label.lower(),
    })  # fmt: skip


@login_required
@require_GET
def area_links(request: HttpRequest) -> HttpResponse:
    return render(request, "links/area.html", {"view": _area(request, Action.AREA_LINKS_VIEWED)})


def _area(request: HttpRequest, action: str, **more):
    """The person's area view, if they may see it (403 and recorded if not), audited with
    the cases and children it names."""
    person = request.user
    if not may_see_area(person):
        _refused(request, "area_links")
    view = area_view(person)
    record(
        action, request=request, target_type="agency", target_id=person.agency_id,
        detail={**view.named(), **more},
    )  # fmt: skip
    return view


@login_required
@require_GET
def area_links_csv(request: HttpRequest) -> HttpResponse:
    view = _area(request, Action.AREA_LINKS_EXPORTED, format="csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="links-across-children.csv"'
    response.write("\ufeff")  # so a spreadsheet reads the names' accents
    writer = csv.writer(response)
    writer.writerow(["What", "Kind", "Children you may see", "Their cases",
                     "Other children (suppressed under the threshold)"])  # fmt: skip
    for row in view.rows:
        writer.writerow(safe_cells([
            short(row.thing.kind, row.written), row.thing.get_kind_display(),
            "; ".join(link.case.child.full_name for link in row.seen),
            "; ".join(link.case.reference for link in row.seen), row.others_shown,
        ]))  # fmt: skip
    writer.writerow([])
    writer.writerow(["Linked to two or more children and not shown to you", "", "", "", ""])
    for label, count in view.unseen_by_kind.items():
        writer.writerow([label, "", "", "", count])
    writer.writerow(["Peers under 18 (never listed)", "", "", "", view.peers])
    return response


@login_required
@require_GET
def link_oversight(request: HttpRequest) -> HttpResponse:
    """For IG officers: the matches their agency was told of, and unusual volumes."""
    person = request.user
    if person.role != Person.Role.INFORMATION_GOVERNANCE or person.agency_id is None:
        _refused(request, "information_governance")
    matches = paginate(request, matches_of(person.agency), 25)
    volumes = unusual_volumes(person.agency)
    record(
        Action.LINK_OVERSIGHT_VIEWED, request=request, target_type="agency",
        target_id=person.agency_id, detail={"page": matches.number},
    )  # fmt: skip
    return render(request, "links/oversight.html", {
        "page_obj": matches, "volumes": volumes,
        "unusual": settings.LINKS_UNUSUAL_PER_DAY, "per_hour": settings.LINKS_PER_HOUR,
    })  # fmt: skip

"""The case's Links tab: the people, vehicles, places, phones and accounts linked to it that
the reader's agency may read, and the form that links one (issue 20, item 1). Audited as
reads of the case, as its other tabs are."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

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
from cases.roles import Act, may
from cases.selectors import can, case_for
from cases.services import CaseClosed
from links.forms import FORMS, KindForm
from links.models import Link, Thing
from links.services import links_seen_by, record_link

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
    for link in rows:  # the choices as words (the link keeps their values as written)
        link.relationship_label = LABELS["relationship"].get(link.written.get("relationship"), "")
        link.place_type_label = LABELS["place_type"].get(link.written.get("place_type"), "")
    viewed(request, case, "links", page=rows.number, links=[link.pk for link in rows])
    return render(request, "links/case_links.html", {
        **section_context(person, case, "links"), "page_obj": rows,
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

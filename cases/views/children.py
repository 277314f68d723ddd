"""Finding a child, and recording a new child with their case (duplicates checked)."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.actions import Action
from audit.services import record
from cases import registry, selectors
from cases.flags import for_lists
from cases.forms import (
    ChildForm,
    SearchForm,
)
from cases.pages import DUPLICATE_CHECK_SALT, page, posted
from cases.roles import Act, require
from cases.services import create_child_and_case, possible_duplicates
from safeguarding.throttling import within_rate

# A search's terms are held in the person's session under a random id, and the results
# page is /children/?search=<id>&page=2: names and NHS numbers never travel in an address,
# so no access log, proxy log or browser history holds them (SECURITY.md, issue 16).
SEARCHES_KEY = "child_searches"
SEARCHES_KEPT = 20


def hold_search(request: HttpRequest, typed: dict[str, str]) -> str:
    """Keep what was typed in the session under a new random id; the newest few are kept."""
    held = request.session.get(SEARCHES_KEY, {})
    search_id = secrets.token_urlsafe(9)
    held[search_id] = typed
    request.session[SEARCHES_KEY] = dict(list(held.items())[-SEARCHES_KEPT:])
    return search_id


def held_search(request: HttpRequest) -> dict[str, str] | None:
    """What was typed for the address's `?search=<id>`, if this session holds it."""
    search_id = request.GET.get("search", "")
    return request.session.get(SEARCHES_KEY, {}).get(search_id) if search_id else None


@login_required
@require_http_methods(["GET", "POST"])
def children(request: HttpRequest) -> HttpResponse:
    """Find a child by name or alias, date of birth or NHS number, among those visible."""
    return search_step(request, "cases/children.html", "children")


def search_step(
    request: HttpRequest, template: str, url_name: str, *, for_contact: bool = False
) -> HttpResponse:
    """The child search, rate-limited and audited, rendered with `template` (also the first
    step of recording a contact, which finds children known only through contacts too).

    The form is posted; valid terms are held on the server and the browser is sent to
    `url_name`?search=<id>, which shows (and pages) the results with the form filled in."""
    posted_search = request.method == "POST"
    typed = (
        {key: request.POST.get(key, "") for key in SearchForm.FIELDS}
        if posted_search
        else held_search(request)
    )
    searched = typed is not None
    form = SearchForm(typed if searched else None)
    if posted_search and form.is_valid():
        # Counted against the rate when the results are shown, not here as well.
        search_id = hold_search(request, typed)
        seen = HttpResponseRedirect(f"{reverse(url_name)}?search={search_id}")
        seen.status_code = 303  # See Other: the results page is fetched with GET
        return seen
    if searched and not within_rate(
        "child-search", str(request.user.pk), settings.SEARCH_RATE_PER_MINUTE
    ):
        # Searching for children by the hundred is what a harvester does, not a worker.
        record(Action.PERMISSION_REFUSED, request=request, detail={"why": "search rate"})
        limit = {"limit": settings.SEARCH_RATE_PER_MINUTE}
        return render(request, "cases/search_limit.html", limit, status=429)
    page_obj = None
    if searched and form.is_valid():
        terms = form.terms
        found = selectors.search_pages(request.user, for_contact=for_contact, **terms)
        page_obj = page(request, found)
        with_flags(request.user, page_obj)
        # What was searched for is recorded (an access report must be able to say who
        # looked for a child), with how many were found and which were shown.
        born = terms["date_of_birth"]
        detail = {
            "name": terms["name"],
            "date_of_birth": born.isoformat() if born else "",
            "nhs_number": terms["nhs_number"],
            "results": page_obj.paginator.count,
            "page": page_obj.number,
            "children": [child.pk for child in page_obj],
        }
        if for_contact:
            detail["for"] = "contact"
        record(Action.SEARCH, request=request, target_type="child", detail=detail)
    return render(request, template, {"form": form, "page_obj": page_obj})


def with_flags(person, children) -> None:
    """Give each case of each child found its warning flags (cases.flags), all at once."""
    cases = [case for child in children for case in child.visible_cases]
    flags = registry.case_flags(person, cases, brief=True)
    for case in cases:
        case.flags = for_lists(flags[case.pk])


def confirmed_for(form: ChildForm, details: str) -> bool:
    """The "different child" box counts only for the details the warning was shown for."""
    if not form.cleaned_data.get("confirm_different"):
        return False
    try:
        checked = signing.loads(form.cleaned_data["checked_details"], salt=DUPLICATE_CHECK_SALT)
    except signing.BadSignature:
        return False
    return checked == details


@login_required
def child_new(request: HttpRequest) -> HttpResponse:
    """Record a child and open a case, after checking the child is not already recorded."""
    person = request.user
    require(person, Act.OPEN_CASE)
    form = ChildForm(posted(request))
    warning = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        checked = form.details_key()
        duplicates = possible_duplicates(
            person,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            nhs_number=data["nhs_number"],
        )
        same_nhs = any(d.same_nhs_number for d in duplicates)
        if same_nhs:
            form.add_error("nhs_number", "A child with this NHS number is already recorded")
        if duplicates and (same_nhs or not confirmed_for(form, checked)):
            warning = duplicate_warning(request, checked, duplicates, refused=same_nhs)
        else:
            try:
                case = create_child_and_case(
                    person,
                    child_fields=form.child_fields,
                    aliases=data["aliases"],
                    concern=data["concern"],
                )
            except IntegrityError:
                # Another person recorded the same NHS number a moment ago.
                if not data["nhs_number"]:
                    raise
                form.add_error("nhs_number", "A child with this NHS number is already recorded")
            else:
                messages.success(request, f"Case {case.reference} is open.")
                return redirect("case", case_id=case.pk)
    return render(
        request,
        "cases/child_new.html",
        {"form": form, "warning": warning, "confirm": confirmation(form, warning)},
    )


def confirmation(form: ChildForm, warning: dict | None) -> dict:
    """The "different child" box: offered after a warning, and kept through other errors."""
    if warning is not None:
        return {
            "show": not warning["refused"],
            "checked_details": warning["checked_details"],
            # A fresh warning is a fresh decision: the box starts clear.
            "checked": False,
        }
    previous = form["checked_details"].value() if form.is_bound else ""
    return {
        "show": bool(previous),
        "checked_details": previous,
        "checked": bool(form["confirm_different"].value()),
    }


def duplicate_warning(request, details: str, duplicates, *, refused: bool) -> dict:
    """What the person is told about possible duplicates: only what they may see."""
    person = request.user
    visible_ids = [d.child.pk for d in duplicates if d.child is not None]
    # Their cases as this person may see them (a child may have cases they may not).
    visible = list(selectors.search_children(person).filter(pk__in=visible_ids))
    reasons = {d.child.pk: d.reason for d in duplicates if d.child is not None}
    for child in visible:
        child.duplicate_reason = reasons[child.pk]
    hidden = any(d.child is None for d in duplicates)
    record(
        Action.DUPLICATE_WARNED,
        request=request,
        target_type="child",
        detail={
            "visible": visible_ids,
            "not_visible": len(duplicates) - len(visible_ids),
            "refused": refused,
            "reasons": sorted({d.reason for d in duplicates}),
        },
    )
    return {
        "visible": visible,
        "hidden": hidden,
        "refused": refused,
        "checked_details": signing.dumps(details, salt=DUPLICATE_CHECK_SALT),
    }

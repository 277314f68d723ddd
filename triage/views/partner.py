"""The partner's MASH screen: the checks the MASHes ask of a police force or health body.

Who may see it: MASH managers (role `mash_manager`) of an agency that is asked checks rather
than receiving contacts (triage.selectors.runs_partner_checks): the police force's MASH
sergeant sees what the force owes the MASHes and by when. Everyone else is answered 403
with the GOV.UK page and the refusal recorded, as for the triage screen: the page is about
a role, not one record. Every person in an agency still has the plain list of the checks
asked of it (the `checks` page), which they answer from.

The page records `contacts_listed` (the checks listed) before it is rendered, and costs the
same few queries whatever the number of checks.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.actions import Action
from audit.services import record
from people.models import Person
from safeguarding.paging import paginate
from triage import selectors
from triage.views.screen import time_left

PER_PAGE = 25
PARTNER_MANAGERS_ONLY = {"need": "partner_mash_manager"}


def _partner_manager(request: HttpRequest) -> Person:
    person = request.user
    if not selectors.runs_partner_checks(person):
        record(Action.PERMISSION_REFUSED, request=request, detail=PARTNER_MANAGERS_ONLY)
        raise PermissionDenied
    return person


@login_required
@require_GET
def checks_due(request: HttpRequest) -> HttpResponse:
    """The checks still outstanding for the person's agency, soonest due first, with the
    counts above them: outstanding, overdue, due within a day, answered in the last week."""
    person = _partner_manager(request)
    now = timezone.now()
    counts = selectors.checks_due_counts(person.agency, now)
    # The list is counted already: the paginator takes the number rather than a query.
    rows = selectors.checks_due(person.agency)
    page_obj = paginate(request, rows, PER_PAGE, count=counts["outstanding"])
    selectors.with_due_notes([], page_obj)
    for check in page_obj:
        check.time_left = time_left(check.due_at, now)
        check.is_overdue = check.overdue(now)
    record(
        Action.CONTACTS_LISTED,
        request=request,
        target_type="check",
        detail={
            "list": "checks_due",
            "page": page_obj.number,
            "checks": [check.pk for check in page_obj],
        },
    )
    return render(request, "triage/checks_due.html", {"page_obj": page_obj, "counts": counts})

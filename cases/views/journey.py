"""The child's journey as a picture: placements, missing episodes, contacts, decisions and
strategy discussions on a time line, with a table of the same events (cases.journey)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases import journey, selectors
from cases.forms import JourneyForm
from cases.pages import section_context, viewed


@login_required
@require_GET
def case_journey(request: HttpRequest, case_id: int) -> HttpResponse:
    """The journey over the last 12 months, or the range the person picks (GET)."""
    person = request.user
    case = selectors.case_for(person, case_id, audit_refusal=True)
    form = JourneyForm(request.GET or None)
    days = form.days
    # Audited as a read of the case, like the chronology page, before anything is shown.
    shown = {"from": days[0].isoformat(), "to": days[1].isoformat()} if days else {}
    viewed(request, case, "journey", **shown)
    return render(
        request,
        "cases/journey.html",
        {
            **section_context(person, case, "journey"),
            "form": form,
            "journey": journey.journey(person, case, *days) if days else None,
        },
    )

"""The benchmark's floor page: what any signed-in page costs before it does anything.

Mounted only in the benchmark's own process (bench/pages.py sets ROOT_URLCONF here), never
in the service: a signed-in GET through every middleware that renders the base template
(header, navigation, the inbox count) and writes one audit event, as every page does.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.http import require_GET

from audit.actions import Action
from audit.services import record

Action.declare("bench", BENCH_FLOOR=("bench_floor", "Opened the benchmark's floor page"))

_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}'
    '<h1 class="govuk-heading-l">Floor</h1><p class="govuk-body">Nothing else.</p>'
    "{% endblock %}"
)


@login_required
@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    record(Action.BENCH_FLOOR, request=request)
    return HttpResponse(_PAGE.render({}, request))


urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("", include("safeguarding.urls")),
]

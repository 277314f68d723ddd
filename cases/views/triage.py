"""The triage screen, its lists and dashboard (being written)."""

from django.http import HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:  # replaced as the pages are written
    return HttpResponse(status=501)


triage = _todo
missing = _todo
interviews = _todo
screenings = _todo
dashboard = _todo

"""The MASH triage API (being written)."""

from django.http import HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:  # replaced as the pages are written
    return HttpResponse(status=501)


contacts = _todo
contact = _todo
rating = _todo
checks = _todo
decision = _todo
answer = _todo
summary = _todo

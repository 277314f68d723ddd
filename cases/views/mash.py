"""Contact and partner-check pages (being written)."""

from django.http import HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:  # replaced as the pages are written
    return HttpResponse(status=501)


contacts_made = _todo
contact_new = _todo
contact_page = _todo
contact_rate = _todo
contact_assign = _todo
contact_checks = _todo
contact_decide = _todo
checks = _todo
check_page = _todo

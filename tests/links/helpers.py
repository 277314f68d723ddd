"""Recording links in tests as a person would, with when and how it was learned."""

import datetime as dt

from links.services import record_link

LEARNED = {"learned_on": dt.date(2026, 11, 30), "learned_how": "sighting", "restricted": False}


def link(person, case, kind, **written):
    """`link(person, case, "vehicle", registration="AB12 CDE", restricted=True)`."""
    more = {k: written.pop(k) for k in ("restricted", "learned_how") if k in written}
    return record_link(person, case, kind=kind, written=written, **(LEARNED | more))


def told_match(case):
    """A match between a council link on `case` and a Suffolk police link on a case of
    theirs, told to both agencies: made on first use straight in its tables, so making it
    records nothing (the audit walks count only what a request records)."""
    from django.utils import timezone

    from cases.models import Case, Child
    from cases.services import next_reference
    from links.models import Link, Match, Thing
    from notifications.models import Notification
    from people.models import Person

    match = Match.objects.filter(first__case=case).first()
    if match is not None:
        return match
    council, suffolk = (Person.objects.get(username=u) for u in
                        ("social.worker", "suffolk.officer"))  # fmt: skip
    child = Child.objects.create(first_name="Other", last_name="Child", created_by=suffolk)
    theirs = Case.objects.create(reference=next_reference(), child=child,
                                 lead_agency=suffolk.agency, opened_by=suffolk)  # fmt: skip
    thing = Thing.objects.create(kind="vehicle", key="MA7CH")
    ours, others = (
        Link.objects.create(case=on, thing=thing, agency=person.agency, recorded_by=person,
                            learned_on=dt.date(2026, 11, 1), learned_how="sighting",
                            written={"registration": "MA7 CH"}, matched_at=timezone.now())
        for on, person in ((case, council), (theirs, suffolk))
    )  # fmt: skip
    match = Match.objects.create(thing=thing, first=ours, second=others)
    for mine, other in ((ours, others), (others, ours)):
        Notification.objects.create(
            agency=mine.agency, subject_reference=match.reference, kind="link_match",
            summary="Another case holds this", subject_id=match.pk,
            caused_by=other.recorded_by, caused_by_agency=other.agency,
            acknowledge_by=timezone.now() + dt.timedelta(days=1),
        )  # fmt: skip
    return match

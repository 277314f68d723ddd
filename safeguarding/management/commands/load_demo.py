"""Load the fictional demo partnership. Refused unless DEBUG is on."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.context import audit_context
from people.demo import PEOPLE, build_partnership, demo_password
from safeguarding.demo import build_cases


class Command(BaseCommand):
    help = "Create the demo areas, agencies and people (idempotent; DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            # Demo people with a published password must never exist in a live system.
            raise CommandError("load_demo is refused when DEBUG is off.")
        # The demo's events say where they came from, like a request's or a task's.
        with audit_context(request_id="load-demo"):
            partnership = build_partnership()
            cases = build_cases(partnership)
        self.stdout.write(self.style.SUCCESS("Demo partnership ready. Sign in as any of:"))
        for p in PEOPLE:
            person = partnership.people[p.username]
            self.stdout.write(
                f"  {p.username:<16} {person.get_full_name()}, {person.get_role_display()}, "
                f"{person.agency}"
            )
        self.stdout.write(f"Password for all of them: {demo_password()}")
        self.stdout.write(
            f"{len(cases)} fictional cases, e.g. {', '.join(c.reference for c in cases[:4])}"
        )

"""Print a demo person's current two-factor code, for scripts. Refused unless DEBUG is on."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from people.demo import demo_code_for
from people.models import Person


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo person (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_otp_code is refused when DEBUG is off.")
        person = Person.objects.filter(username=username).first()
        demo = demo_code_for(person) if person else None
        if demo is None:
            raise CommandError(f"{username} is not a demo person with an authenticator.")
        if demo["used"]:
            # Each code signs in once; a script should wait for the next one.
            self.stderr.write(f"That code has been used; the next comes in {demo['next_in']} s.")
        self.stdout.write(demo["code"])

"""`manage.py publish_seals`: append to the published seal file every seal not yet in it.

The sealer does this itself after every round (audit/published.py); by hand it is for
catching up at once, and, with `--start`, for starting the file on a database that had
seals before publishing was set up. The sealer will not start a missing file for an older
chain by itself, since a file that vanished must be reported, not made again.
"""

from django.core.management.base import BaseCommand, CommandError

from audit.published import NotPublished, append_new_seals, publish_path
from audit.sealing import verify


class Command(BaseCommand):
    help = (
        "Append every seal not yet in the published seal file (AUDIT_SEAL_PUBLISH_PATH). "
        "With --start, make the file first if it is missing, after verifying the chain."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--start",
            action="store_true",
            help="make the file if it is missing (only where publishing is new: a file "
            "that was lost should be restored, not started again)",
        )

    def handle(self, *args, start: bool = False, **options):
        path = publish_path()
        if start and not path.exists():
            # Only a chain that verifies is worth anchoring the file to.
            result = verify(check_published=False)
            if not result.ok:
                raise CommandError(f"Not started: the chain does not verify: {result.problem}")
        try:
            appended = append_new_seals(path, start=start)
        except (OSError, NotPublished) as error:
            raise CommandError(f"Nothing appended to {path}: {error}") from error
        self.stdout.write(f"Appended {appended:,} seals to {path}.")

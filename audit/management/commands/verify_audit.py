"""`manage.py verify_audit`: check the audit log's hash chain and every sealed event."""

from django.core.management.base import BaseCommand, CommandError

from audit.sealing import MAX_EVENTS_PER_ROUND, seal_pending, verify


class Command(BaseCommand):
    help = (
        "Verify the audit seals and every sealed event; exit non-zero naming the first "
        "event or seal that was removed, inserted or altered."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seal-first", action="store_true", help="seal pending events before verifying"
        )
        parser.add_argument(
            "--expect-seal",
            metavar="HASH",
            help="a seal hash published earlier, which must still be in the chain",
        )

    def handle(self, *args, seal_first: bool = False, expect_seal: str | None = None, **options):
        if seal_first:
            sealed = this_round = seal_pending()
            while this_round >= MAX_EVENTS_PER_ROUND:  # a backlog: carry on to its end
                this_round = seal_pending()
                sealed += this_round
            self.stdout.write(f"Sealed {sealed:,} events.")
        result = verify(expect_seal=expect_seal)
        if not result.ok:
            raise CommandError(f"Audit log verification failed: {result.problem}")
        seals = f"{result.seals:,} seal{'' if result.seals == 1 else 's'}"
        head = (
            f"chain head seal {result.head_id}, hash {result.head_hash}"
            if result.head_id
            else "no seals yet"
        )
        self.stdout.write(
            f"Verified {result.events_verified:,} events in {seals} ({head}); "
            f"{result.unsealed:,} events not yet sealed."
        )

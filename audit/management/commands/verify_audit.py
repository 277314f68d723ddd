"""`manage.py verify_audit`: check the audit log's hash chain, every sealed event, and the
chain against the seals published outside the database (audit/published.py)."""

from django.core.management.base import BaseCommand, CommandError

from audit.sealing import MAX_EVENTS_PER_ROUND, seal_pending, verify


class Command(BaseCommand):
    help = (
        "Verify the audit seals and every sealed event, and compare the chain with the "
        "published seal file (AUDIT_SEAL_PUBLISH_PATH); exit non-zero naming the first "
        "event or seal that was removed, inserted or altered, or what is wrong with the file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seal-first", action="store_true", help="seal pending events before verifying"
        )
        parser.add_argument(
            "--expect-seal",
            metavar="HASH",
            help="a seal hash kept by other means (the daily digest, say), which must "
            "still be in the chain",
        )
        published = parser.add_mutually_exclusive_group()
        published.add_argument(
            "--published",
            metavar="PATH",
            help="compare the chain with this published seal file (a copy, say) instead "
            "of AUDIT_SEAL_PUBLISH_PATH",
        )
        published.add_argument(
            "--no-published",
            action="store_true",
            help="do not compare the chain with a published seal file. Weaker: the newest "
            "events and seals can then be removed unseen. For checking a database copy "
            "(a restored backup) on its own",
        )

    def handle(
        self,
        *args,
        seal_first: bool = False,
        expect_seal: str | None = None,
        published: str | None = None,
        no_published: bool = False,
        **options,
    ):
        if seal_first:
            sealed = this_round = seal_pending()
            while this_round >= MAX_EVENTS_PER_ROUND:  # a backlog: carry on to its end
                this_round = seal_pending()
                sealed += this_round
            self.stdout.write(f"Sealed {sealed:,} events.")
        result = verify(
            expect_seal=expect_seal, check_published=not no_published, published_path=published
        )
        if not result.ok:
            raise CommandError(f"Audit log verification failed: {result.problem}")
        seals = f"{result.seals:,} seal{'' if result.seals == 1 else 's'}"
        head = (
            f"chain head seal {result.head_number}, hash {result.head_hash}"
            if result.head_id
            else "no seals yet"
        )
        self.stdout.write(
            f"Verified {result.events_verified:,} events in {seals} ({head}); "
            f"{result.unsealed:,} events not yet sealed."
        )
        if result.published_path is None:
            self.stdout.write("Not compared with a published seal file.")
            return
        if result.published_up_to:
            published_seals = f"seals 1 to {result.published_up_to} match the chain"
        else:
            published_seals = "no seals yet"
        if result.head_number > result.published_up_to:
            published_seals += (
                f"; seals {result.published_up_to + 1} to {result.head_number} are new and "
                "not in it yet"
            )
        self.stdout.write(f"Published seal file {result.published_path}: {published_seals}.")

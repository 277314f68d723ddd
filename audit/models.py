"""The append-only audit log. Depends on no other app of ours.

Who did something is copied into the event (id, username, agency) rather than linked by
foreign key: the record must say who it was at that moment, must never change when the
person does, and must not stop a person or agency being deactivated or renamed.
The database refuses UPDATE, DELETE and TRUNCATE on this table (migration 0001).
Which actions exist is declared by the apps that record them (audit/actions.py).
"""

from django.db import models
from django.utils import timezone

from audit.actions import Action


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    # One of the actions the apps declare (audit/actions.py); no choices, so a new action
    # needs no migration here.
    action = models.CharField(max_length=40)
    # Who: copied, not linked (see the module docstring). Empty for anonymous attempts.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency_id = models.BigIntegerField(null=True, blank=True)
    actor_agency = models.CharField(max_length=200, blank=True)
    # What it was done to: a kind ("person", "case", "token") and its id.
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    # Where from.
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # Small, machine-readable facts (a path, a method, a reason code); never case text.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor_id", "occurred_at"], name="audit_event_actor_time"),
            models.Index(
                fields=["target_type", "target_id", "occurred_at"], name="audit_event_target"
            ),
            models.Index(fields=["action", "occurred_at"], name="audit_event_action_time"),
            # Information governance reads everything its agency's people did.
            models.Index(fields=["actor_agency_id", "occurred_at"], name="audit_event_agency_time"),
            # Access reports read newest first and stop after a page (reports.selectors).
            models.Index(fields=["-occurred_at", "-id"], name="audit_event_newest"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "anonymous"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action}"

    def get_action_display(self) -> str:
        return Action.label(self.action)


GENESIS_HASH = "0" * 64


class Seal(models.Model):
    """One link of the hash chain over the event log (see audit/sealing.py).

    A seal covers the events with id in (previous seal's last_event_id, last_event_id]:
    `first_event_id` is the previous seal's last plus one (1 for the first seal), `gaps`
    lists the id ranges inside that had no row when it was sealed (rolled-back inserts
    leave sequence gaps), and `digests` holds an 8-byte keyed digest of every event in id
    order, so verification can name the event that changed. Append-only, like events.

    `number` counts the seals from 1 in chain order (each is the previous one's plus one).
    It is how a seal is named outside the database, where its hash is published as it is
    made (audit/published.py); it is not part of the hash, and verify checks the numbers
    run without a break.
    """

    id = models.BigAutoField(primary_key=True)
    number = models.BigIntegerField()
    sealed_at = models.DateTimeField(default=timezone.now)
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.IntegerField()
    # [[from, to], ...] inclusive id ranges with no row, ascending.
    gaps = models.JSONField(default=list, blank=True)
    digests = models.BinaryField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["last_event_id"]
        constraints = [
            # Two sealers racing cannot fork the chain: both would claim the same
            # predecessor (and, usually, the same range); the second insert fails.
            models.UniqueConstraint(fields=["last_event_id"], name="audit_seal_last_event_unique"),
            models.UniqueConstraint(fields=["previous_hash"], name="audit_seal_previous_unique"),
            models.UniqueConstraint(fields=["number"], name="audit_seal_number_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="audit_seal_number_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(first_event_id__gte=1)
                & models.Q(last_event_id__gte=models.F("first_event_id"))
                & models.Q(event_count__gte=1),
                name="audit_seal_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"seal {self.number}: events {self.first_event_id}–{self.last_event_id}"

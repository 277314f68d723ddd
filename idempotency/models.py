"""What was recorded for a form token or an `Idempotency-Key`, so a repeat records nothing.

Request plumbing, not a domain concept: it sits below `people`, so the person is a plain
integer id, not a foreign key.
"""

from django.db import models


class Claim(models.Model):
    """One form submission or API request that recorded something, by the person who sent it.

    The unique constraint is the lock: the first request inserts its row in the same
    transaction as its change; a repeat's insert waits for that transaction and then finds
    the row. Rows older than `services.KEPT` are forgotten.
    """

    class Kind(models.TextChoices):
        FORM = "form", "form token"
        API = "api", "Idempotency-Key"
        # The same form sent again with the same details under a new token: the back
        # button, which fetches the form afresh (a new token) with what was typed restored.
        ECHO = "echo", "same form, same details"

    person_id = models.BigIntegerField()
    kind = models.CharField(max_length=4, choices=Kind.choices)
    key = models.CharField(max_length=255)
    # API: the method, path and body the key was first used with (a hash).
    fingerprint = models.CharField(max_length=64, blank=True)
    # Form: where the first submission sent the person.
    location = models.CharField(max_length=2000, blank=True)
    # API: the first answer.
    status = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_id", "kind", "key"], name="idempotency_claim_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} claim {self.pk} of person {self.person_id}"

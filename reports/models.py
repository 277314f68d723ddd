"""What the access reports keep of their own: the days the seal digest went out."""

from django.db import models
from django.utils import timezone


class SealDigest(models.Model):
    """One row per UK day the audit seal digest was sent (reports/seal_digest.py).

    Made in the transaction that sends the email, so however often the task runs, a day
    gets one digest: a second run finds the day taken; a send that fails rolls its row
    back and the next run tries again.
    """

    day = models.DateField(unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField()
    head_number = models.BigIntegerField()
    head_hash = models.CharField(max_length=64, blank=True)
    file_intact = models.BooleanField()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"seal digest for {self.day:%-d %B %Y}"

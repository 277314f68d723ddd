"""Shares: an agency's lawful access to a case, and emergency (break-glass) access.

Shares are the truth; the case permission rows in `cases` are derived from them.
"""

from django.db import models
from django.utils import timezone

from cases.access import Level
from people.models import Agency, Person


class LawfulBasis(models.TextChoices):
    CA1989_S17 = "ca1989_s17", "Children Act 1989 s.17 (child in need)"
    CA1989_S47 = "ca1989_s47", "Children Act 1989 s.47 (enquiry into significant harm)"
    CA2004_S11 = "ca2004_s11", "Children Act 2004 s.11 (duty to safeguard)"
    CDA1998_S115 = "cda1998_s115", "Crime and Disorder Act 1998 s.115"
    GDPR_6E_9G = (
        "gdpr_6e_9g",
        "UK GDPR Art. 6(1)(e) and Art. 9(2)(g), DPA 2018 Sch. 1 (safeguarding of children)",
    )
    PLACEMENT_NOTIFICATION = (
        "placement",
        "Care Planning Regulations 2010 reg. 13 (notice of placement)",
    )


class Share(models.Model):
    """An agency's lawful access to a case. The truth from which permissions are derived."""

    # The levels are the case access rule's (cases.access): a share gives one of them.
    Level = Level

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="shares")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="shares")
    level = models.CharField(max_length=20, choices=Level.choices)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    purpose = models.CharField(max_length=500)
    shared_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True)
    shared_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Why access was taken away, as the person revoking gave it (also on the chronology).
    revoke_reason = models.CharField(max_length=1000, blank=True, default="", db_default="")
    # A placement notice's share, once the child has left the area (issue 19): it lapses
    # at `lapses_at` (sharing.services.lapse_due_shares) unless the agency renews it, with
    # a reason, for as long again (the latest renewal is kept here, and on the chronology).
    lapses_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    renewed_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    renew_reason = models.CharField(max_length=1000, blank=True, default="", db_default="")

    class Meta:
        indexes = [
            models.Index(fields=["agency", "acknowledged_at", "-shared_at"], name="share_inbox"),
            models.Index(fields=["case", "agency"], name="share_case_agency"),
            models.Index(
                fields=["lapses_at"],
                condition=models.Q(lapses_at__isnull=False, revoked_at__isnull=True),
                name="share_to_lapse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.agency} ({self.level})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class EmergencyAccess(models.Model):
    """Break-glass: one person, one case, a written reason, a few hours. Always reviewed."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.CharField(max_length=1000)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Reviewed afterwards by information governance at the agency that manages the case.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    review_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name_plural = "emergency accesses"
        indexes = [models.Index(fields=["person", "expires_at"], name="emergency_person_expiry")]

    def __str__(self) -> str:
        return f"{self.person} on {self.case} until {self.expires_at:%Y-%m-%d %H:%M}"

"""The append-only audit log. Depends on no other app of ours.

Who did something is copied into the event (id, username, agency) rather than linked by
foreign key: the record must say who it was at that moment, must never change when the
person does, and must not stop a person or agency being deactivated or renamed.
The database refuses UPDATE, DELETE and TRUNCATE on this table (migration 0002).
"""

from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed to sign in"
    LOCKED_OUT = "locked_out", "Locked out after failed sign-ins"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere", "Signed out of every other session"
    SESSION_EXPIRED = "session_expired", "Session reached its maximum lifetime"
    SECOND_FACTOR_VERIFIED = "second_factor_verified", "Verified a second factor"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Entered a wrong second-factor code"
    RECOVERY_CODE_USED = "recovery_code_used", "Used a recovery code"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Set up two-factor sign-in"
    SECOND_FACTOR_RESET = "second_factor_reset", "Reset a person's two-factor sign-in"
    TOKEN_CREATED = "token_created", "Created an API token"
    TOKEN_REVOKED = "token_revoked", "Revoked an API token"
    TOKEN_REFUSED = "token_refused", "Presented an unusable API token"
    API_REQUEST = "api_request", "Called the API"
    PERMISSION_REFUSED = "permission_refused", "Was refused access"
    ADMIN_CHANGE = "admin_change", "Changed a record in administration"
    # Case data: every read and every change.
    SEARCH = "search", "Searched for a child"
    CHILD_CREATED = "child_created", "Recorded a child"
    DUPLICATE_WARNED = "duplicate_warned", "Was warned of a possible duplicate child"
    CASE_OPENED = "case_opened", "Opened a case"
    CASE_LISTED = "case_listed", "Listed cases"
    CASE_VIEWED = "case_viewed", "Viewed a case"
    CASE_CLOSED = "case_closed", "Closed a case"
    CHRONOLOGY_EXPORTED = "chronology_exported", "Exported or printed a chronology"
    ENTRY_ADDED = "entry_added", "Added a chronology entry"
    ENTRY_AMENDED = "entry_amended", "Amended a chronology entry"
    SCREENING_RECORDED = "screening_recorded", "Recorded a CSE screening"
    SHARED = "shared", "Shared a case"
    SHARE_ACKNOWLEDGED = "share_acknowledged", "Acknowledged a share"
    SHARE_REVOKED = "share_revoked", "Revoked a share"
    EMERGENCY_ACCESS = "emergency_access", "Used emergency access"
    EMERGENCY_ACCESS_REVIEWED = "emergency_access_reviewed", "Reviewed an emergency access"
    # Reading the audit log is itself audited.
    ACCESS_REPORT_VIEWED = "access_report_viewed", "Viewed an access report"
    ACCESS_REPORT_EXPORTED = "access_report_exported", "Exported an access report"
    # Placements, missing children and the notifications they send.
    PLACEMENT_RECORDED = "placement_recorded", "Recorded a placement"
    PLACEMENT_ENDED = "placement_ended", "Ended a placement"
    MISSING_REPORTED = "missing_reported", "Reported a child missing"
    RETURN_RECORDED = "return_recorded", "Recorded a missing child's return"
    RETURN_INTERVIEW_RECORDED = "return_interview_recorded", "Recorded a return home interview"
    NOTIFICATIONS_LISTED = "notifications_listed", "Read the agency's notifications"
    NOTIFICATION_ACKNOWLEDGED = "notification_acknowledged", "Acknowledged a notification"
    WEBHOOK_CHANGED = "webhook_changed", "Changed the agency's webhook"
    # MASH triage.
    CONTACT_RECORDED = "contact_recorded", "Recorded a contact to the MASH"
    CONTACT_VIEWED = "contact_viewed", "Viewed a MASH contact"
    CONTACTS_LISTED = "contacts_listed", "Listed MASH contacts"
    CONTACT_RATED = "contact_rated", "RAG rated a MASH contact"
    CONTACT_ASSIGNED = "contact_assigned", "Assigned a MASH contact"
    CHECK_REQUESTED = "check_requested", "Requested a partner check"
    CHECK_VIEWED = "check_viewed", "Viewed a partner check"
    CHECK_ANSWERED = "check_answered", "Answered a partner check"
    CONTACT_DECIDED = "contact_decided", "Decided a MASH contact"
    TRIAGE_VIEWED = "triage_viewed", "Viewed the MASH triage screen or dashboard"


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40, choices=Action.choices)
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
        ]

    def __str__(self) -> str:
        who = self.actor_username or "anonymous"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action}"


GENESIS_HASH = "0" * 64


class Seal(models.Model):
    """One link of the hash chain over the event log (see audit/sealing.py).

    A seal covers the events with id in (previous seal's last_event_id, last_event_id]:
    `first_event_id` is the previous seal's last plus one (1 for the first seal), `gaps`
    lists the id ranges inside that had no row when it was sealed (rolled-back inserts
    leave sequence gaps), and `digests` holds an 8-byte keyed digest of every event in id
    order, so verification can name the event that changed. Append-only, like events.
    """

    id = models.BigAutoField(primary_key=True)
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
            models.CheckConstraint(
                condition=models.Q(first_event_id__gte=1)
                & models.Q(last_event_id__gte=models.F("first_event_id"))
                & models.Q(event_count__gte=1),
                name="audit_seal_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"seal {self.pk}: events {self.first_event_id}–{self.last_event_id}"

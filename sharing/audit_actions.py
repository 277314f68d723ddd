"""The audit actions sharing records. Shares and emergency access."""

from audit.actions import Action

Action.declare(
    "sharing",
    SHARED=("shared", "Shared a case"),
    SHARE_ACKNOWLEDGED=("share_acknowledged", "Acknowledged a share"),
    SHARE_REVOKED=("share_revoked", "Revoked a share"),
    EMERGENCY_ACCESS=("emergency_access", "Used emergency access"),
    EMERGENCY_ACCESS_REVIEWED=("emergency_access_reviewed", "Reviewed an emergency access"),
)

"""The audit actions sharing records. Shares and emergency access."""

from audit.actions import Action

Action.declare(
    "sharing",
    SHARED=("shared", "Shared a case"),
    SHARE_ACKNOWLEDGED=("share_acknowledged", "Acknowledged a share"),
    SHARE_REVOKED=("share_revoked", "Revoked a share"),
    SHARE_LAPSE_SET=("share_lapse_set", "Set a placement notice's share to lapse"),
    SHARE_LAPSED=("share_lapsed", "A placement notice's share lapsed"),
    SHARE_RENEWED=("share_renewed", "Renewed a share that was to lapse"),
    EMERGENCY_ACCESS=("emergency_access", "Used emergency access"),
    EMERGENCY_ACCESS_REVIEWED=("emergency_access_reviewed", "Reviewed an emergency access"),
)

"""The audit actions notifications records. The agency's notifications, their acknowledgement and
its webhook.
"""

from audit.actions import Action

Action.declare(
    "notifications",
    NOTIFICATIONS_LISTED=("notifications_listed", "Read the agency's notifications"),
    NOTIFICATION_ACKNOWLEDGED=("notification_acknowledged", "Acknowledged a notification"),
    WEBHOOK_CHANGED=("webhook_changed", "Changed the agency's webhook"),
    OWN_CASE_OPENED=(
        "own_case_opened",
        "Opened its own case on a child it was shown through this case",
    ),
)

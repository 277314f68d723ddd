"""The audit actions reports records. Reading the audit log is itself audited."""

from audit.actions import Action

Action.declare(
    "reports",
    ACCESS_REPORT_VIEWED=("access_report_viewed", "Viewed an access report"),
    ACCESS_REPORT_EXPORTED=("access_report_exported", "Exported an access report"),
)

"""The audit actions missing records. Placements, missing children, returns and return home
interviews.
"""

from audit.actions import Action

Action.declare(
    "missing",
    PLACEMENT_RECORDED=("placement_recorded", "Recorded a placement"),
    PLACEMENT_ENDED=("placement_ended", "Ended a placement"),
    MISSING_REPORTED=("missing_reported", "Reported a child missing"),
    MISSING_REGRADED=("missing_regraded", "Changed a missing child's risk grading"),
    RETURN_RECORDED=("return_recorded", "Recorded a missing child's return"),
    RETURN_INTERVIEW_RECORDED=("return_interview_recorded", "Recorded a return home interview"),
    REPEAT_MISSING_ALERT_RAISED=(
        "repeat_missing_alert_raised",
        "Raised a repeat-missing alert (strategy discussion due)",
    ),
    REPEAT_RULE_CHANGED=("repeat_rule_changed", "Changed an agency's repeat-missing rule"),
    PROFILE_VIEWED=("profile_viewed", "Read a child's missing-from-care profile"),
    PROFILE_CHANGED=("profile_changed", "Changed a child's missing-from-care profile"),
    PROFILE_REVIEWED=("profile_reviewed", "Reviewed a child's missing-from-care profile"),
    PROFILE_PHOTO_ADDED=("profile_photo_added", "Added a photo to a missing-from-care profile"),
    PROFILE_PHOTO_REMOVED=("profile_photo_removed", "Removed a missing-from-care profile's photo"),
    PROFILE_ERASED=("profile_erased", "Erased a profile's photo and third parties' details"),
)

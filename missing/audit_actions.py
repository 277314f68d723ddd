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
)

"""The audit actions cases records. Case data: every read and every change of children, cases, the
chronology and screenings.
"""

from audit.actions import Action

Action.declare(
    "cases",
    SEARCH=("search", "Searched for a child"),
    CHILD_CREATED=("child_created", "Recorded a child"),
    DUPLICATE_WARNED=("duplicate_warned", "Was warned of a possible duplicate child"),
    CASE_OPENED=("case_opened", "Opened a case"),
    CASE_LISTED=("case_listed", "Listed cases"),
    CASE_VIEWED=("case_viewed", "Viewed a case"),
    CASE_CLOSED=("case_closed", "Closed a case"),
    CHRONOLOGY_EXPORTED=("chronology_exported", "Exported or printed a chronology"),
    ENTRY_ADDED=("entry_added", "Added a chronology entry"),
    ENTRY_AMENDED=("entry_amended", "Amended a chronology entry"),
    SCREENING_RECORDED=("screening_recorded", "Recorded a CSE screening"),
    ASSESSMENT_RECORDED=("assessment_recorded", "Recorded an exploitation risk assessment"),
    ASSESSMENT_LEVEL_AGREED=("assessment_level_agreed", "Agreed a lower exploitation risk level"),
    ASSESSMENT_CONTRIBUTED=(
        "assessment_contributed",
        "Added an agency's part to an exploitation risk assessment",
    ),
)

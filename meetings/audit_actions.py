"""The audit actions meetings records (issue 22)."""

from audit.actions import Action

Action.declare(
    "meetings",
    MEETING_SCHEDULED=("meeting_scheduled", "Scheduled a meeting about children"),
    MEETING_ATTENDANCE_RECORDED=("meeting_attendance_recorded", "Recorded who attended"),
    MINUTES_ITEM_ADDED=("minutes_item_added", "Added an item to a meeting's minutes"),
    MINUTES_PUBLISHED=("minutes_published", "Published minutes to the children's chronologies"),
    ACTION_AGREED=("action_agreed", "Gave an agency an action from a meeting"),
    ACTION_CLOSED=("action_closed", "Closed an action: done or dropped"),
    MEETING_VIEWED=("meeting_viewed", "Read a meeting"),
    MEETINGS_LISTED=("meetings_listed", "Listed meetings"),
    ACTIONS_LISTED=("actions_listed", "Listed an agency's actions"),
    MEETING_THING_DISCUSSED=(
        "meeting_thing_discussed",
        "Added a person, vehicle or place discussed",
    ),
    AGENDA_DECIDED=("agenda_decided", "Accepted or dismissed a proposed agenda item"),
    MEETING_PACK_MADE=("meeting_pack_made", "Made a meeting pack (printable or PDF)"),
)

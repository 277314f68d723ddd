"""The audit actions triage records. MASH triage: contacts, ratings, partner checks, decisions and
the triage screen.
"""

from audit.actions import Action

Action.declare(
    "triage",
    CONTACT_RECORDED=("contact_recorded", "Recorded a contact to the MASH"),
    CONTACT_VIEWED=("contact_viewed", "Viewed a MASH contact"),
    CONTACTS_LISTED=("contacts_listed", "Listed MASH contacts"),
    CONTACT_RATED=("contact_rated", "RAG rated a MASH contact"),
    CONTACT_ASSIGNED=("contact_assigned", "Assigned a MASH contact"),
    CHECK_REQUESTED=("check_requested", "Requested a partner check"),
    CHECK_VIEWED=("check_viewed", "Viewed a partner check"),
    CHECK_ANSWERED=("check_answered", "Answered a partner check"),
    CHECK_CLOSED=("check_closed", "Closed a partner check without its answer"),
    CONTACT_DECIDED=("contact_decided", "Decided a MASH contact"),
    TRIAGE_VIEWED=("triage_viewed", "Viewed the MASH triage screen or dashboard"),
)

"""The audit actions links records: things of concern linked to a case (issue 20)."""

from audit.actions import Action

Action.declare(
    "links",
    LINK_RECORDED=("link_recorded", "Linked a person, vehicle, place, phone or account to a case"),
    LINK_MATCHED=("link_matched", "Found a thing linked to two cases, and told each side"),
    LINK_RATE_LIMITED=("link_rate_limited", "Refused a link: too many linked in the last hour"),
    LINK_MATCH_VIEWED=("link_match_viewed", "Read a match between cases"),
    LINK_CHART_VIEWED=("link_chart_viewed", "Saw other children's cases that share a link"),
    AREA_LINKS_VIEWED=("area_links_viewed", "Read the area's links across children (MACE)"),
    AREA_LINKS_EXPORTED=("area_links_exported", "Exported the area's links across children"),
    LINK_OVERSIGHT_VIEWED=("link_oversight_viewed", "Read the matches and link volumes (IG)"),
)

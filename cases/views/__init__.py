"""Pages for children, cases, the chronology and screenings (shares: `sharing.views`).

Every case is fetched with `cases.selectors.case_for`, so anything the person may not see
answers 404, whether it exists or not. Every change is a service call, which writes its
own audit event and chronology entry. Reads are audited here, before the page is rendered,
so a read is on record even if rendering then fails: every page that shows a case records
`case_viewed`, lists record `case_listed`, searches `search`, print and CSV
`chronology_exported`.
"""

from cases.views.assessment import (
    assessment_agree,
    assessment_contribute,
    assessment_new,
    assessments,
    screenings,
)
from cases.views.case import (
    case_close,
    case_details,
    case_export,
    case_list,
    case_page,
    case_print,
)
from cases.views.children import child_new, children
from cases.views.chronology import entry_amend, entry_new
from cases.views.journey import case_journey

__all__ = [
    "assessment_agree",
    "assessment_contribute",
    "assessment_new",
    "assessments",
    "case_close",
    "case_details",
    "case_export",
    "case_journey",
    "case_list",
    "case_page",
    "case_print",
    "child_new",
    "children",
    "entry_amend",
    "entry_new",
    "screenings",
]  # fmt: skip

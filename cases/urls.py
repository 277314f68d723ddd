"""Pages for children, cases, the chronology and screenings."""

from django.urls import path

from cases import views

urlpatterns = [
    path("children/", views.children, name="children"),
    path("children/new/", views.child_new, name="child-new"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/details/", views.case_details, name="case-details"),
    path("cases/<int:case_id>/entries/new/", views.entry_new, name="entry-new"),
    path("cases/<int:case_id>/entries/<int:entry_id>/amend/", views.entry_amend,
         name="entry-amend"),
    # Scored screenings: history only; a POST answers 410 (issue 21).
    path("cases/<int:case_id>/screening/", views.screenings, name="screenings"),
    path("cases/<int:case_id>/assessments/", views.assessments, name="assessments"),
    path("cases/<int:case_id>/assessments/new/", views.assessment_new, name="assessment-new"),
    path("cases/<int:case_id>/assessments/contribute/", views.assessment_contribute,
         name="assessment-contribute"),
    path("cases/<int:case_id>/assessments/<int:assessment_id>/agree/", views.assessment_agree,
         name="assessment-agree"),
    path("cases/<int:case_id>/close/", views.case_close, name="case-close"),
    path("cases/<int:case_id>/print/", views.case_print, name="case-print"),
    path("cases/<int:case_id>/journey/", views.case_journey, name="case-journey"),
    path("cases/<int:case_id>/export.csv", views.case_export, name="case-export"),
]  # fmt: skip

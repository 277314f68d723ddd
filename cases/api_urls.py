"""The case API under /api/v1/: children, cases, entries and screenings."""

from django.urls import path

from cases import api

urlpatterns = [
    path("children/", api.children, name="api-children"),
    path("children/<int:child_id>/", api.child, name="api-child"),
    path("cases/", api.cases, name="api-cases"),
    path("cases/<int:case_id>/", api.case, name="api-case"),
    path("cases/<int:case_id>/close/", api.close, name="api-case-close"),
    path("cases/<int:case_id>/entries/", api.entries, name="api-case-entries"),
    path("cases/<int:case_id>/entries/<int:entry_id>/", api.entry, name="api-case-entry"),
    path("cases/<int:case_id>/screenings/", api.screenings, name="api-case-screenings"),
    path("cases/<int:case_id>/screenings/<int:screening_id>/", api.screening,
         name="api-case-screening"),
    path("cases/<int:case_id>/assessments/", api.assessments, name="api-case-assessments"),
    path("cases/<int:case_id>/assessments/<int:assessment_id>/", api.assessment,
         name="api-case-assessment"),
    path("cases/<int:case_id>/assessments/<int:assessment_id>/agree/", api.assessment_agree,
         name="api-case-assessment-agree"),
    path("cases/<int:case_id>/assessment-contributions/", api.contributions,
         name="api-case-assessment-contributions"),
    path("cases/<int:case_id>/assessment-contributions/<int:contribution_id>/",
         api.contribution, name="api-case-assessment-contribution"),
]  # fmt: skip

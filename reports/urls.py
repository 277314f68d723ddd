"""Access reports: the log read back for information governance, and case histories."""

from django.urls import path

from reports import interview_views, views

urlpatterns = [
    path("access-reports/", views.access_reports, name="access-reports"),
    path("access-reports/events/", views.access_events, name="access-events"),
    path("access-reports/events.csv", views.access_events_export, name="access-events-export"),
    path("access-reports/emergency-access/", views.emergency_reviews, name="emergency-reviews"),
    path("access-reports/emergency-access/<int:access_id>/review/", views.emergency_review,
         name="emergency-review"),
    path("cases/<int:case_id>/access/", views.case_access, name="case-access"),
    path("cases/<int:case_id>/access-history/", views.case_access_history,
         name="case-access-history"),
    path("cases/<int:case_id>/access-history.csv", views.case_access_history_export,
         name="case-access-history-export"),
    path("reports/return-interviews/", interview_views.return_interviews,
         name="return-interview-report"),
    path("reports/return-interviews.csv", interview_views.return_interviews_csv,
         name="return-interview-report-csv"),
]  # fmt: skip

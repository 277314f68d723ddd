"""The access-report API under /api/v1/audit/: events and emergency-access reviews."""

from django.urls import path

from reports import api as api_access
from reports import interview_views

urlpatterns = [
    path("audit/events/", api_access.events, name="api-audit-events"),
    path("audit/emergency-accesses/", api_access.emergency_accesses,
         name="api-audit-emergency-accesses"),
    path("audit/emergency-accesses/<int:access_id>/review/", api_access.review,
         name="api-audit-emergency-access-review"),
    path("reports/return-interviews/", interview_views.return_interviews_api,
         name="api-return-interview-report"),
]  # fmt: skip

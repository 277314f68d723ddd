"""The meetings API under /api/v1/ (issue 22)."""

from django.urls import path

from meetings import api

urlpatterns = [
    path("meetings/", api.meetings, name="api-meetings"),
    path("meetings/<int:meeting_id>/", api.meeting, name="api-meeting"),
    path("meetings/<int:meeting_id>/actions/", api.meeting_actions, name="api-meeting-actions"),
    path("actions/", api.actions, name="api-actions"),
    path("actions/<int:action_id>/", api.action, name="api-action"),
    path("actions/<int:action_id>/close/", api.action_close, name="api-action-close"),
]

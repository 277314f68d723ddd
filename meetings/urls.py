"""Pages for meetings and their actions (issue 22)."""

from django.urls import path

from meetings import views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("meetings/<int:meeting_id>/attendance/", views.meeting_attendance,
         name="meeting-attendance"),
    path("meetings/<int:meeting_id>/items/", views.meeting_item, name="meeting-item"),
    path("meetings/<int:meeting_id>/things/", views.meeting_thing, name="meeting-thing"),
    path("meetings/<int:meeting_id>/publish/", views.meeting_publish, name="meeting-publish"),
    path("meetings/<int:meeting_id>/actions/", views.meeting_action_new,
         name="meeting-action-new"),
    path("meetings/<int:meeting_id>/agenda/<int:proposal_id>/", views.meeting_agenda,
         name="meeting-agenda"),
    path("meetings/<int:meeting_id>/pack/", views.meeting_pack, name="meeting-pack"),
    path("meetings/<int:meeting_id>/pack.pdf", views.meeting_pack_pdf, name="meeting-pack-pdf"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:action_id>/close/", views.action_close, name="action-close"),
]  # fmt: skip

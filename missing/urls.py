"""Pages for placements, missing episodes, returns and return home interviews."""

from django.urls import path

from missing import profile_views, views

urlpatterns = [
    path("cases/<int:case_id>/missing/", views.case_missing, name="case-missing"),
    path("cases/<int:case_id>/placements/new/", views.placement_new, name="placement-new"),
    path("cases/<int:case_id>/placements/end/", views.placement_end, name="placement-end"),
    path("cases/<int:case_id>/missing/new/", views.missing_new, name="missing-new"),
    path("cases/<int:case_id>/missing/<int:episode_id>/returned/", views.missing_returned,
         name="missing-returned"),
    path("cases/<int:case_id>/missing/<int:episode_id>/regrade/", views.missing_regrade,
         name="missing-regrade"),
    path("cases/<int:case_id>/missing/<int:episode_id>/interview/", views.return_interview,
         name="return-interview"),
    path("cases/<int:case_id>/missing/profile/", profile_views.profile, name="missing-profile"),
    path("cases/<int:case_id>/missing/profile/edit/", profile_views.profile_edit,
         name="missing-profile-edit"),
    path("cases/<int:case_id>/missing/profile/photo/", profile_views.profile_photo,
         name="missing-profile-photo"),
    path("cases/<int:case_id>/missing/profile/photo/new/", profile_views.photo_new,
         name="missing-profile-photo-new"),
    path("cases/<int:case_id>/missing/profile/photo/remove/", profile_views.photo_remove,
         name="missing-profile-photo-remove"),
    path("cases/<int:case_id>/missing/profile/reviewed/", profile_views.profile_reviewed,
         name="missing-profile-reviewed"),
    path("cases/<int:case_id>/missing/profile/erase/", profile_views.profile_erase,
         name="missing-profile-erase"),
]  # fmt: skip

"""Pages for placements, missing episodes, returns and return home interviews."""

from django.urls import path

from missing import views

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
]  # fmt: skip

"""The placements and missing-episodes API under /api/v1/cases/<id>/."""

from django.urls import path

from missing import api

urlpatterns = [
    path("cases/<int:case_id>/placements/", api.placements,
         name="api-case-placements"),
    path("cases/<int:case_id>/placements/<int:placement_id>/", api.placement,
         name="api-case-placement"),
    path("cases/<int:case_id>/missing-episodes/", api.missing_episodes,
         name="api-case-missing-episodes"),
    path("cases/<int:case_id>/missing-episodes/<int:episode_id>/", api.missing_episode,
         name="api-case-missing-episode"),
    path("cases/<int:case_id>/missing-episodes/<int:episode_id>/returned/",
         api.returned, name="api-case-missing-episode-returned"),
    path("cases/<int:case_id>/missing-episodes/<int:episode_id>/regrade/",
         api.regrade, name="api-case-missing-episode-regrade"),
    path("cases/<int:case_id>/missing-episodes/<int:episode_id>/interview/",
         api.interview, name="api-case-missing-episode-interview"),
    path("cases/<int:case_id>/missing-profile/", api.missing_profile,
         name="api-case-missing-profile"),
    path("cases/<int:case_id>/missing-profile/photo/", api.missing_profile_photo,
         name="api-case-missing-profile-photo"),
]  # fmt: skip

"""The links API under /api/v1/ (issue 20)."""

from django.urls import path

from links import api

urlpatterns = [
    path("cases/<int:case_id>/links/", api.links, name="api-case-links"),
    path("cases/<int:case_id>/links/<int:link_id>/", api.link, name="api-case-link"),
    path("link-matches/<int:match_id>/", api.match, name="api-link-match"),
    path("links/area/", api.area, name="api-area-links"),
]

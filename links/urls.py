"""Pages for the things of concern linked to a case (issue 20)."""

from django.urls import path

from links import views

urlpatterns = [
    path("cases/<int:case_id>/links/", views.case_links, name="case-links"),
    path("cases/<int:case_id>/links/new/", views.link_new, name="link-new"),
    path("links/matches/<int:match_id>/", views.link_match, name="link-match"),
    path("links/area/", views.area_links, name="area-links"),
    path("links/area.csv", views.area_links_csv, name="area-links-csv"),
    path("links/oversight/", views.link_oversight, name="link-oversight"),
]

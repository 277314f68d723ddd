"""Pages for the things of concern linked to a case (issue 20)."""

from django.urls import path

from links import views

urlpatterns = [
    path("cases/<int:case_id>/links/", views.case_links, name="case-links"),
    path("cases/<int:case_id>/links/new/", views.link_new, name="link-new"),
]

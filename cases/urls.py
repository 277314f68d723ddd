"""Pages for children, cases, the chronology, screenings, shares and emergency access."""

from django.urls import path

from cases import views

urlpatterns = [
    path("children/", views.children, name="children"),
    path("children/new/", views.child_new, name="child-new"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/entries/new/", views.entry_new, name="entry-new"),
    path("cases/<int:case_id>/entries/<int:entry_id>/amend/", views.entry_amend,
         name="entry-amend"),
    path("cases/<int:case_id>/screening/", views.screening_new, name="screening-new"),
    path("cases/<int:case_id>/share/", views.case_share, name="case-share"),
    path("cases/<int:case_id>/close/", views.case_close, name="case-close"),
    path("cases/<int:case_id>/print/", views.case_print, name="case-print"),
    path("cases/<int:case_id>/export.csv", views.case_export, name="case-export"),
    path("shares/", views.shares, name="shares"),
    path("shares/<int:share_id>/acknowledge/", views.share_acknowledge,
         name="share-acknowledge"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share-revoke"),
    path("emergency-access/", views.emergency_access, name="emergency-access"),
]  # fmt: skip

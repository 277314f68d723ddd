"""Pages for sharing a case, shares received, revoking, and emergency access."""

from django.urls import path

from sharing import views

urlpatterns = [
    path("cases/<int:case_id>/share/", views.case_share, name="case-share"),
    path("shares/", views.shares, name="shares"),
    path("shares/<int:share_id>/acknowledge/", views.share_acknowledge,
         name="share-acknowledge"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share-revoke"),
    path("shares/<int:share_id>/renew/", views.share_renew, name="share-renew"),
    path("emergency-access/", views.emergency_access, name="emergency-access"),
]  # fmt: skip

"""The shares and emergency-access API under /api/v1/."""

from django.urls import path

from sharing import api

urlpatterns = [
    path("cases/<int:case_id>/shares/", api.shares, name="api-case-shares"),
    path("cases/<int:case_id>/emergency-access/", api.emergency_access,
         name="api-case-emergency-access"),
    path("shares/<int:share_id>/acknowledge/", api.acknowledge, name="api-share-acknowledge"),
    path("shares/<int:share_id>/revoke/", api.revoke, name="api-share-revoke"),
]  # fmt: skip

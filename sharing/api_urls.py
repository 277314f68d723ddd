"""The shares and emergency-access API under /api/v1/."""

from django.urls import path

from sharing import api

urlpatterns = [
    path("cases/<int:case_id>/shares/", api.shares, name="api-case-shares"),
    path("cases/<int:case_id>/shares/<int:share_id>/", api.share, name="api-case-share"),
    path("cases/<int:case_id>/emergency-access/", api.emergency_access,
         name="api-case-emergency-access"),
    path("cases/<int:case_id>/emergency-access/<int:access_id>/", api.emergency_access_item,
         name="api-case-emergency-access-item"),
    path("shares/<int:share_id>/acknowledge/", api.acknowledge, name="api-share-acknowledge"),
    path("shares/<int:share_id>/revoke/", api.revoke, name="api-share-revoke"),
    path("shares/<int:share_id>/renew/", api.renew, name="api-share-renew"),
]  # fmt: skip

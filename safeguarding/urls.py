from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import api as cases_api
from missing import views as missing_views
from notifications import api as notifications_api
from notifications import views as notifications_views
from people import api as people_api
from people import views as people_views
from safeguarding import views

admin.site.site_header = "Safeguarding Hub administration"
admin.site.site_title = "Safeguarding Hub administration"
# The admin uses the service's own sign-in (with its second factor), so there is one way in.
admin.site.login = people_views.SignInView.as_view()

api_v1 = [
    path("me/", people_api.me, name="api-me"),
    path("areas/", people_api.areas, name="api-areas"),
    path("agencies/", people_api.agencies, name="api-agencies"),
    path("language-phrases/", cases_api.language_phrases, name="api-language-phrases"),
    path("tokens/", people_api.tokens, name="api-tokens"),
    path("tokens/<int:token_id>/", people_api.token, name="api-token"),
    path("tokens/<int:token_id>/revoke/", people_api.revoke, name="api-token-revoke"),
    path("notifications/", notifications_api.notifications, name="api-notifications"),
    path(
        "notifications/<int:notification_id>/acknowledge/",
        notifications_api.acknowledge,
        name="api-notification-acknowledge",
    ),
    path("", include("cases.api_urls")),
    path("", include("sharing.api_urls")),
    path("", include("missing.api_urls")),
    path("", include("links.api_urls")),
    path("", include("meetings.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("triage.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", people_views.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", people_views.sign_in_code, name="sign-in-code"),
    path("sign-in/recovery-code/", people_views.sign_in_recovery_code,
         name="sign-in-recovery-code"),
    path("two-factor/set-up/", people_views.set_up_two_factor, name="two-factor-set-up"),
    path("sign-out/", people_views.SignOutView.as_view(), name="sign-out"),
    path("inbox/", notifications_views.inbox_page, name="inbox"),
    path("inbox/count/", notifications_views.inbox_count, name="inbox-count"),
    path("inbox/<int:notification_id>/acknowledge/", notifications_views.inbox_acknowledge,
         name="inbox-acknowledge"),
    path("agency/notifications/", notifications_views.agency_deliveries, name="agency-deliveries"),
    # An agency's own settings (its admins'), as the one above: no case's page.
    path("agency/repeat-missing-rule/", missing_views.repeat_rule, name="repeat-rule"),
    path("account/sessions/", people_views.sessions, name="sessions"),
    path("account/sessions/sign-out-others/", people_views.sign_out_everywhere_else,
         name="sign-out-everywhere-else"),
    path("account/tokens/", people_views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", people_views.revoke, name="revoke-token"),
    path("", include("cases.urls")),
    path("", include("sharing.urls")),
    path("", include("missing.urls")),
    path("", include("links.urls")),
    path("", include("meetings.urls")),
    path("", include("reports.urls")),
    path("", include("triage.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI adds <style> elements as it renders; on this page only (no case data,
    # signed in), inline styles are allowed. Scripts stay 'self'.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]  # fmt: skip

handler400 = "safeguarding.views.bad_request"
handler403 = "safeguarding.views.permission_denied"
handler404 = "safeguarding.views.page_not_found"
handler500 = "safeguarding.views.server_error"

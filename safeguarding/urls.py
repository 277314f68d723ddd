from django.contrib import admin
from django.urls import path

from safeguarding import views
from sharing.views import SignInView, SignOutView

admin.site.site_header = "Safeguarding Hub administration"
admin.site.site_title = "Safeguarding Hub administration"
# The admin uses the service's own sign-in, so there is one way in.
admin.site.login = SignInView.as_view()

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", SignInView.as_view(), name="sign-in"),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler403 = "safeguarding.views.permission_denied"
handler404 = "safeguarding.views.page_not_found"
handler500 = "safeguarding.views.server_error"

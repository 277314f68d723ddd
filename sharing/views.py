"""Signing in and out."""

from django.contrib.auth import views as auth_views

from sharing.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link cannot sign a person out."""

"""Signing in (password, then second factor), signing out, a person's sessions and tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from audit.actions import Action
from audit.services import client_address, record
from idempotency.forms import recorded_at
from people import demo, lockout, two_factor
from people.forms import CodeForm, RecoveryCodeForm, SignInForm, TokenForm
from people.selectors import signed_in_sessions
from people.services import end_other_sessions
from people.tokens import create_token, revoke_token, tokens_of
from safeguarding.paging import paginate

TOKENS_PER_PAGE = 20


class SignInView(auth_views.LoginView):
    """Password step. Failures are limited per account (django-axes) and per address."""

    template_name = "registration/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if lockout.address_locked(client_address(request)):
            record(Action.LOCKED_OUT, request=request, detail={"by": "address"})
            return locked_out(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        lockout.note_failure(client_address(self.request))
        return super().form_invalid(form)

    def get_success_url(self) -> str:
        # Straight on to the second factor; `next` travels with it.
        step = (
            "sign-in-code"
            if two_factor.has_authenticator(self.request.user)
            else "two-factor-set-up"
        )
        return _with_next(reverse(step), self.get_redirect_url())


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes (and the per-address limit) show instead of the sign-in form.

    The same words whether or not the username exists, so it reveals nothing.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) or 1
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "address_minutes": settings.SIGN_IN_ADDRESS_WINDOW_MINUTES},
        status=429,
    )


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link cannot sign a person out."""


def safe_next(request: HttpRequest, default: str) -> str:
    """Where the form came from (`next`), if it is on this site; otherwise `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _next(request: HttpRequest) -> str:
    return safe_next(request, reverse("home"))


def _with_next(url: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _too_many(wait: int) -> str:
    if not wait:
        return ""
    seconds = f"{wait} second{'s' if wait != 1 else ''}"
    return f"Too many wrong codes. Wait {seconds}, then enter the newest code"


@sensitive_post_parameters()  # the code never shows on a DEBUG error page
@login_required
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Second step: the code from the person's authenticator app."""
    person = request.user
    if person.is_verified():
        return HttpResponseRedirect(_next(request))
    if not two_factor.has_authenticator(person):
        return HttpResponseRedirect(_with_next(reverse("two-factor-set-up"), _next(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Asked before trying: a code entered during the back-off is refused unseen.
        device = two_factor.authenticator_of(person)
        wait = two_factor.seconds_until_codes_accepted(device)
        if not wait and two_factor.verify_code(request, form.cleaned_data["code"]):
            return HttpResponseRedirect(_next(request))
        if not wait and two_factor.was_already_used(device, form.cleaned_data["code"]):
            next_in = two_factor.seconds_until_next_code(device)
            message = f"That code has been used. Wait {next_in} seconds and enter the next one"
        else:
            message = (
                _too_many(wait) or "The code is not right. Enter the newest code from your app"
            )
        form.add_error("code", message)
    return render(
        request,
        "registration/sign_in_code.html",
        {"form": form, "next": _next(request), "demo": demo.demo_code_for(person)},
    )


@sensitive_post_parameters()  # the code never shows on a DEBUG error page
@login_required
def sign_in_recovery_code(request: HttpRequest) -> HttpResponse:
    """Second step without the phone: one of the single-use recovery codes."""
    if request.user.is_verified():
        return HttpResponseRedirect(_next(request))
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify_recovery_code(request, form.cleaned_data["code"]):
            messages.info(
                request,
                "You used a recovery code. It will not work again. If you have lost your "
                "phone, ask your agency admin to reset your two-factor sign-in.",
            )
            return HttpResponseRedirect(_next(request))
        form.add_error("code", "That recovery code is not right, or has been used")
    return render(
        request, "registration/recovery_code.html", {"form": form, "next": _next(request)}
    )


@sensitive_post_parameters()  # the code never shows on a DEBUG error page
@login_required
def set_up_two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app; shows the recovery codes once on success."""
    person = request.user
    if person.is_verified() and two_factor.has_authenticator(person):
        return HttpResponseRedirect(_next(request))
    if two_factor.has_authenticator(person):
        # Replacing an authenticator needs the old one (or an admin reset), not a password.
        return HttpResponseRedirect(_with_next(reverse("sign-in-code"), _next(request)))
    device = two_factor.pending_authenticator(person)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = two_factor.seconds_until_codes_accepted(device)
        codes = (
            None
            if wait
            else two_factor.confirm_authenticator(request, device, form.cleaned_data["code"])
        )
        if codes is not None:
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code",
            _too_many(wait) or "The code is not right. Check the app shows Safeguarding Hub",
        )
    return render(
        request,
        "registration/set_up_two_factor.html",
        {
            "form": form,
            "next": _next(request),
            "qr_code": two_factor.qr_code_svg(device),
            "manual_key": two_factor.manual_key(device),
        },
    )


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """The person's own signed-in sessions, with a way to end all the others."""
    current = request.session.session_key
    rows = signed_in_sessions(request.user)
    return render(
        request,
        "people/sessions.html",
        {"rows": rows, "current": current, "idle_minutes": settings.SESSION_IDLE_MINUTES},
    )


@login_required
@require_POST
def sign_out_everywhere_else(request: HttpRequest) -> HttpResponse:
    ended = end_other_sessions(request.user, request.session.session_key)
    messages.success(request, f"Signed out of {ended} other session{'s' if ended != 1 else ''}.")
    return redirect("sessions")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens; a new token's secret is shown on this response only."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, secret = create_token(
            request.user, form.cleaned_data["name"], form.cleaned_data["days"]
        )
        created = {"token": token, "secret": secret}
        # A repeat of this form goes to the list: the secret is shown once and never stored.
        recorded_at(request, reverse("tokens"))
        form = TokenForm()
    page_obj = paginate(request, tokens_of(request.user), TOKENS_PER_PAGE)
    return render(
        request,
        "people/tokens.html",
        {"form": form, "created": created, "tokens": page_obj, "page_obj": page_obj},
    )


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = revoke_token(request.user, token_id)
    messages.success(request, f"Token ‘{token.name}’ is revoked. It no longer works.")
    return redirect("tokens")

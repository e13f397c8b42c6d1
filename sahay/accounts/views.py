"""Signing in and out, and the pages where administrators manage users."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.accounts.access import waiting_rights
from sahay.accounts.decorators import right_required
from sahay.accounts.forms import SecondFactorForm, SignInForm, UserForm
from sahay.accounts.lockout import sign_in_locked
from sahay.accounts.middleware import second_factor_not_required
from sahay.accounts.models import User
from sahay.accounts.rights import Right, confirmation_labels
from sahay.accounts.second_factor import (
    confirmed_totp_device,
    device_secret,
    enrolment_device,
    qr_code_svg,
    second_factor_enrol,
    second_factor_verify,
    session_verified,
)
from sahay.accounts.services import user_create, user_set_active, user_update
from sahay.accounts.user_audit import audit_user
from sahay.api.tokens import token_endings_tell
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record, client_ip
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, sort_list


class SignInView(auth_views.LoginView):
    """Django's sign-in (the password step), with every success and failure written to the audit trail.

    A right password signs the user in without a verified second factor: the next stop is that step.
    """

    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        with transaction.atomic():
            super().form_valid(form)
            if isinstance(user, User):
                audit_user(AuditAction.LOGIN, user, actor=user, request=self.request, detail={"step": "password"})
        return HttpResponseRedirect(reverse("second_factor") + "?" + urlencode({"next": self.get_success_url()}))

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # As authentication and the lock read it, so that every spelling counts towards the one lock.
        attempted = form.attempted_username if isinstance(form, SignInForm) else ""
        detail: dict[str, object] = {"username": attempted}
        if getattr(form, "locked", False):
            detail["locked"] = True
        with transaction.atomic():
            audit_record(
                action=AuditAction.LOGIN_FAILED,
                actor=None,
                request=self.request,
                target_kind="user",
                detail=detail,
            )
        return super().form_invalid(form)


def _next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is verified: the page asked for, if it is one of Sahay's."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse(name) + "?" + urlencode({"next": _next_url(request)}))


CODE_NOT_RIGHT = gettext_lazy("This code is not right, or it was used already. Type the code your app shows now.")


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of every sign-in: a code from the authenticator app, or a recovery code."""
    user = request.user
    if session_verified(user):
        return redirect(_next_url(request))
    if confirmed_totp_device(user) is None:
        return _with_next("second_factor_enrol", request)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed = not sign_in_locked(username=user.username, ip=client_ip(request))
        if second_factor_verify(request=request, user=user, code=form.cleaned_data["code"], allowed=allowed):
            request.session.cycle_key()
            token_endings_tell(request, user)
            return redirect(_next_url(request))
        form.add_error("code", str(CODE_NOT_RIGHT))
    return render(request, "accounts/second_factor.html", {"form": form, "next": _next_url(request)})


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_enrol_view(request: AuthenticatedRequest) -> HttpResponse:
    """Set up the authenticator app (only while the user has none): QR code, a code to confirm, recovery codes."""
    user = request.user
    if session_verified(user):
        return redirect(_next_url(request))
    if confirmed_totp_device(user) is not None:
        # Someone who has an app proves it; a new one is never set up past the second factor.
        return _with_next("second_factor", request)
    device = enrolment_device(user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed = not sign_in_locked(username=user.username, ip=client_ip(request))
        enrolled = second_factor_enrol(
            request=request, user=user, device=device, code=form.cleaned_data["code"], allowed=allowed
        )
        if enrolled is not None:
            request.session.cycle_key()
            # Shown once, in this answer only: they are not kept anywhere the user could see them again.
            return render(
                request,
                "accounts/recovery_codes.html",
                {"recovery_codes": enrolled.recovery_codes, "next": _next_url(request)},
            )
        form.add_error("code", str(CODE_NOT_RIGHT))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": qr_code_svg(device),
        "secret": device_secret(device),
    }
    return render(request, "accounts/second_factor_enrol.html", context)


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), written to the audit trail while the session still names the user."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with transaction.atomic():
            if isinstance(request.user, User):
                audit_user(AuditAction.LOGOUT, request.user, actor=request.user, request=request)
            return super().post(request, *args, **kwargs)


@right_required(Right.MANAGE_USERS)
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    users = User.objects.select_related("role", "country", "organisation")
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(organisation__name__icontains=search)
        )
    users, sort = sort_list(
        request,
        users,
        {"username": "username", "role": "role__name_en", "active": "is_active", "last_login": "last_login"},
        default="username",
    )
    return render(request, "accounts/user_list.html", {"page": paginate(request, users), "q": search, "sort": sort})


@right_required(Right.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    actor = request.user
    user = get_object_or_404(User, pk=pk) if pk else None
    initial = {}
    if user is not None:
        initial = {
            field: getattr(user, field)
            for field in ("username", "first_name", "last_name", "email", "role", "country", "organisation")
        }
    form = UserForm(request.POST or None, initial=initial, creating=user is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if user is None:
                saved = user_create(actor=actor, request=request, **data)
            else:
                saved = user_update(
                    actor=actor, user=user, **{key: value for key, value in data.items() if key != "username"}
                )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as denial:
            form.add_error(None, str(denial) or _("You may not make this change."))
        else:
            if user is None:
                messages.success(
                    request,
                    _("User %(username)s saved. An invitation to choose a password went to %(email)s.")
                    % {"username": saved.username, "email": saved.email},
                )
            else:
                messages.success(request, _("User %(username)s saved.") % {"username": saved.username})
            waiting = waiting_rights(saved)
            if waiting:
                messages.info(
                    request,
                    _(
                        "Their rights over identities (%(rights)s) start when a case supervisor of their "
                        "organisation, or another administrator, confirms them."
                    )
                    % {"rights": ", ".join(confirmation_labels(waiting))},
                )
            return redirect("user_list")
    waiting_labels = confirmation_labels(waiting_rights(user)) if user else []
    context = {"form": form, "edited_user": user, "waiting_rights": waiting_labels}
    return render(request, "accounts/user_form.html", context)


@right_required(Right.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_activation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask for confirmation, then deactivate (or reactivate) a user."""
    actor = request.user
    user = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        try:
            user_set_active(actor=actor, user=user, active=not user.is_active)
        except PermissionDenied as denial:
            messages.error(request, str(denial))
        else:
            if user.is_active:
                messages.success(request, _("%(username)s can sign in again.") % {"username": user.username})
            else:
                messages.success(request, _("%(username)s is deactivated.") % {"username": user.username})
        return redirect("user_list")
    return render(request, "accounts/user_activation.html", {"edited_user": user})

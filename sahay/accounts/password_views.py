"""New passwords, always chosen by the person themselves through an emailed link: the invitation of a new
account, or a reset link (asked for on the sign-in page, or sent by an administrator).

Only the password changes: the second factor stays, so a reset never lets anyone past it, and every
session and API token of the user ends (accounts.services.password_set). An invitation goes on to setting
up the second factor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.invitations import invitation_tokens
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.services import password_link_send, password_set
from sahay.accounts.user_audit import audit_user
from sahay.audit.models import AuditAction
from sahay.core.pages import AuthenticatedRequest


class ResetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's form, saved through the one service that sets passwords."""

    def save(self, commit: bool = True) -> Any:
        return password_set(user=self.user, password=self.cleaned_data["new_password1"])


@right_required(Right.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
@never_cache
def user_password(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask, then email the user a link to choose a password themselves (a new invitation if never signed in)."""
    user = get_object_or_404(User, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            kind = password_link_send(actor=request.user, user=user, request=request)
        except (ValidationError, PermissionDenied) as refusal:
            error = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        else:
            if kind == "invitation":
                message = _("A new invitation went to %(email)s.")
            else:
                message = _("A password-reset link went to %(email)s. It works once, for an hour.")
            messages.success(request, message % {"email": user.email})
            return redirect("user_edit", user.pk)
    context = {"edited_user": user, "invitation": not user.has_usable_password(), "error": error}
    return render(request, "accounts/user_password.html", context)


login_free = method_decorator(login_not_required, name="dispatch")


@login_free
class ForgotPasswordView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


@login_free
class ForgotPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@login_free
class NewPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("password_reset_complete")
    # Never signed in by the link: the password and the second factor are still asked at sign-in.
    post_reset_login = False


@login_free
class NewPasswordSetView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


INVITATION_SESSION_TOKEN = "_sahay_invitation_token"  # noqa: S105 - the session key's name, not a secret


@login_free
class InvitationView(auth_views.PasswordResetConfirmView):
    """A new account's first sign-in: choose a password through the emailed one-time invitation, then go on
    to set up the second factor (signed in past the password only, as after the password step)."""

    template_name = "accounts/invitation_accept.html"
    form_class = ResetPasswordForm
    token_generator = invitation_tokens
    reset_url_token = "welcome"  # noqa: S105 - the address part that stands in for the token, not a secret
    post_reset_login = True
    post_reset_login_backend = "sahay.accounts.backends.RoleBackend"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invited_user"] = self.user
        return context

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[type-arg]
        user = form.user
        with transaction.atomic():
            password_set(user=user, password=form.cleaned_data["new_password1"], by="invitation")
            del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
            login(self.request, user, self.post_reset_login_backend)
            audit_user(AuditAction.LOGIN, user, actor=user, request=self.request, detail={"step": "invitation"})
        return redirect("second_factor_enrol")

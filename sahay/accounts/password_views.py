"""New passwords: set by an administrator, or by the user through an emailed link.

Either way only the password changes: the second factor stays, so a reset never lets anyone past it,
and every session of the user ends (accounts.services.password_set).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.services import password_set
from sahay.core.pages import AuthenticatedRequest, add_service_errors


class ResetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's form, saved through the one service that sets passwords."""

    def save(self, commit: bool = True) -> Any:
        return password_set(user=self.user, password=self.cleaned_data["new_password1"], actor=None)


@right_required(Right.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
@never_cache
def user_password(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_set(user=user, password=form.cleaned_data["new_password1"], actor=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as denial:
            form.add_error(None, str(denial))
        else:
            messages.success(
                request,
                _("%(username)s has a new password and was signed out everywhere; their second factor stays.")
                % {"username": user.username},
            )
            return redirect("user_edit", user.pk)
    return render(request, "accounts/user_password.html", {"form": form, "edited_user": user})


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

"""Signing in and out, and the pages where administrators manage users."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.forms import UserForm
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.services import user_create, user_set_active, user_update
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, sort_list

# Longer user names cannot exist; an attempt is cut to this length before it is written down.
ATTEMPTED_USERNAME_LENGTH = 150


class SignInView(auth_views.LoginView):
    """Django's sign-in, with every success and failure written to the audit trail."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        with transaction.atomic():
            response = super().form_valid(form)
            if isinstance(user, User):
                audit_record(
                    action=AuditAction.LOGIN,
                    actor=user,
                    request=self.request,
                    target_kind="user",
                    target_id=str(user.pk),
                    organisation=user.organisation,
                )
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        attempted = str(form.data.get("username", ""))[:ATTEMPTED_USERNAME_LENGTH]
        with transaction.atomic():
            audit_record(
                action=AuditAction.LOGIN_FAILED,
                actor=None,
                request=self.request,
                target_kind="user",
                detail={"username": attempted},
            )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), written to the audit trail while the session still names the user."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with transaction.atomic():
            if isinstance(request.user, User):
                audit_record(
                    action=AuditAction.LOGOUT,
                    actor=request.user,
                    request=request,
                    target_kind="user",
                    target_id=str(request.user.pk),
                    organisation=request.user.organisation,
                )
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
                saved = user_create(actor=actor, **data)
            else:
                saved = user_update(
                    actor=actor, user=user, **{key: value for key, value in data.items() if key != "username"}
                )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as denial:
            form.add_error(None, str(denial) or _("You may not make this change."))
        else:
            messages.success(request, _("User %(username)s saved.") % {"username": saved.username})
            return redirect("user_list")
    return render(request, "accounts/user_form.html", {"form": form, "edited_user": user})


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

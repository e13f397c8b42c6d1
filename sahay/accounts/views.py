"""Pages where administrators manage users."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.forms import UserForm
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.services import user_create, user_set_active, user_update
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, sort_list


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

"""The pages where people make, see and revoke their API tokens (administrators: everyone's)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sahay.api.forms import TokenForm
from sahay.api.tokens import token_create, token_revoke, tokens_visible
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate


@require_http_methods(["GET", "POST"])
@never_cache
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, owner=request.user)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created = token_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown on this answer only (never_cache): the secret is not stored and cannot be shown again.
            secret = created.secret
            form = TokenForm(owner=request.user)
    tokens = tokens_visible(request.user).order_by("revoked_at", "-created_at")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "secret": secret, "page": paginate(request, tokens), "now": timezone.now()},
    )


@require_POST
def token_revoke_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_visible(request.user), pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that %(name)s should stop working.") % {"name": token.name})
        return redirect("api_tokens")
    token_revoke(token=token, revoked_by=request.user)
    messages.success(request, _("%(name)s is revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens")

"""Probable duplicates for review, merging two records of one person, and undoing a merge."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.cases.errors import CaseChildProtected
from sahay.core.pages import AuthenticatedRequest, add_service_errors
from sahay.records.duplicates import duplicate_candidates
from sahay.records.forms import correction_reason_field
from sahay.records.merging import people_merge, people_merge_undo
from sahay.records.models import HouseholdMember, Participation, Person, PersonMerge, PersonRole, Service
from sahay.records.reads import people_read
from sahay.records.selectors import capture_organisations, sees_identity

PAIRS_PER_PAGE = 50
RECENT_MERGES = 20


class PersonMergeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why are these two records the same person?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Do not write names here: say what you checked."),
    )
    correction_reason = correction_reason_field()


class PersonMergeUndoForm(forms.Form):
    correction_reason = correction_reason_field()


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET"])
@never_cache
def duplicate_list(request: AuthenticatedRequest) -> HttpResponse:
    """The probable duplicates of one of the organisations the user records for, with recent merges to undo."""
    organisations = list(capture_organisations(user=request.user).order_by("name"))
    chosen = next((o for o in organisations if str(o.pk) == request.GET.get("organisation")), None)
    organisation = chosen or (organisations[0] if organisations else None)
    pairs: list[Any] = []
    if organisation is not None:
        pairs = duplicate_candidates(organisation=organisation, user=request.user)
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    # Only people whose names the user may see are compared, so every pair listed may show its names.
    rows = [{"pair": pair} for pair in page.object_list]
    merges = (
        PersonMerge.objects.filter(organisation=organisation, undone_at__isnull=True)
        .select_related("kept", "merged", "merged_by")
        .order_by("-merged_at", "-pk")[:RECENT_MERGES]
        if organisation is not None
        else []
    )
    with transaction.atomic():
        # The pairs show names: the read is audited, the people by their opaque ids.
        shown = {person.pk: person for row in rows for person in (row["pair"].first, row["pair"].second)}
        people_read(
            people=shown.values(), user=request.user, what="duplicates", organisation=organisation, request=request
        )
        return render(
            request,
            "records/duplicate_list.html",
            {
                "organisations": organisations,
                "organisation": organisation,
                "page": page,
                "rows": rows,
                "merges": merges,
                "undo_form": PersonMergeUndoForm(),
            },
        )


def _person_in_capture_scope(request: AuthenticatedRequest, public_id: str) -> Person:
    """A person the user may record for and not merged already: anyone else is a 404, as a missing one."""
    return get_object_or_404(
        Person.objects.select_related("organisation"),
        public_id=public_id,
        merged_into__isnull=True,
        organisation__in=capture_organisations(user=request.user),
    )


def _what_moves(person: Person) -> dict[str, int]:
    from sahay.cases.models import Case

    return {
        "participations": Participation.objects.filter(person=person).count(),
        "services": Service.objects.filter(person=person).count(),
        "roles": PersonRole.objects.filter(person=person).count(),
        "memberships": HouseholdMember.objects.filter(person=person).count(),
        "cases": Case.objects.filter(person=person).count(),
    }


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
@never_cache
def person_merge(request: AuthenticatedRequest, keep_id: str, merge_id: str) -> HttpResponse:
    keep = _person_in_capture_scope(request, keep_id)
    merge = _person_in_capture_scope(request, merge_id)
    if keep.pk == merge.pk or keep.organisation_id != merge.organisation_id:
        raise Http404
    form = PersonMergeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            people_merge(
                keep=keep,
                merge=merge,
                merged_by=request.user,
                reason=form.cleaned_data["reason"],
                correction_reason=form.cleaned_data["correction_reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except CaseChildProtected as refused:
            form.add_error(None, str(refused.message))
        except PermissionDenied:
            form.add_error(None, _("You may not merge people of this organisation."))
        else:
            messages.success(
                request,
                _("%(merged)s is merged into %(kept)s. Everything recorded about %(merged)s now belongs to %(kept)s.")
                % {"merged": merge.code, "kept": keep.code},
            )
            return redirect(f"{_duplicates_url()}?organisation={keep.organisation_id}")
    show_names = sees_identity(request.user, keep) and sees_identity(request.user, merge)
    return render(
        request,
        "records/person_merge.html",
        {
            "form": form,
            "keep": keep,
            "merge": merge,
            "show_names": show_names,
            "moves": _what_moves(merge),
            "stays": _what_moves(keep),
        },
    )


def _duplicates_url() -> str:
    from django.urls import reverse

    return reverse("duplicate_list")


@right_required(Right.RECORD_DATA)
@require_POST
def person_merge_undo(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    merge = get_object_or_404(
        PersonMerge.objects.select_related("kept", "merged"),
        pk=pk,
        organisation__in=capture_organisations(user=request.user),
    )
    form = PersonMergeUndoForm(request.POST)
    form.is_valid()
    try:
        people_merge_undo(
            merge=merge,
            undone_by=request.user,
            correction_reason=form.cleaned_data.get("correction_reason", ""),
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except CaseChildProtected as refused:
        messages.error(request, str(refused.message))
    except PermissionDenied:
        messages.error(request, _("You may not undo merges of this organisation."))
    else:
        messages.success(
            request,
            _("The merge is undone: %(merged)s and %(kept)s are two records again.")
            % {"merged": merge.merged.code, "kept": merge.kept.code},
        )
    return redirect(f"{_duplicates_url()}?organisation={merge.organisation_id}")

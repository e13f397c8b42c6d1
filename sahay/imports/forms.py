"""The upload form: which kind of records, for which organisation, the file, and whether only to check it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sahay.core.i18n import pick
from sahay.core.models import Organisation
from sahay.imports.kinds import KINDS
from sahay.imports.reading import max_bytes
from sahay.records.forms import correction_reason_field


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    organisation = forms.ModelChoiceField(label=_("For"), queryset=Organisation.objects.none())
    file = forms.FileField(
        label=_("File"), help_text=_("Excel (.xlsx) or CSV, with the template's headers in English or Dutch.")
    )
    dry_run = forms.BooleanField(label=_("Only check the file: write nothing"), required=False)
    correction_reason = correction_reason_field()

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # noqa: S101 - declared above
        kind.choices = [(name, pick(en=item.label_en, nl=item.label_nl)) for name, item in KINDS.items()]
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)  # noqa: S101 - declared above
        organisation.queryset = organisations
        if organisations.count() == 1:
            organisation.initial = organisations.first()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is %(size)s MB; files up to %(limit)s MB are imported. Split it into smaller files.")
                % {
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "limit": f"{max_bytes() / 1024 / 1024:.0f}",
                }
            )
        return upload

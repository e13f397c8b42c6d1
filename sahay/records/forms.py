"""Forms for recording what the programme does. Services validate; forms only parse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sahay.core.models import AdministrativeArea, Organisation
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    PersonRole,
    Service,
    Sex,
    TrackedItem,
)
from sahay.records.services import RoleSpec

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def blank_first(choices: Any, label: Any = "–") -> list[tuple[str, Any]]:
    return [("", label), *choices]


class OrganisationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """The organisation a record is for; with one choice it is chosen already."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Organisation.objects.none(), label=_("Organisation"), **kwargs)


def correction_reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed only when the record lies in a half year whose figures are approved. The reason appears in "
            "the next report: do not name or describe a child or a family."
        ),
    )


class CaptureForm(forms.Form):
    """A form whose first field is the organisation the record is for, limited to the user's capture scope."""

    organisation = OrganisationField()

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations  # type: ignore[attr-defined]
        if organisations.count() == 1:
            field.initial = organisations.first()
        if "area" in self.fields:
            self.fields["area"].queryset = AdministrativeArea.objects.filter(  # type: ignore[attr-defined]
                country__in=organisations.values("country")
            )


class PersonForm(CaptureForm):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("Pseudonymous code, unique in the organisation.")
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    birth_year_estimated = forms.IntegerField(
        label=_("Or estimated year of birth"), required=False, help_text=_("Counted as born on 1 July of that year.")
    )
    area = forms.ModelChoiceField(
        label=_("Province or district"), queryset=AdministrativeArea.objects.none(), required=False
    )
    name = forms.CharField(label=_("Name"), required=False, help_text=_("Stored encrypted; never shown in lists."))
    contact = forms.CharField(label=_("Contact"), required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    correction_reason = correction_reason_field()


class PersonRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=blank_first(PersonRole.Role.choices, _("No role")), required=False
    )
    profession = forms.ChoiceField(
        label=_("Profession"),
        choices=blank_first(PersonRole.Profession.choices),
        required=False,
        help_text=_("For professionals only."),
    )
    start = forms.DateField(label=_("From"), widget=DATE, required=False)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE)
    correction_reason = correction_reason_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") and not data.get("start"):
            self.add_error("start", _("Say from when the person has this role."))
        return data

    def role_spec(self) -> RoleSpec | None:
        """The role typed in, or None when no role was chosen."""
        data = self.cleaned_data
        if not data.get("role"):
            return None
        return RoleSpec(data["role"], data["start"], data["profession"], data["end"])


class HouseholdForm(CaptureForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    member_codes = forms.CharField(
        label=_("Members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Codes of the people in the household, one per line."),
    )
    area = forms.ModelChoiceField(
        label=_("Province or district"), queryset=AdministrativeArea.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    correction_reason = correction_reason_field()


class ExternalOrganisationForm(CaptureForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ExternalOrganisation.Kind.choices)
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=blank_first(ExternalOrganisation.Sector.choices),
        required=False,
        help_text=_("For companies only."),
    )
    correction_reason = correction_reason_field()


class ActivityForm(CaptureForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    training_topic = forms.ChoiceField(
        label=_("Training topic"), choices=blank_first(Activity.TrainingTopic.choices), required=False
    )
    campaign_kind = forms.ChoiceField(
        label=_("Campaign kind"), choices=blank_first(Activity.CampaignKind.choices), required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)
    area = forms.ModelChoiceField(
        label=_("Province or district"), queryset=AdministrativeArea.objects.none(), required=False
    )
    reached_organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations reached"),
        queryset=ExternalOrganisation.objects.none(),
        required=False,
        help_text=_("The schools of a school outreach, the companies of a dialogue."),
    )
    correction_reason = correction_reason_field()

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, organisations=organisations, **kwargs)
        self.fields["reached_organisations"].queryset = ExternalOrganisation.objects.filter(  # type: ignore[attr-defined]
            country__in=organisations.values("country")
        )


class ServiceForm(CaptureForm):
    kind = forms.ChoiceField(label=_("Service"), choices=Service.Kind.choices)
    education_support = forms.ChoiceField(
        label=_("Education support"), choices=blank_first(Service.EducationSupport.choices), required=False
    )
    person_code = forms.CharField(label=_("Person (code)"), required=False, max_length=40)
    household_code = forms.CharField(label=_("Or household (code)"), required=False, max_length=40)
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE, help_text=_("Empty while it goes on."))
    correction_reason = correction_reason_field()


class TrackedItemForm(CaptureForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=TrackedItem.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=ExternalOrganisation.objects.none(),
        required=False,
        help_text=_("For a company cooperation."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, organisations=organisations, **kwargs)
        self.fields["company"].queryset = ExternalOrganisation.objects.filter(  # type: ignore[attr-defined]
            kind=ExternalOrganisation.Kind.COMPANY, country__in=organisations.values("country")
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status reached"))
    reached_on = forms.DateField(label=_("On"), widget=DATE)
    correction_reason = correction_reason_field()

    def __init__(self, *args: Any, item: TrackedItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (status, TrackedItem.STATUS_LABELS[status]) for status in TrackedItem.PATHS[item.kind]
        ]


class ReachForm(forms.Form):
    audience = forms.ChoiceField(label=_("Audience"), choices=AggregateReach.Audience.choices)
    estimate = forms.IntegerField(label=_("Estimated number reached"), min_value=1)
    method = forms.CharField(label=_("How it was estimated"), required=False, max_length=200)
    correction_reason = correction_reason_field()


class AddPeopleForm(forms.Form):
    """People who took part: existing people by code, and new people in rows."""

    codes = forms.CharField(
        label=_("Codes of people who took part"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line or separated by commas."),
    )
    picked = forms.MultipleChoiceField(
        label=_("People who came to recent activities"), required=False, widget=forms.CheckboxSelectMultiple
    )
    completed = forms.BooleanField(label=_("They completed the activity"), required=False)
    correction_reason = correction_reason_field()
    field_order = ["picked", "codes", "completed", "correction_reason"]

    def __init__(self, *args: Any, recent: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["picked"].choices = recent  # type: ignore[attr-defined]
        if not recent:
            del self.fields["picked"]

    def code_list(self) -> list[str]:
        text = self.cleaned_data.get("codes", "")
        return [code.strip() for chunk in text.splitlines() for code in chunk.split(",") if code.strip()]


class NewPersonRowForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    birth_year_estimated = forms.IntegerField(label=_("Or year"), required=False, min_value=1900, max_value=2100)
    role = forms.ChoiceField(label=_("Role"), choices=blank_first(PersonRole.Role.choices), required=False)
    profession = forms.ChoiceField(
        label=_("Profession"), choices=blank_first(PersonRole.Profession.choices), required=False
    )
    create_anyway = forms.BooleanField(label=_("Not a duplicate: create"), required=False)

    def has_person(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data.get("code"))


MAX_NEW_ROWS = 60


def new_people_formset(rows: int) -> type[forms.BaseFormSet]:  # type: ignore[type-arg]
    """Rows for new people; a whole class of 40 fits on one screen."""
    return forms.formset_factory(NewPersonRowForm, extra=max(1, min(rows, MAX_NEW_ROWS)), max_num=MAX_NEW_ROWS)


class PersonEraseFindForm(forms.Form):
    """An administrator finds the person to erase by organisation and exact code, POSTed: never in a URL."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.order_by("name"), label=_("Organisation"))
    code = forms.CharField(label=_("Exact code"), max_length=40)


class PersonEraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the legal request)"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

"""Forms of case management. They parse; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sahay.accounts.models import User
from sahay.cases.models import Assessment, Case, Consent, LegalCase
from sahay.cases.services.cases import NewChild
from sahay.core.models import Organisation
from sahay.core.pages import add_service_errors
from sahay.records.forms import DATE, blank_first, correction_reason_field
from sahay.records.models import Household, PersonRole, Service, Sex, TrackedItem
from sahay.reports.locks import CORRECTION_FIELD

TEXT = forms.Textarea(attrs={"rows": 3})


class HouseholdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(_("the child's household %(code)s") % {"code": obj.code})


class VersionedForm(forms.Form):
    """Carries the case version the user saw, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectionWhenAskedForm(forms.Form):
    """Offers the reason for a correction, last, once the approved-period lock asked for one, and from then on.

    Opening a case rarely reaches back into an approved half year: a field for it on every form would only
    puzzle whoever registers one.
    """

    correction_reason = correction_reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.pop(CORRECTION_FIELD)
        if CORRECTION_FIELD in self.data:
            self.fields[CORRECTION_FIELD] = field

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's errors, with the reason field if the lock asks for it (what was typed stays)."""
        if CORRECTION_FIELD in getattr(error, "error_dict", {}) and CORRECTION_FIELD not in self.fields:
            self.fields[CORRECTION_FIELD] = correction_reason_field()
        add_service_errors(self, error)


class CaseRegisterForm(CorrectionWhenAskedForm):
    code = forms.CharField(
        label=_("Child's code"), max_length=40, help_text=_("Pseudonymous code, unique in your organisation.")
    )
    already_registered = forms.BooleanField(
        label=_("This child is already registered by your organisation"),
        required=False,
        help_text=_(
            "For example from an awareness session: the case uses their record, and the fields below "
            "about the child are not needed. A case worker's case on a registered child is opened by a case "
            "supervisor, who is sent your request."
        ),
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    birth_year_estimated = forms.IntegerField(label=_("or estimated year of birth"), required=False)
    contact = forms.CharField(label=_("Contact"), required=False, max_length=200)
    address = forms.CharField(label=_("Address"), required=False, widget=TEXT)
    child_role = forms.ChoiceField(
        label=_("The child is"),
        choices=[(PersonRole.Role.VICTIM, _("a victim")), (PersonRole.Role.AT_RISK_CHILD, _("a child at risk"))],
    )
    intake = forms.ChoiceField(label=_("How the case came in"), choices=blank_first(Case.Intake.choices))
    exploitation = forms.ChoiceField(label=_("Type of exploitation"), choices=blank_first(Case.Exploitation.choices))
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    case_worker = forms.ModelChoiceField(label=_("Case worker"), queryset=User.objects.none(), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=TEXT)

    def __init__(self, *args: Any, case_workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_worker"].queryset = case_workers  # type: ignore[attr-defined]

    def new_child(self) -> NewChild:
        data = self.cleaned_data
        return NewChild(
            code=data["code"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            birth_year_estimated=data["birth_year_estimated"],
            name=data["name"],
            contact=data["contact"],
            address=data["address"],
        )


class CaseEditForm(VersionedForm):
    intake = forms.ChoiceField(label=_("How the case came in"), choices=Case.Intake.choices)
    exploitation = forms.ChoiceField(label=_("Type of exploitation"), choices=Case.Exploitation.choices)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), required=False, widget=TEXT)


class CaseCloseForm(VersionedForm):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)
    reason = forms.ChoiceField(label=_("Reason"), choices=blank_first(Case.ClosureReason.choices))


class CaseAssignForm(VersionedForm):
    case_worker = forms.ModelChoiceField(label=_("Case worker"), queryset=User.objects.none())

    def __init__(self, *args: Any, case_workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_worker"].queryset = case_workers  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    from_worker = forms.ModelChoiceField(label=_("Open cases of"), queryset=User.objects.none())
    to_worker = forms.ModelChoiceField(label=_("Move to"), queryset=User.objects.none())

    def __init__(self, *args: Any, case_workers: QuerySet[User], holders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A leaving case worker may already be deactivated: their cases can still be moved.
        self.fields["from_worker"].queryset = holders  # type: ignore[attr-defined]
        self.fields["to_worker"].queryset = case_workers  # type: ignore[attr-defined]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given_by = forms.ChoiceField(label=_("Given as"), choices=Consent.GivenBy.choices)
    given_on = forms.DateField(label=_("Given on"), widget=DATE)


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DATE)


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Assessment.Level.choices)
    risks = forms.CharField(label=_("Risks"), required=False, widget=TEXT)
    needs = forms.CharField(label=_("Needs"), required=False, widget=TEXT)
    safety = forms.CharField(label=_("Safety plan"), required=False, widget=TEXT)


class GoalForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), widget=TEXT)
    service_kind = forms.ChoiceField(
        label=_("Through the service"), choices=blank_first(Service.Kind.choices), required=False
    )
    responsible = forms.CharField(label=_("Responsible"), max_length=120)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)


class DoneOnForm(forms.Form):
    """Marks a goal achieved or a visit made."""

    done_on = forms.DateField(label=_("On"), widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXT)


class FollowUpForm(forms.Form):
    due_on = forms.DateField(label=_("Visit due on"), widget=DATE)
    visited_by = forms.ModelChoiceField(label=_("Who visits"), queryset=User.objects.none())

    def __init__(self, *args: Any, case_workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_by"].queryset = case_workers  # type: ignore[attr-defined]


class CaseServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=blank_first(Service.Kind.choices))
    education_support = forms.ChoiceField(
        label=_("Education support"), choices=blank_first(Service.EducationSupport.choices), required=False
    )
    for_household = HouseholdChoiceField(
        label=_("For"), queryset=Household.objects.none(), required=False, empty_label=_("the child")
    )
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE, help_text=_("Empty while it goes on."))
    provider = forms.CharField(label=_("Provider"), required=False, max_length=200)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=TEXT)
    correction_reason = correction_reason_field()

    def __init__(self, *args: Any, households: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["for_household"].queryset = households  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    to_organisation = forms.ModelChoiceField(label=_("Refer to"), queryset=Organisation.objects.none())
    needs = forms.CharField(label=_("What the child needs from them"), widget=TEXT)
    shares_identity = forms.BooleanField(
        label=_("Share the child's name and contact details"),
        required=False,
        help_text=_("Without it, the receiver knows the child only by the case code."),
    )
    override_reason = forms.CharField(
        label=_("Reason to refer without consent"),
        required=False,
        widget=TEXT,
        help_text=_("Only when no consent for referral is on record; case supervisors only. It is audited."),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = organisations  # type: ignore[attr-defined]


class ReferralAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Accept")), ("no", _("Decline"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    assigned_to = forms.ModelChoiceField(label=_("Case worker"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)

    def __init__(self, *args: Any, case_workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = case_workers  # type: ignore[attr-defined]


class LegalCaseForm(VersionedForm):
    complaint_filed_on = forms.DateField(label=_("Complaint filed on"), widget=DATE)
    authority = forms.CharField(label=_("Authority"), max_length=200)
    authority_reference = forms.CharField(
        label=_("The authority's reference number"),
        max_length=100,
        help_text=_("Evidence stays with the authorities: Sahay keeps only their reference."),
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=LegalCase.Stage.choices)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=blank_first(LegalCase.Verdict.choices), required=False)
    verdict_on = forms.DateField(label=_("Verdict on"), required=False, widget=DATE)
    offender = forms.ModelChoiceField(label=_("Offender record"), queryset=TrackedItem.objects.none(), required=False)
    measures = forms.MultipleChoiceField(
        label=_("Child-friendly measures used"),
        choices=LegalCase.Measure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXT)

    def __init__(self, *args: Any, offenders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offender"].queryset = offenders  # type: ignore[attr-defined]


class HearingForm(forms.Form):
    held_on = forms.DateField(label=_("Hearing on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(
        label=_("Document"),
        help_text=_("PDF, Word, OpenDocument or plain text. Never images or video of the child."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt,.txt"}),
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you must open this case now"),
        widget=TEXT,
        help_text=_("Your reason is recorded and the child's organisation is told."),
    )


class FindCaseForm(forms.Form):
    code = forms.CharField(label=_("Exact case code"), max_length=40)


class CaseSearchForm(forms.Form):
    code = forms.CharField(label=_("Code"), required=False, max_length=40)
    status = forms.ChoiceField(label=_("Status"), choices=blank_first(Case.Status.choices, _("any")), required=False)
    case_worker = forms.ModelChoiceField(
        label=_("Case worker"), queryset=User.objects.none(), required=False, empty_label=_("anyone")
    )
    follow_up_due = forms.BooleanField(label=_("Follow-up due"), required=False)

    def __init__(self, *args: Any, case_workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_worker"].queryset = case_workers  # type: ignore[attr-defined]


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Share with"), queryset=User.objects.none())

    def __init__(self, *args: Any, case_workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = case_workers  # type: ignore[attr-defined]


class CaseRequestAnswerForm(CorrectionWhenAskedForm):
    grant = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Grant: open the case")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note to the case worker"), required=False, widget=TEXT)

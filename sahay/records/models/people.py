"""People reached, under pseudonymous codes, with their roles over time, and households."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.encryption import EncryptedTextField
from sahay.core.models import AdministrativeArea, Country, Organisation


def opaque_id() -> str:
    """A random id for URLs: it says nothing about the person and cannot be guessed."""
    return secrets.token_urlsafe(12)


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


class Person(models.Model):
    """Someone the programme reached. Lists, figures and URLs show the code or the opaque id, never the name."""

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", verbose_name=_("organisation")
    )
    code = models.CharField(_("code"), max_length=40, help_text=_("Pseudonymous code, unique in the organisation."))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year_estimated = models.PositiveIntegerField(_("estimated year of birth"), null=True, blank=True)
    # Kept by the service that saves a person, so that age on any date is a plain date comparison in SQL.
    turns_12_on = models.DateField(null=True, blank=True, editable=False)
    turns_18_on = models.DateField(null=True, blank=True, editable=False)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    area = models.ForeignKey(
        AdministrativeArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province or district"),
    )
    name = EncryptedTextField(_("name"), blank=True)
    contact = EncryptedTextField(_("contact"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the identity was erased (retention schedule or a legal request): the de-identified record stays.
    identity_erased_at = models.DateTimeField(_("identity erased at"), null=True, blank=True, editable=False)
    # Set when this record was merged into another one (the same person recorded twice): it keeps no events,
    # stays for undoing the merge, and is hidden from lists.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_people",
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["organisation", "code"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="person_code_unique")]
        indexes = [models.Index(fields=["country", "sex"])]

    def __str__(self) -> str:
        return self.code

    @property
    def reference_birth_date(self) -> date | None:
        """The date of birth, or 1 July of the estimated year (programme.md's convention)."""
        if self.birth_date:
            return self.birth_date
        if self.birth_year_estimated:
            return date(self.birth_year_estimated, 7, 1)
        return None

    def set_age_milestones(self) -> None:
        born = self.reference_birth_date
        self.turns_12_on = years_after(born, 12) if born else None
        self.turns_18_on = years_after(born, 18) if born else None


class PersonRole(models.Model):
    class Role(models.TextChoices):
        AT_RISK_CHILD = "at_risk_child", _("at-risk child")
        VICTIM = "victim", _("victim")
        CAREGIVER = "caregiver", _("parent or caregiver")
        COMMUNITY_MEMBER = "community_member", _("community member")
        PROFESSIONAL = "professional", _("professional")

    class Profession(models.TextChoices):
        POLICE = "police", _("police officer")
        JUDGE = "judge", _("judge")
        PROSECUTOR = "prosecutor", _("prosecutor")
        SOCIAL_WORKER = "social_worker", _("social worker")
        TEACHER = "teacher", _("teacher")
        OTHER = "other", _("other profession")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    profession = models.CharField(_("profession"), max_length=20, choices=Profession.choices, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["person", "start"]
        verbose_name = _("role")
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="role_dates"),
            models.CheckConstraint(
                condition=Q(role="professional", profession__gt="") | (~Q(role="professional") & Q(profession="")),
                name="role_profession_only_for_professionals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.code}: {self.role}"


class Household(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households", verbose_name=_("organisation")
    )
    code = models.CharField(_("code"), max_length=40)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    area = models.ForeignKey(
        AdministrativeArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province or district"),
    )
    address = EncryptedTextField(_("address"), blank=True)
    members: models.ManyToManyField[Person, HouseholdMember] = models.ManyToManyField(
        Person, through="HouseholdMember", related_name="households"
    )

    class Meta:
        ordering = ["organisation", "code"]
        verbose_name = _("household")
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="household_code_unique")]

    def __str__(self) -> str:
        return self.code


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="household_member_unique")]

    def __str__(self) -> str:
        return f"{self.person.code} in {self.household.code}"

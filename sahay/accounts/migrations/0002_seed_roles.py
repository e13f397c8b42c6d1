"""Seed the first six roles. Roles are data: later migrations add roles and rights the same way."""

from django.db import migrations

ROLES = [
    (
        "programme_manager",
        "Programme manager",
        "Programmamanager",
        "all",
        ["view_figures", "change_targets", "view_reference_data", "manage_areas"],
    ),
    (
        "country_coordinator",
        "Country coordinator",
        "Landencoördinator",
        "country",
        ["view_figures", "view_reference_data", "manage_areas"],
    ),
    (
        "partner_staff",
        "Partner staff",
        "Medewerker partnerorganisatie",
        "organisation",
        ["view_figures", "view_reference_data", "manage_areas"],
    ),
    ("me_officer", "M&E officer", "M&E-medewerker", "all", ["view_figures", "enter_aggregates", "view_reference_data"]),
    ("donor_viewer", "Donor viewer", "Donor (alleen lezen)", "all", ["view_published_figures"]),
    (
        "system_administrator",
        "System administrator",
        "Systeembeheerder",
        "all",
        ["manage_users", "view_reference_data"],
    ),
]


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name_en, name_nl, scope_kind, rights in ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_nl": name_nl, "scope_kind": scope_kind, "rights": rights}
        )


def unseed(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code__in=[row[0] for row in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

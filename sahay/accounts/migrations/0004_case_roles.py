"""Case worker and case supervisor: the two roles that see children's identities, within their reach.

Both hold the legal right (legal case details of their cases) and may break the glass; supervisors may
also override a missing referral consent with a reason and read their organisation's audit trail.
"""

from django.db import migrations

ROLES = [
    (
        "case_worker",
        "Case worker",
        "Casemanager",
        "organisation",
        ["work_cases", "view_legal_data", "break_glass", "view_reference_data"],
    ),
    (
        "case_supervisor",
        "Case supervisor",
        "Teamleider casemanagement",
        "organisation",
        [
            "work_cases",
            "supervise_cases",
            "view_legal_data",
            "break_glass",
            "override_consent",
            "view_audit",
            "view_reference_data",
        ],
    ),
]


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name_en, name_nl, scope_kind, rights in ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_nl": name_nl, "scope_kind": scope_kind, "rights": rights}
        )
    # Administrators read the whole audit trail.
    admin = Role.objects.filter(code="system_administrator").first()
    if admin and "view_audit" not in admin.rights:
        admin.rights = [*admin.rights, "view_audit"]
        admin.save(update_fields=["rights"])


def unseed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(code__in=[row[0] for row in ROLES]).delete()
    admin = Role.objects.filter(code="system_administrator").first()
    if admin:
        admin.rights = [right for right in admin.rights if right != "view_audit"]
        admin.save(update_fields=["rights"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_record_data_right")]
    operations = [migrations.RunPython(seed, unseed)]

"""Half-year reporting rights: coordinators submit periods, managers approve them, staff write reports."""

from django.db import migrations

GRANTS = {
    "country_coordinator": ["submit_periods", "write_reports"],
    "programme_manager": ["approve_periods", "write_reports"],
    "me_officer": ["write_reports"],
}


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=GRANTS):
        role.rights = [*role.rights, *(right for right in GRANTS[role.code] if right not in role.rights)]
        role.save(update_fields=["rights"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=GRANTS):
        role.rights = [right for right in role.rights if right not in GRANTS[role.code]]
        role.save(update_fields=["rights"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_sessions")]
    operations = [migrations.RunPython(grant, revoke)]

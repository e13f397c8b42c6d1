"""Programme staff who record what they do get the right to record data, in their own scope."""

from django.db import migrations

ROLES_THAT_RECORD = ["country_coordinator", "partner_staff", "me_officer"]


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=ROLES_THAT_RECORD):
        if "record_data" not in role.rights:
            role.rights = [*role.rights, "record_data"]
            role.save(update_fields=["rights"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=ROLES_THAT_RECORD):
        role.rights = [right for right in role.rights if right != "record_data"]
        role.save(update_fields=["rights"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_seed_roles")]
    operations = [migrations.RunPython(grant, revoke)]

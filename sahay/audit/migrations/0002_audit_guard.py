"""The database refuses UPDATE, DELETE and TRUNCATE of audit entries (triggers from sahay.audit.guard)."""

from django.db import migrations

from sahay.audit import guard


def install(apps, schema_editor):
    guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]

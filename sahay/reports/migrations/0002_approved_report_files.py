"""Approved reports' files, kept once rendered.

No data migration renders the files of reports approved before: a download renders a missing file and keeps it,
exactly as downloads rendered every file until now. Rendering them here would run WeasyPrint for every approved
report, format and language inside `migrate` (minutes, holding the upgrade), with today's renderers imported into
a migration that should not depend on them.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_period_reviews_and_reports"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file_format", models.CharField(max_length=10)),
                ("language", models.CharField(max_length=10)),
                ("digest", models.CharField(max_length=64)),
                ("content", models.BinaryField()),
                ("rendered_at", models.DateTimeField()),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="files", to="reports.report"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("report", "file_format", "language"), name="report_file_unique")
                ],
            },
        ),
    ]

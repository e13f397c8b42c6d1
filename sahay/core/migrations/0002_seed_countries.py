"""Seed the programme's nine countries and the Netherlands (where the head office is), with EN and NL names."""

from django.db import migrations

COUNTRIES = [
    ("BD", "Bangladesh", "Bangladesh", True),
    ("KH", "Cambodia", "Cambodja", True),
    ("IN", "India", "India", True),
    ("ID", "Indonesia", "Indonesië", True),
    ("MM", "Myanmar", "Myanmar", True),
    ("NP", "Nepal", "Nepal", True),
    ("PH", "Philippines", "Filipijnen", True),
    ("LK", "Sri Lanka", "Sri Lanka", True),
    ("TH", "Thailand", "Thailand", True),
    ("NL", "Netherlands", "Nederland", False),
]


def seed(apps, schema_editor):
    Country = apps.get_model("core", "Country")
    for code, name_en, name_nl, is_programme_country in COUNTRIES:
        Country.objects.update_or_create(
            code=code,
            defaults={"name_en": name_en, "name_nl": name_nl, "is_programme_country": is_programme_country},
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "Country").objects.filter(code__in=[row[0] for row in COUNTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

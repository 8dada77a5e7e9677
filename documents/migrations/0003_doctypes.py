from django.db import migrations

from documents.doctypes import PARTY, STATE


def load(apps, schema_editor):
    DocType = apps.get_model("documents", "DocType")
    for profile, rows in (("party", PARTY), ("state", STATE)):
        for code, name, abbreviation in rows:
            DocType.objects.get_or_create(profile=profile, code=code,
                                          defaults={"name": name, "abbreviation": abbreviation})


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

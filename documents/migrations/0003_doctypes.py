from django.db import migrations

from documents import doctypes


def load(apps, schema_editor):
    doctypes.load(apps.get_model("documents", "DocType"))


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The directory's change token and the triggers that keep it (exchange/directory_version.py)."""

from django.db import migrations

from exchange import directory_version


def forwards(apps, schema_editor):
    directory_version.create(schema_editor.connection)


def backwards(apps, schema_editor):
    directory_version.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_directory_source_relay_certificates_sender_scoped_ids"),
        ("orgs", "0002_document_heading"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]

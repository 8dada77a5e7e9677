"""The audit table refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) at the database level."""

from django.db import migrations

from core import dbtriggers


def forwards(apps, schema_editor):
    dbtriggers.create(schema_editor.connection)


def backwards(apps, schema_editor):
    dbtriggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The document types of ND30 Điều 7 / Phụ lục III, as editable data."""

from django.db import migrations


def load(apps, schema_editor):
    # The list lives in qlvb.documents.defaults so tests and `qlvb demo` can restore it.
    from qlvb.documents.defaults import ensure_document_types

    ensure_document_types(apps.get_model("documents", "DocumentType"))


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

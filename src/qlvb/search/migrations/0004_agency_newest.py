"""The order every result list is read in, newest first (or backwards, oldest first): a search
walks it and stops at a page or at the ranked candidates (search/selectors.py). Per database:
SQLite puts NULLs last in a DESC index already and refuses the NULLS LAST clause."""

from django.db import migrations

FORWARD = {
    "postgresql": "CREATE INDEX IF NOT EXISTS search_entry_agency_newest ON search_entry "
    "(agency_id, doc_date DESC NULLS LAST, document_id DESC)",
    "sqlite": "CREATE INDEX IF NOT EXISTS search_entry_agency_newest ON search_entry "
    "(agency_id, doc_date DESC, document_id DESC)",
}


def forward(apps, schema_editor):
    sql = FORWARD.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS search_entry_agency_newest")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_textextraction_searchable_pdf")]

    operations = [migrations.RunPython(forward, backward)]

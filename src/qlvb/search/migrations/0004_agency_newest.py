"""The order every result list is read in, newest first (or backwards, oldest first): a search
walks it and stops at a page or at the ranked candidates (search/selectors.py); trigrams for the
organ and signer filters on PostgreSQL. Per database: SQLite puts NULLs last in a DESC index
already and refuses the NULLS LAST clause."""

from django.db import migrations

FORWARD = {
    "postgresql": [
        "CREATE INDEX IF NOT EXISTS search_entry_agency_newest ON search_entry "
        "(agency_id, doc_date DESC NULLS LAST, document_id DESC)",
        # The organ and signer filters are `contains` on folded text: trigrams find them
        # without reading every match of the words typed beside them.
        "CREATE INDEX IF NOT EXISTS search_entry_organ_trgm ON search_entry "
        "USING gin (organ_folded gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS search_entry_signer_trgm ON search_entry "
        "USING gin (signer_folded gin_trgm_ops)",
    ],
    "sqlite": [
        "CREATE INDEX IF NOT EXISTS search_entry_agency_newest ON search_entry "
        "(agency_id, doc_date DESC, document_id DESC)",
    ],
}
INDEXES = ["search_entry_agency_newest", "search_entry_organ_trgm", "search_entry_signer_trgm"]


def forward(apps, schema_editor):
    for sql in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_textextraction_searchable_pdf")]

    operations = [migrations.RunPython(forward, backward)]

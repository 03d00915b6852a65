"""The urgency filter (khẩn, hỏa tốc: what a list of urgent work asks) walks its own newest-first
index, instead of reading every row of the agency's newest list to test its urgency (a
specialist's «filters only, urgent» read 8,000 rows from the heap and sorted them: 130 ms)."""

from django.db import migrations

FORWARD = {
    "postgresql": "CREATE INDEX IF NOT EXISTS search_entry_agency_urgency_newest ON search_entry "
    "(agency_id, urgency, doc_date DESC NULLS LAST, document_id DESC)",
    "sqlite": "CREATE INDEX IF NOT EXISTS search_entry_agency_urgency_newest ON search_entry "
    "(agency_id, urgency, doc_date DESC, document_id DESC)",
}


def forward(apps, schema_editor):
    sql = FORWARD.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS search_entry_agency_urgency_newest")


class Migration(migrations.Migration):
    dependencies = [("search", "0005_fts_prefix_index")]

    operations = [migrations.RunPython(forward, backward)]

"""Indexes the reports read at a province's size (PostgreSQL only; docs/benchmarks.md).

They sit on other apps' tables but serve only the reports (selectors.py), so they live here:
- documents: an agency's documents by issue date with what the reports count them by, read
  without touching the table (index-only scan) instead of scanning every document;
- recipients and deliveries: the rows of each outgoing document, read from the index alone;
- assignments: how many (department, person) pairs there really are, so the planner groups them
  in a hash and does not sort them.
SQLite (development, tests) keeps the plain indexes: nothing to do there."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS reports_document_agency_cover ON documents_document "
    "(agency_id, issued_date) INCLUDE (id, organ_id, type_name, urgency)",
    "CREATE INDEX IF NOT EXISTS reports_recipient_outgoing_cover ON outgoing_recipient "
    "(outgoing_id) INCLUDE (id, agency_id, medium)",
    "CREATE INDEX IF NOT EXISTS reports_delivery_outgoing_cover ON outgoing_delivery "
    "(outgoing_id) INCLUDE (id, recipient_agency_id, delivered_at, accepted_at, status, done_at, "
    "due_date)",
    "CREATE STATISTICS IF NOT EXISTS reports_assignment_assignee (ndistinct) "
    "ON department_id, person_id FROM incoming_assignment",
    "ANALYZE incoming_assignment",
]
DROP = [
    "DROP STATISTICS IF EXISTS reports_assignment_assignee",
    "DROP INDEX IF EXISTS reports_delivery_outgoing_cover",
    "DROP INDEX IF EXISTS reports_recipient_outgoing_cover",
    "DROP INDEX IF EXISTS reports_document_agency_cover",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("documents", "0003_number_lookup_index"),
        ("outgoing", "0001_initial"),
        ("incoming", "0006_open_assignment_indexes"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]

"""An agency's issued outgoing documents read from the index alone (PostgreSQL only): every
outgoing report starts from them (selectors.issued_outgoing), and the table scan it replaces
read every agency's documents. See 0002."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS reports_outgoing_agency_cover ON outgoing_outgoingdocument "
    "(agency_id, state) INCLUDE (id, document_id)"
)
DROP = "DROP INDEX IF EXISTS reports_outgoing_agency_cover"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_indexes")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]

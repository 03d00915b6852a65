"""Search-as-you-type index over Agency.search_text (120,000 agencies, p95 < 30 ms).

PostgreSQL: pg_trgm GIN index; `LIKE 'w%'` and `LIKE '% w%'` (word prefix) use it.
SQLite: an external-content FTS5 table with prefix indexes, kept in sync by triggers so that
bulk_create/bulk_update (the directory import) keep it current without Python code.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS agencies_agency_fts USING fts5(
        search_text, content='agencies_agency', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2 tokenchars '.'", prefix='1 2 3')""",
    """CREATE TRIGGER IF NOT EXISTS agencies_agency_fts_ai AFTER INSERT ON agencies_agency BEGIN
        INSERT INTO agencies_agency_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS agencies_agency_fts_ad AFTER DELETE ON agencies_agency BEGIN
        INSERT INTO agencies_agency_fts(agencies_agency_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS agencies_agency_fts_au AFTER UPDATE OF search_text
    ON agencies_agency BEGIN
        INSERT INTO agencies_agency_fts(agencies_agency_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO agencies_agency_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO agencies_agency_fts(agencies_agency_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS agencies_agency_fts_ai",
    "DROP TRIGGER IF EXISTS agencies_agency_fts_ad",
    "DROP TRIGGER IF EXISTS agencies_agency_fts_au",
    "DROP TABLE IF EXISTS agencies_agency_fts",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS agency_search_trgm ON agencies_agency "
    "USING gin (search_text gin_trgm_ops)",
]
PG_DOWN = ["DROP INDEX IF EXISTS agency_search_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]

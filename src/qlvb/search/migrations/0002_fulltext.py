"""The full-text part of the index, per database: an FTS5 table kept in step by triggers on
SQLite; on PostgreSQL the `qlvb_vi` text search configuration (`simple` + unaccent), generated
tsvector columns with a GIN index, and a trigram index on the normalized number/notation."""

from django.db import migrations

SQLITE_FORWARD = [
    # External content: the words live once, in search_entry; FTS5 keeps only its index.
    # Words arrive already cut and folded (search/text.py), so no diacritics removal here.
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        meta_folded, body_folded, meta_text, body_text,
        content='search_entry', content_rowid='document_id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, meta_folded, body_folded, meta_text, body_text)
        VALUES (new.document_id, new.meta_folded, new.body_folded, new.meta_text, new.body_text);
    END""",
    """CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, meta_folded, body_folded, meta_text, body_text)
        VALUES ('delete', old.document_id, old.meta_folded, old.body_folded, old.meta_text,
                old.body_text);
    END""",
    """CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, meta_folded, body_folded, meta_text, body_text)
        VALUES ('delete', old.document_id, old.meta_folded, old.body_folded, old.meta_text,
                old.body_text);
        INSERT INTO search_fts(rowid, meta_folded, body_folded, meta_text, body_text)
        VALUES (new.document_id, new.meta_folded, new.body_folded, new.meta_text, new.body_text);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'qlvb_vi') THEN
            CREATE TEXT SEARCH CONFIGURATION qlvb_vi (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION qlvb_vi
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        END IF;
    END $$""",
    # Metadata weighs A, file text C; `tsv` is searched (GIN), `tsv_exact` only ranks.
    """ALTER TABLE search_entry ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('qlvb_vi'::regconfig, meta_folded), 'A')
        || setweight(to_tsvector('qlvb_vi'::regconfig, body_folded), 'C')
    ) STORED""",
    """ALTER TABLE search_entry ADD COLUMN tsv_exact tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, meta_text), 'A')
        || setweight(to_tsvector('simple'::regconfig, body_text), 'C')
    ) STORED""",
    "CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)",
    "CREATE INDEX search_entry_notation_trgm ON search_entry USING gin (notation gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_notation_trgm",
    "DROP INDEX IF EXISTS search_entry_tsv",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv_exact",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]

"""The full-text half of the index, in each database's own way.

PostgreSQL: ``document``, a tsvector generated from ``terms`` with the ``simple`` configuration (the terms
are already Simplified, segmented and stemmed, and hold only letters and digits, so the parser keeps each one
whole and in order), and a GIN index over it.
SQLite: an FTS5 table over ``terms`` whose rowid is the entry's id, kept in step by triggers.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRESQL_FORWARD = [
    "ALTER TABLE search_searchentry ADD COLUMN document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED",
    "CREATE INDEX search_entry_document ON search_searchentry USING gin (document)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_document",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS document",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5("
    "terms, content='search_searchentry', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_entry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF terms ON search_searchentry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_entry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "INSERT INTO search_entry_fts(rowid, terms) SELECT id, terms FROM search_searchentry",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_entries")]

    operations = [migrations.RunPython(forward, backward)]

"""PostgreSQL: finer statistics of the search document's words, so the planner knows a rare word from a common one.

With the default, only the ~1,000 most frequent words are counted; a word beyond them is guessed, and a
wrong guess makes a search read every match of a common word (seconds on millions of messages) or walk
the whole table for a rare one. Ten times as many words are counted, from a ten times larger sample.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

STATISTICS = 1000


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE search_searchentry ALTER COLUMN document SET STATISTICS {STATISTICS}")


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchentry ALTER COLUMN document SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text")]

    operations = [migrations.RunPython(forward, backward)]

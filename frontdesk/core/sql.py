"""Statements written out by hand on hot paths (webhook storing, the incidents check): placeholders, integer lists
as one parameter, and a cursor whose statements PostgreSQL plans once."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper


def value_list(count: int) -> str:
    """``%s, %s, …``: the placeholders of ``count`` values, for ``IN (…)``."""
    return ", ".join(["%s"] * count)


def value_rows(rows: int, columns: int) -> str:
    """``(%s, %s), (%s, %s), …``: the placeholders of ``rows`` rows of ``columns`` values, for ``VALUES …``."""
    return ", ".join(["(" + value_list(columns) + ")"] * rows)


def integers_in() -> str:
    """The test that a column is one of a list of integers given as one parameter (``integers_parameter``):
    ``key {integers_in()}``. On PostgreSQL ``= ANY(array)``, which an index scan answers however the planner
    guesses the list's length; on SQLite ``IN`` over the list's JSON.

    One parameter, not one placeholder a value, so a statement's text is the same however many values it has:
    PostgreSQL keeps one prepared plan for it (``prepared_cursor``), SQLite's driver one compiled statement.
    """
    return "= ANY(%s::bigint[])" if connection.vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"


def integers_table() -> str:
    """A list of integers given as one parameter (``integers_parameter``) as a table of one column, ``value``:
    ``INSERT … SELECT %s, value FROM {integers_table()}``."""
    return "unnest(%s::bigint[]) AS value" if connection.vendor == "postgresql" else "json_each(%s)"


def integers_parameter(values: Sequence[int]) -> Any:
    """The parameter of ``integers_in`` and ``integers_table``: an array on PostgreSQL, JSON text on SQLite."""
    return list(values) if connection.vendor == "postgresql" else json.dumps(list(values))


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor whose statements PostgreSQL plans once per connection and then reuses (server-side binding,
    each statement prepared when first run); Django's own cursor on SQLite, whose driver already keeps compiled
    statements. For statements run for every message, where planning cost as much as running: their text must not
    vary (lists as ``integers_in``), or each variant is prepared apart. Results come in PostgreSQL's binary
    format (a candidate's 512-byte signature as bytes, not hex text to decode), so read them raw: Django's loaders
    for its own column types (timestamps in the current time zone, JSON as text) apply to text results only.
    Logged and wrapped as Django's cursors are (``connection.execute_wrapper``, captured queries). Prepared only
    with ``FRONTDESK_DB_PREPARED`` on (the connection's ``prepare_threshold`` set)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    wrapped: CursorWrapper = connection._prepare_cursor(  # type: ignore[attr-defined]
        _preparing_cursor_class()(connection.connection)
    )
    with wrapped as cursor:
        yield cursor


@functools.cache
def _preparing_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc]
        """Django's server-binding cursor, preparing every statement it runs, with binary results."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **options: Any) -> Any:
            run = super().execute  # type: ignore[misc]
            options.setdefault("binary", True)
            return run(query, params, prepare=True if prepare is None else prepare, **options)

    return PreparingCursor

"""Hand-written statements on hot paths: integer lists as one parameter, and statements PostgreSQL prepares once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.core.sql import integers_in, integers_parameter, integers_table, prepared_cursor

# Band keys are signed 64-bit integers: the extremes must survive the trip as exactly themselves.
KEYS = [-(2**63), -1, 0, 7, 2**53 + 1, 2**63 - 1]


@pytest.mark.django_db
def test_an_integer_list_is_one_parameter_however_long() -> None:
    with prepared_cursor() as cursor:
        cursor.execute(f"SELECT value FROM {integers_table()} ORDER BY value", [integers_parameter(KEYS)])  # noqa: S608
        assert [value for (value,) in cursor.fetchall()] == KEYS
        cursor.execute(
            f"SELECT value FROM {integers_table()} WHERE value {integers_in()} ORDER BY value",  # noqa: S608
            [integers_parameter(KEYS), integers_parameter([2**63 - 1, 5, -(2**63)])],
        )
        assert [value for (value,) in cursor.fetchall()] == [-(2**63), 2**63 - 1]


@pytest.mark.django_db
def test_statements_through_the_prepared_cursor_are_logged_like_any_other() -> None:
    with CaptureQueriesContext(connection) as captured, prepared_cursor() as cursor:
        cursor.execute("SELECT %s + 1", [41])
        assert cursor.fetchone() == (42,)
    # PostgreSQL's server-side binding logs the statement and its parameters apart.
    [logged] = [query["sql"] for query in captured.captured_queries]
    assert logged in ("SELECT 41 + 1", "QUERY = 'SELECT %s + 1' - PARAMS = (41,)")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgresql_prepares_the_statement_once_and_django_cursors_never() -> None:
    statement = f"SELECT count(*) FROM {integers_table()} WHERE value > %s"  # noqa: S608
    for bound in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(statement, [integers_parameter(KEYS), bound])
            assert cursor.fetchone() == (3,)
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname = %s", ["incidents_signatureband"])
        # The connection may have prepared others before (the pool keeps it): this one is there once, and none
        # of Django's.
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [text for (text,) in cursor.fetchall()]
    assert prepared.count(statement.replace("%s", "$1", 1).replace("%s", "$2", 1)) == 1
    assert not [text for text in prepared if "pg_class" in text]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_with_preparing_off_the_statements_still_run_unprepared() -> None:
    # FRONTDESK_DB_PREPARED=0 (behind a pooler that cannot keep prepared statements) leaves the connection's
    # prepare_threshold unset: the same cursor then binds on the server without preparing.
    connection.ensure_connection()
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        with prepared_cursor() as cursor:
            for _ in range(3):
                cursor.execute(f"SELECT count(*) AS not_prepared FROM {integers_table()}", [integers_parameter(KEYS)])  # noqa: S608
                assert cursor.fetchone() == (len(KEYS),)
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%not_prepared%"])
            assert cursor.fetchone() == (0,)
    finally:
        raw.prepare_threshold = threshold

"""One transaction helper for the pipeline's writes, kind to SQLite's single writer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

# A batch of writes holds its rows (and, on SQLite, the only write lock) until
# it commits; past this many seconds it commits and the next batch goes on.
BATCH_SECONDS = 0.05 if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else 0.5

# SQLite admits one writer at a time, and its busy handler waits by sleeping
# (up to 100 ms a try), so concurrent requests of one process queue here
# instead and take the write lock the moment it is free. PostgreSQL needs no such queue.
# Re-entrant: a transaction's on-commit subscribers run while its thread still
# holds the turn, and may write in a transaction of their own.
_sqlite_writer = threading.RLock()


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()``, taken in turn by the threads of this process on SQLite."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with _sqlite_writer, transaction.atomic():
        yield


@contextmanager
def write_turn() -> Iterator[None]:
    """This thread's turn among the process's SQLite writers, for one autocommit statement; nothing on PostgreSQL."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _sqlite_writer:
        yield


def checkpoint() -> None:
    """On SQLite, copy the write-ahead log into the database now; nothing on PostgreSQL.

    SQLite does it by itself in the commit that finds the log past 1,000
    pages, and that commit then takes over ten times as long: a worker with
    nothing to do does it first (``InboundProcessor.idle``), so at quiet times
    no message waits for it. PASSIVE never waits for (nor holds up) readers
    and writers. It also puts the log on disk (``synchronous=NORMAL`` syncs it
    only at checkpoints).
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

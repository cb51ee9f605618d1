"""One transaction helper for the pipeline's writes, kind to SQLite's single writer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# SQLite admits one writer at a time, and its busy handler waits by sleeping
# (up to 100 ms a try), so concurrent requests of one process queue here
# instead and take the write lock the moment it is free. PostgreSQL needs no such queue.
_sqlite_writer = threading.Lock()


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

"""Placeholders for statements written out by hand on hot paths (webhook storing, the incidents check)."""

from __future__ import annotations


def value_list(count: int) -> str:
    """``%s, %s, …``: the placeholders of ``count`` values, for ``IN (…)``."""
    return ", ".join(["%s"] * count)


def value_rows(rows: int, columns: int) -> str:
    """``(%s, %s), (%s, %s), …``: the placeholders of ``rows`` rows of ``columns`` values, for ``VALUES …``."""
    return ", ".join(["(" + value_list(columns) + ")"] * rows)

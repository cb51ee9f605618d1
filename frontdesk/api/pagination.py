"""Keyset (cursor) pagination: stable under inserts, O(1) per page at any depth."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet
from ninja import Schema
from ninja.errors import HttpError

MAX_LIMIT = 200


class PageParams(Schema):
    cursor: str | None = None
    limit: int = 50


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list[str], queryset: QuerySet[Any]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError
        model = queryset.model
        return [model._meta.get_field(field).to_python(value) for field, value in zip(fields, values, strict=True)]
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        raise HttpError(400, "The cursor is not valid.") from error


def paginate[M: Model](
    queryset: QuerySet[M], params: PageParams, order: tuple[str, ...] = ("-id",)
) -> tuple[list[M], str | None]:
    """One page ordered by ``order`` (every key descending or every key ascending) and the next cursor."""
    limit = max(1, min(params.limit, MAX_LIMIT))
    fields = [key.lstrip("-") for key in order]
    descending = order[0].startswith("-")
    queryset = queryset.order_by(*order)
    if params.cursor:
        values = _decode(params.cursor, fields, queryset)
        lookup = "lt" if descending else "gt"
        condition = Q()
        for index, field in enumerate(fields):
            step = Q(**{f"{field}__{lookup}": values[index]})
            for previous, value in zip(fields[:index], values[:index], strict=True):
                step &= Q(**{previous: value})
            condition |= step
        queryset = queryset.filter(condition)
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([getattr(last, field if field != "id" else "pk") for field in fields])
    return rows, next_cursor

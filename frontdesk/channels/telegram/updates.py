"""Reading a Telegram ``Update`` with python-telegram-bot's own types (https://core.telegram.org/bots/api#update).

``telegram.Update.de_json`` builds the objects but checks little: a missing
``chat`` becomes ``None``, a text ``date`` or a number where text belongs is
kept as it came, and what it does refuse (``KeyError: 'date'``) says neither
where nor why. So the parts Frontdesk reads are first checked against the
library's own constructors (which fields they require, the types they
declare) and any problem is named by its path: ``message.chat is missing``.

Only the update kinds that can become a message are read; the others
(polls, member changes, and kinds Telegram adds later) are left alone, so an
update the library cannot model yet is still acknowledged rather than refused.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import telegram
from telegram import CallbackQuery, Location, MaybeInaccessibleMessage, Message, TelegramObject, Update

from frontdesk.channels.base import PayloadInvalid

READ_KINDS = ("message", "edited_message", "callback_query")
# Our own bound: a file id becomes a "telegram-file:" reference and a getFile query.
MAX_ID_LENGTH = 255
MAX_PROBLEMS = 5
# What JSON holds for each declared type (a date is a Unix time); bool is no integer here.
JSON_TYPES: dict[Any, tuple[str, tuple[type, ...]]] = {
    int: ("an integer", (int,)),
    float: ("a number", (int, float)),
    str: ("a string", (str,)),
    bool: ("true or false", (bool,)),
    datetime: ("a Unix time", (int,)),
}
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}


def check_update(document: dict[str, Any]) -> dict[str, Any]:
    """The parts of ``document`` Frontdesk reads, checked; raises ``PayloadInvalid`` naming what is wrong.

    The webhook's acknowledgement needs only this (a refusal names the
    problem); building the library's objects is left to the worker.
    """
    update_id = document["update_id"]
    readable = {key: document[key] for key in ("update_id", *READ_KINDS) if key in document}
    problems = list(_object_problems(Update, readable, ""))
    if problems:
        raise PayloadInvalid(f"update {update_id}: {'; '.join(problems[:MAX_PROBLEMS])}")
    return readable


def read_update(document: dict[str, Any]) -> Any:
    """``document`` as a ``telegram.Update``; raises ``PayloadInvalid`` naming what is missing or wrong.

    ``document`` must hold an integer ``update_id``; the update kinds Frontdesk
    does not read are left out of the result.
    """
    update_id = document["update_id"]
    readable = check_update(document)
    try:
        return Update.de_json(readable, None)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        # Something the constructors' signatures do not say, such as a date out of range.
        raise PayloadInvalid(f"update {update_id}: not readable as a Telegram Update ({error!r})") from error


@cache
def _fields(cls: Any) -> dict[str, tuple[bool, Any]]:
    """A Telegram class's JSON fields: whether each is required, and the type its constructor declares."""
    hints = typing.get_type_hints(cls.__init__, globalns=vars(telegram))
    fields = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        if name == "api_kwargs" or parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        # The library renames the one field that is a Python keyword.
        key = "from" if name == "from_user" else name
        fields[key] = (parameter.default is inspect.Parameter.empty, hints.get(name))
    return fields


def _object_problems(cls: type, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"{path} should be an object"
        return
    for key, (required, hint) in _fields(cls).items():
        where = f"{path}.{key}" if path else key
        if value.get(key) is None:
            if required:
                yield f"{where} is missing"
            continue
        problems = list(_value_problems(hint, value[key], where))
        yield from problems or _limit_problems(cls, key, value[key], where)


def _value_problems(hint: Any, value: Any, where: str) -> Iterator[str]:
    hint = _without_none(hint)
    if typing.get_origin(hint) is Sequence:
        if not isinstance(value, list):
            yield f"{where} should be a list"
            return
        (item_hint,) = typing.get_args(hint)
        for index, item in enumerate(value):
            yield from _value_problems(item_hint, item, f"{where}.{index}")
    elif isinstance(hint, type) and issubclass(hint, TelegramObject):
        # A callback's message is always read as a Message (dated 0 when too old to see).
        yield from _object_problems(Message if hint is MaybeInaccessibleMessage else hint, value, where)
    elif hint in JSON_TYPES:
        description, allowed = JSON_TYPES[hint]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            yield f"{where} should be {description}"


def _limit_problems(cls: type, key: str, value: Any, where: str) -> Iterator[str]:
    is_id = key == "file_id" or (cls is CallbackQuery and key == "id")
    if is_id and not 1 <= len(value) <= MAX_ID_LENGTH:
        yield f"{where} should be 1 to {MAX_ID_LENGTH} characters"
    limit = COORDINATE_LIMITS.get(key) if cls is Location else None
    if limit is not None and abs(value) > limit:
        yield f"{where} should be between -{limit} and {limit}"


def _without_none(hint: Any) -> Any:
    """``X`` for ``X | None``; other unions stay as they are (and are not checked)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kept = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else hint
    return hint

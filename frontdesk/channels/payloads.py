"""Reading a webhook body as JSON, with the same clear refusals for every channel."""

from __future__ import annotations

import json
from typing import Any

from frontdesk.channels.base import PayloadInvalid


def read_json(body: bytes) -> Any:
    """The parsed body; ``PayloadInvalid`` saying where it is not UTF-8 or not JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadInvalid(f"the body is not valid UTF-8 (byte {error.start})") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadInvalid(f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from error


def events_list(document: Any, limit: int) -> list[Any]:
    """The ``events`` list of a batch body, refusing other shapes and more than ``limit`` events."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise PayloadInvalid('the body must be a JSON object with an "events" list')
    events: list[Any] = document["events"]
    if len(events) > limit:
        raise PayloadInvalid(f"at most {limit} events per delivery")
    return events

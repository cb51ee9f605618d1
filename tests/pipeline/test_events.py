"""Events published inside ``collecting`` blocks: one dispatch for the outermost block, after commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from frontdesk.pipeline.events import _subscribers, collecting, publish


@pytest.fixture
def dispatches() -> Any:
    received: list[list[str]] = []
    _subscribers["tests.events"] = lambda events: received.append([event.type for event in events])
    yield received
    del _subscribers["tests.events"]


@pytest.mark.django_db
def test_a_nested_block_joins_the_outer_dispatch(
    dispatches: list[list[str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), collecting():
        publish("first", 1, {})
        with transaction.atomic(), collecting():
            publish("inner", 1, {})
        publish("last", 1, {})
    assert dispatches == [["first", "inner", "last"]]


@pytest.mark.django_db
def test_a_nested_block_that_fails_publishes_nothing(
    dispatches: list[list[str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), collecting():
        publish("kept", 1, {})
        with pytest.raises(ValueError), transaction.atomic(), collecting():
            publish("rolled back", 1, {})
            raise ValueError
    assert dispatches == [["kept"]]

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from frontdesk.callbacks.actions import request_callback
from frontdesk.callbacks.models import CallbackRequest
from frontdesk.core.models import Member, Workspace
from frontdesk.core.tokens import issue_token
from frontdesk.pipeline.events import Event, _subscribers
from tests.factories import make_channel, make_contact


@pytest.fixture
def new_callback(workspace: Workspace) -> Callable[..., CallbackRequest]:
    def make(phone: str = "+85291234567", **fields: Any) -> CallbackRequest:
        fields.setdefault("channel", make_channel(workspace))
        fields.setdefault("contact", make_contact(workspace, name=fields.pop("name", "Mei Chan")))
        return request_callback(phone=phone, **fields)

    return make


@pytest.fixture
def events() -> Iterator[list[Event]]:
    received: list[Event] = []
    _subscribers["test"] = received.extend
    yield received
    del _subscribers["test"]


def api_caller(client: Client, member: Member) -> Callable[..., Any]:
    token = issue_token(member, "tests")[1]

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(client, method)(
            f"/api/v1{path}",
            data=body or {},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


@pytest.fixture
def api(client: Client, agent: Member) -> Callable[..., Any]:
    return api_caller(client, agent)

"""Connecting a channel from the admin UI or the API: which credentials a kind needs and how to test them.

Each channel kind's ``frontdesk/channels/<kind>/setup.py`` defines ``CONNECTOR``,
a :class:`Connector`. The settings pages and ``POST /api/v1/channels`` build
their forms from its fields, store the secret ones encrypted in
``channel.secrets`` and the others in ``channel.config``, fill in generated
values (a verify token, a webhook secret), and call ``test_connection`` when
the admin presses "Test connection".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from frontdesk.channels.models import Channel, ChannelKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from frontdesk.core.http_client import HttpClient


class ConnectionTestFailed(Exception):
    """The provider refused the credentials or could not be reached; ``reason`` is shown to the admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CredentialField:
    """One value the admin types in (or we generate) when connecting a channel."""

    name: str
    label: StrOrPromise
    # Secret values go to ``channel.secrets`` (encrypted, never shown again unless ``reveal``); others to ``config``.
    secret: bool = True
    required: bool = True
    help_text: StrOrPromise = ""
    # Made by us when left blank (a verify token, a webhook secret); the admin pastes it at the provider.
    generate: Callable[[], str] | None = None
    # Shown on the channel's page after connecting, because the admin must paste it at the provider.
    reveal: bool = False
    # The default of a non-secret value (an API base URL).
    default: str = ""
    choices: tuple[tuple[str, StrOrPromise], ...] = ()


@dataclass(frozen=True)
class Connector:
    kind: ChannelKind
    fields: tuple[CredentialField, ...]
    # Calls the provider with the stored credentials; returns what it said about the account
    # ("Bot @shop_bot", "+852 5555 0000") or raises ``ConnectionTestFailed``.
    test_connection: Callable[[Channel, HttpClient], str]
    # Called once after the channel is created (e.g. registering the webhook where the provider has an API for it);
    # returns a note for the admin, or raises ``ConnectionTestFailed``.
    after_connect: Callable[[Channel, HttpClient], str] | None = None
    # Fetches the account's approved message templates into ``channel.config["templates"]``; returns how many
    # (WhatsApp). Raises ``ConnectionTestFailed`` with the provider's reason.
    sync_templates: Callable[[Channel, HttpClient], int] | None = None
    # docs/channels/<this>.md: the provider-side steps.
    docs_page: str = ""
    notes: tuple[StrOrPromise, ...] = field(default_factory=tuple)

    def split_values(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``values`` typed in → (config, secrets), with defaults and generated values filled in."""
        config: dict[str, Any] = {}
        secrets: dict[str, Any] = {}
        for item in self.fields:
            value = str(values.get(item.name) or "").strip()
            if not value and item.generate is not None:
                value = item.generate()
            if not value and item.default:
                value = item.default
            if not value:
                continue
            (secrets if item.secret else config)[item.name] = value
        return config, secrets


class NoConnector(LookupError):
    pass


def connector_for(kind: str) -> Connector:
    """The ``CONNECTOR`` of ``frontdesk/channels/<kind>/setup.py``."""
    if kind not in ChannelKind.values:
        raise NoConnector(kind)
    module_name = f"frontdesk.channels.{kind}.setup"
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is None or not module_name.startswith(error.name):
            raise
        raise NoConnector(kind) from error
    connector: Connector | None = getattr(module, "CONNECTOR", None)
    if connector is None:
        raise NoConnector(kind)
    return connector


def connectable_kinds() -> list[ChannelKind]:
    """The kinds an admin can connect here, in the order of ``ChannelKind``."""
    kinds = []
    for kind in ChannelKind:
        try:
            connector_for(kind.value)
        except NoConnector:
            continue
        kinds.append(kind)
    return kinds

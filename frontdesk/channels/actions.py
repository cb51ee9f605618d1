"""Connecting and changing channels: validated against the kind's connector, audited, never logging a secret.

The settings pages and the REST API both call these, so a channel is connected,
edited and tested the same way from either.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frontdesk.channels.connect import ConnectionTestFailed, Connector, CredentialField, NoConnector, connector_for
from frontdesk.channels.models import Channel
from frontdesk.core.audit import record
from frontdesk.core.http_client import HttpClientError, http_client
from frontdesk.core.models import Member


@dataclass(frozen=True)
class Outcome:
    """What a call to the provider said: shown to the admin as a success or a warning."""

    ok: bool
    detail: str


def webhook_url(channel: Channel) -> str:
    """The address the admin pastes at the provider."""
    return f"{settings.PUBLIC_URL}/hooks/{channel.kind}/{channel.webhook_token}"


def connector_of(kind: str) -> Connector:
    """The kind's connector, or a ValidationError naming the kind."""
    try:
        return connector_for(kind)
    except NoConnector:
        raise ValidationError(_("Channels of kind “%(kind)s” cannot be connected here.") % {"kind": kind}) from None


def connector_or_none(kind: str) -> Connector | None:
    """The kind's connector, or None for a kind not connectable here yet (its channels can still be renamed)."""
    try:
        return connector_for(kind)
    except NoConnector:
        return None


def revealed_values(channel: Channel, connector: Connector) -> list[tuple[CredentialField, str]]:
    """The stored values the admin must paste at the provider (a verify token), with their fields."""
    stored = {**(channel.config or {}), **(channel.secrets or {})}
    return [(item, str(stored[item.name])) for item in connector.fields if item.reveal and stored.get(item.name)]


def _check_values(connector: Connector, values: dict[str, Any], *, creating: bool) -> dict[str, str]:
    known = {item.name: item for item in connector.fields}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned = {name: str(value if value is not None else "").strip() for name, value in values.items()}
    errors: dict[str, list[str]] = {}
    for item in connector.fields:
        value = cleaned.get(item.name, "")
        fills_itself = item.generate is not None or bool(item.default)
        # On an edit a field left out, or a blank secret, keeps its stored value.
        blanked = creating or (item.name in cleaned and not item.secret)
        if item.required and not value and not fills_itself and blanked:
            errors[item.name] = [_("%(label)s (%(name)s) is required.") % {"label": item.label, "name": item.name}]
        elif value and item.choices and value not in {choice for choice, _label in item.choices}:
            errors[item.name] = [
                _("%(label)s (%(name)s) is not one of the choices.") % {"label": item.label, "name": item.name}
            ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _call_provider(call: Any, channel: Channel) -> Outcome:
    try:
        with http_client() as client:
            return Outcome(True, str(call(channel, client) or ""))
    except ConnectionTestFailed as error:
        return Outcome(False, error.reason)
    except HttpClientError as error:
        return Outcome(False, f"{type(error).__name__}: {error}")


def connect_channel(
    actor: Member, kind: str, name: str, values: dict[str, Any], *, request: HttpRequest | None = None
) -> tuple[Channel, Outcome | None]:
    """A new channel of ``kind`` in the actor's workspace, then the connector's ``after_connect`` if it has one.

    The channel is kept even when ``after_connect`` fails; the outcome says why, for the admin to fix.
    """
    connector = connector_of(kind)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("A channel needs a display name.")]})
    config, secrets = connector.split_values(_check_values(connector, values, creating=True))
    with transaction.atomic():
        channel = Channel.all_workspaces.create(
            workspace_id=actor.workspace_id, kind=kind, name=name, config=config, secrets=secrets
        )
        record(
            actor.workspace_id,
            "channel.connected",
            channel,
            actor=actor.user,
            changes={"kind": kind, "name": name, "config": config, "secrets": sorted(secrets)},
            request=request,
        )
    if connector.after_connect is None:
        return channel, None
    return channel, _call_provider(connector.after_connect, channel)


def update_channel(
    channel: Channel,
    actor: Member,
    *,
    name: str | None = None,
    is_active: bool | None = None,
    values: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Channel:
    """Change the name, the active flag and the given values; a blank secret keeps the stored one."""
    connector = connector_of(channel.kind) if values else connector_or_none(channel.kind)
    cleaned = _check_values(connector, values or {}, creating=False) if connector is not None else {}
    with transaction.atomic():
        channel = Channel.in_workspace(channel.workspace_id).select_for_update().get(pk=channel.pk)
        changes: dict[str, Any] = {}
        if name is not None and name.strip() and name.strip() != channel.name:
            changes["name"] = [channel.name, name.strip()]
            channel.name = name.strip()
        if is_active is not None and is_active != channel.is_active:
            changes["is_active"] = [channel.is_active, is_active]
            channel.is_active = is_active
        config, secrets = dict(channel.config or {}), dict(channel.secrets or {})
        changed_secrets = []
        for item in connector.fields if connector is not None else ():
            if item.name not in cleaned:
                continue
            value = cleaned[item.name]
            if item.secret:
                stored = str(secrets.get(item.name) or "")
                if value and not hmac.compare_digest(str(value).encode(), stored.encode()):
                    secrets[item.name] = value
                    changed_secrets.append(item.name)
                continue
            value = value or item.default
            if value != config.get(item.name, ""):
                changes.setdefault("config", {})[item.name] = [config.get(item.name, ""), value]
                if value:
                    config[item.name] = value
                else:
                    config.pop(item.name, None)
        if changed_secrets:
            changes["secrets"] = changed_secrets
        if not changes:
            return channel
        channel.config, channel.secrets = config, secrets
        channel.save()
        record(channel.workspace_id, "channel.updated", channel, actor=actor.user, changes=changes, request=request)
    return channel


def regenerate_secret(
    channel: Channel, actor: Member, field_name: str, *, request: HttpRequest | None = None
) -> tuple[str, Outcome | None]:
    """A fresh value for a generated field, then ``after_connect`` again so a provider with an API learns it."""
    connector = connector_of(channel.kind)
    item = next((item for item in connector.fields if item.name == field_name and item.generate is not None), None)
    if item is None or item.generate is None:
        raise ValidationError(_("“%(name)s” is not a generated value.") % {"name": field_name})
    value = item.generate()
    with transaction.atomic():
        channel = Channel.in_workspace(channel.workspace_id).select_for_update().get(pk=channel.pk)
        (channel.secrets if item.secret else channel.config)[item.name] = value
        channel.save(update_fields=["secrets" if item.secret else "config"])
        record(
            channel.workspace_id,
            "channel.regenerated",
            channel,
            actor=actor.user,
            changes={"field": item.name},
            request=request,
        )
    if connector.after_connect is None:
        return value, None
    return value, _call_provider(connector.after_connect, channel)


def run_connection_test(channel: Channel, actor: Member, *, request: HttpRequest | None = None) -> Outcome:
    """Call the provider with the stored credentials; the result goes to the audit log."""
    outcome = _call_provider(connector_of(channel.kind).test_connection, channel)
    record(
        channel.workspace_id,
        "channel.connection_tested",
        channel,
        actor=actor.user,
        changes={"ok": outcome.ok, "detail": outcome.detail},
        request=request,
    )
    return outcome


def can_sync_templates(channel: Channel) -> bool:
    return callable(getattr(connector_or_none(channel.kind), "sync_templates", None))


def sync_templates(channel: Channel, actor: Member, *, request: HttpRequest | None = None) -> Outcome:
    """Fetch the provider's message templates (WhatsApp) when the connector can."""
    sync = getattr(connector_of(channel.kind), "sync_templates", None)
    if not callable(sync):
        raise ValidationError(_("This channel has no message templates to sync."))
    counted: list[int] = []

    def call(channel: Channel, client: Any) -> str:
        counted.append(int(sync(channel, client)))
        return ""

    outcome = _call_provider(call, channel)
    if outcome.ok:
        count = counted[0]
        outcome = Outcome(
            True,
            ngettext("%(count)d message template synced.", "%(count)d message templates synced.", count)
            % {"count": count},
        )
    record(
        channel.workspace_id,
        "channel.templates_synced",
        channel,
        actor=actor.user,
        changes={"ok": outcome.ok, "detail": outcome.detail},
        request=request,
    )
    return outcome

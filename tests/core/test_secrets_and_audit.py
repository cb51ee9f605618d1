from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from frontdesk.channels.models import Channel
from frontdesk.core.audit import record
from frontdesk.core.crypto import SecretDecryptionError
from frontdesk.core.models import AuditEntry, Workspace
from frontdesk.core.models.audit import AppendOnlyError
from tests.factories import make_channel


def raw_secrets(channel: Channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secrets FROM {Channel._meta.db_table} WHERE id = %s", [channel.pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_channel_credentials_are_encrypted_at_rest(workspace: Workspace) -> None:
    channel = make_channel(workspace, secrets={"access_token": "EAAG-very-secret", "app_secret": "s3cr3t"})
    stored = raw_secrets(channel)
    assert "EAAG-very-secret" not in stored and "s3cr3t" not in stored and "access_token" not in stored
    assert Channel.in_workspace(workspace).get(pk=channel.pk).secrets == {
        "access_token": "EAAG-very-secret",
        "app_secret": "s3cr3t",
    }
    assert channel.secret_names() == ["access_token", "app_secret"]


def test_secrets_survive_a_secret_key_rotation(workspace: Workspace, settings: object) -> None:
    channel = make_channel(workspace, secrets={"token": "abc"})
    old_key = settings.SECRET_KEY  # type: ignore[attr-defined]
    with override_settings(SECRET_KEY="a-brand-new-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[old_key]):
        assert Channel.in_workspace(workspace).get(pk=channel.pk).secrets == {"token": "abc"}
    with (
        override_settings(SECRET_KEY="an-unrelated-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(SecretDecryptionError),
    ):
        Channel.in_workspace(workspace).get(pk=channel.pk)


def test_audit_log_is_append_only(workspace: Workspace) -> None:
    entry = record(workspace, "workspace.renamed", workspace, changes={"name": ["Old", "New"]})
    assert AuditEntry.in_workspace(workspace).get().changes == {"name": ["Old", "New"]}
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.in_workspace(workspace).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.in_workspace(workspace).delete()
    assert AuditEntry.in_workspace(workspace).get().action == "workspace.renamed"

"""Recording who changed what."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from frontdesk.core.models import AuditEntry, User, Workspace


def record(
    workspace: Workspace | int,
    action: str,
    target: Model | None = None,
    *,
    actor: User | None = None,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the workspace's audit log."""
    appended = entry(workspace, action, target, actor=actor, changes=changes, request=request)
    appended.save(force_insert=True)
    return appended


def entry(
    workspace: Workspace | int,
    action: str,
    target: Model | None = None,
    *,
    actor: User | None = None,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """The entry ``record`` appends, not yet written: for a caller that writes many in one statement
    (``AuditEntry.all_workspaces.bulk_create``)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    ip_address = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEntry(
        workspace_id=workspace_id,
        actor=actor,
        actor_label=str(actor) if actor is not None else "system",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        changes=changes or {},
        ip_address=ip_address,
    )

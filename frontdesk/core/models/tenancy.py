"""Tenant scoping: every tenant row belongs to one workspace and is reached through it.

Tenant models have no ``objects`` manager. Code asks for rows of one
workspace (``Model.in_workspace(ws)``) or, in the few system places that
truly span workspaces (task workers, migrations, the demo seeder), spells out
``Model.all_workspaces``; a test forbids that spelling in views and the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.db import models

if TYPE_CHECKING:
    from frontdesk.core.models.workspaces import Workspace


class TenantQuerySet[M: models.Model](models.QuerySet[M]):
    def for_workspace(self, workspace: Workspace | int) -> Self:
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        return self.filter(workspace_id=workspace_id)


class TenantModel(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")

    all_workspaces: ClassVar[models.Manager[Self]] = TenantQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True

    @classmethod
    def in_workspace(cls, workspace: Workspace | int) -> TenantQuerySet[Self]:
        """All rows of this model that belong to ``workspace``."""
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        return cls.all_workspaces.filter(workspace_id=workspace_id)  # type: ignore[return-value]

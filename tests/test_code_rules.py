"""Rules the code base keeps, checked over the source (RELIABILITY T-28)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from frontdesk.core.models import TenantModel

PACKAGE = Path(__file__).resolve().parent.parent / "frontdesk"
# Request-handling code: it must reach tenant rows through a workspace or an accessor.
REQUEST_CODE = ["api", "inbox", "core/views.py", "channels/views.py", "contacts/views.py", "conversations/views.py"]


def python_files(parts: list[str]) -> list[Path]:
    files: list[Path] = []
    for part in parts:
        path = PACKAGE / part
        if path.is_dir():
            files += sorted(path.rglob("*.py"))
        elif path.exists():
            files.append(path)
    return files


def test_tenant_models_have_no_unscoped_objects_manager() -> None:
    tenant_models = [model for model in apps.get_models() if issubclass(model, TenantModel)]
    assert len(tenant_models) >= 10
    for model in tenant_models:
        assert not hasattr(model, "objects"), f"{model.__name__}.objects would allow unscoped queries"
        assert [field.name for field in model._meta.fields if field.name == "workspace"] == ["workspace"]


def test_tenant_indexes_lead_with_workspace() -> None:
    for model in apps.get_models():
        if not issubclass(model, TenantModel):
            continue
        for index in model._meta.indexes:
            # Indexes named system_* serve workers that scan all workspaces (e.g. the outbox relay).
            if index.name.startswith("system_"):
                continue
            assert index.fields[0] == "workspace", f"{model.__name__} index {index.name} must start with workspace"


def test_request_code_never_queries_across_workspaces() -> None:
    violations = []
    for path in python_files(REQUEST_CODE):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "all_workspaces":
                violations.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert violations == [], "use Model.in_workspace(...) or an accessor in request code"


def test_nothing_calls_out_with_a_raw_http_library() -> None:
    violations = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "core" / "http_client.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in {"requests", "httpx", "urllib3", "aiohttp"} for name in names):
                violations.append(f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)}")
    assert violations == [], "outgoing HTTP goes through frontdesk.core.http_client"

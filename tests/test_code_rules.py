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


# Names that hold or carry a credential or a signature (RELIABILITY T-10).
SECRET_WORDS = ("signature", "token", "secret", "digest", "hmac")
# Method calls that pass a value through unchanged for this rule: `request.headers.get("X-Signature").strip()`.
TRANSPARENT_CALLS = {"get", "getlist", "pop", "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "encode"}
# `==` on names that match but hold public values, each with the reason it is not a secret comparison.
NOT_SECRET_COMPARISONS = {
    ("channels/whatsapp/media.py", "hashlib.sha256(download.content).hexdigest() != expected"): (
        "the file's SHA-256 as Meta's webhook states it: an integrity check of public data"
    ),
}
# Secret comparisons with `==` found by this rule and reported; each entry goes with its fix.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def _compared_names(node: ast.expr) -> list[str]:
    """The identifiers an operand of a comparison is known by: a name, an attribute, a key, a call's name."""
    if isinstance(node, ast.Name):
        # UPPER_CASE names are constants written in the source, never a stored or presented secret.
        return [] if node.id.isupper() else [node.id]
    if isinstance(node, ast.Attribute):
        return [] if node.attr.isupper() else [node.attr]
    if isinstance(node, ast.Subscript):
        key = node.slice
        return (
            [key.value] if isinstance(key, ast.Constant) and isinstance(key.value, str) else _compared_names(node.value)
        )
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in TRANSPARENT_CALLS:
            names = _compared_names(function.value)
            if function.attr in {"get", "getlist", "pop"} and node.args:
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    names.append(key.value)
                else:
                    names += _compared_names(key)
            return names
        return _compared_names(function)
    return []


def _names_a_secret(names: list[str]) -> bool:
    return any(word in name.lower() for name in names for word in SECRET_WORDS)


def _is_empty(node: ast.expr) -> bool:
    """``None``, ``""`` or ``b""``: a presence check, which leaks nothing."""
    return isinstance(node, ast.Constant) and (node.value is None or node.value in ("", b""))


def test_secrets_and_signatures_are_compared_in_constant_time() -> None:
    violations, found = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for operator, left, right in zip(node.ops, operands, operands[1:], strict=False):
                if not isinstance(operator, ast.Eq | ast.NotEq) or _is_empty(left) or _is_empty(right):
                    continue
                if not _names_a_secret(_compared_names(left) + _compared_names(right)):
                    continue
                key = (relative, ast.unparse(node))
                found.add(key)
                if key not in NOT_SECRET_COMPARISONS and key not in KNOWN_VIOLATIONS:
                    violations.append(f"{relative}:{node.lineno}: {key[1]}")
    assert violations == [], "compare secrets and signatures with hmac.compare_digest:\n" + "\n".join(violations)
    stale = (set(NOT_SECRET_COMPARISONS) | KNOWN_VIOLATIONS) - found
    assert stale == set(), f"remove these entries, the code no longer has them: {sorted(stale)}"


def test_the_constant_time_rule_catches_what_it_is_for() -> None:
    def flagged(source: str) -> bool:
        compare = ast.parse(source, mode="eval").body
        assert isinstance(compare, ast.Compare)
        names = _compared_names(compare.left) + _compared_names(compare.comparators[0])
        empty = _is_empty(compare.left) or _is_empty(compare.comparators[0])
        return not empty and _names_a_secret(names)

    assert flagged('request.headers.get("X-Hub-Signature-256") == expected')
    assert flagged("given != channel.secrets['verify_token']")
    assert flagged("hmac.new(key, body, sha256).hexdigest() == header.strip()")
    assert flagged("compute_signature(url, form) == header")
    assert flagged("webhook_secret != given")
    assert not flagged("token == ''")
    assert not flagged("secret != None")
    assert not flagged("len(token) == 32")
    assert not flagged("parts[0] != TOKEN_PREFIX")

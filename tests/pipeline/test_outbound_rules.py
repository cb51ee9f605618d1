"""Code rules of the outbound pipeline (RELIABILITY T-28): a task is enqueued after commit, never inside one."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent.parent / "frontdesk"
# The scheduler's enqueue and its ScheduledRun row commit together on purpose: with
# the database task backend they are one transaction, which is what makes it run once.
ALLOWED = {"core/scheduler.py"}


def is_atomic(node: ast.withitem) -> bool:
    call = node.context_expr
    target = call.func if isinstance(call, ast.Call) else call
    return (isinstance(target, ast.Attribute) and target.attr == "atomic") or (
        isinstance(target, ast.Name) and target.id == "atomic"
    )


def run_now(node: ast.AST) -> list[ast.AST]:
    """``node`` and what it contains, except function bodies and lambdas (they run later, e.g. on commit)."""
    found = [node]
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
            found += run_now(child)
    return found


def enqueues_inside_atomic(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and any(is_atomic(item) for item in node.items):
            for inner in (child for statement in node.body for child in run_now(statement)):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr in {"enqueue", "aenqueue", "delay", "apply_async"}
                ):
                    lines.append(inner.lineno)
    return lines


def test_no_task_is_enqueued_inside_a_transaction() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if str(path.relative_to(PACKAGE)) in ALLOWED:
            continue
        for line in enqueues_inside_atomic(ast.parse(path.read_text(), str(path))):
            violations.append(f"{path.relative_to(PACKAGE)}:{line}")
    assert violations == [], "enqueue from transaction.on_commit(...), after the data it needs is committed"


def test_the_rule_sees_an_enqueue_in_a_nested_block() -> None:
    source = (
        "with transaction.atomic():\n    if x:\n        task.enqueue(1)\n"
        "    transaction.on_commit(lambda: task.enqueue(2))\n"
    )
    assert enqueues_inside_atomic(ast.parse(source)) == [3]

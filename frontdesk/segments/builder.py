"""The rule builder's rows (field / operator / value) and the definition they stand for, both ways.

The page posts rows as ``rule-<n>-field``, ``-op``, ``-value``, ``-days`` and
``-label``; ``rows_from_post`` reads them, ``rule_from_row`` turns a row into
a raw rule for ``definition.clean_rule`` and ``row_from_rule`` turns a saved
rule back into a row. Context rules are written as one line:
``booking flight=CX123 date=2026-12-01 status=confirmed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.contacts.models import AttributeDefinition, AttributeType
from frontdesk.conversations.models import Label
from frontdesk.segments.definition import MAX_RULES, OPS_BY_TYPE


@dataclass
class Row:
    field: str = "language"
    op: str = ""
    value: str = ""
    days: str = ""
    label: str = ""
    error: str = ""
    # Filled by ``Vocabulary.prepare`` for the template: the operators of the field and how the value is asked for.
    ops: list[tuple[str, str]] = dataclass_field(default_factory=list)
    input: str = "text"


@dataclass
class Vocabulary:
    """What the rows of one workspace can name: its attributes, channels and labels."""

    attributes: dict[str, AttributeDefinition]
    channels: list[Channel]
    labels: list[Label]

    @classmethod
    def of(cls, workspace_id: int) -> Vocabulary:
        return cls(
            attributes={a.key: a for a in AttributeDefinition.in_workspace(workspace_id).order_by("position", "label")},
            channels=list(Channel.in_workspace(workspace_id).order_by("name", "pk")),
            labels=list(Label.in_workspace(workspace_id).order_by("name")),
        )

    def fields(self) -> list[tuple[str, str]]:
        choices = [
            ("language", _("Language")),
            ("preference:like", _("Likes")),
            ("preference:dislike", _("Dislikes")),
            ("channel", _("Channel")),
            ("conversations", _("Conversations")),
            ("last_contact", _("Last contact")),
            ("feedback:complaint", _("Complaints")),
            ("feedback:compliment", _("Compliments")),
            ("context", _("Booking, order or other record")),
        ]
        choices += [
            (f"attribute:{key}", _("Attribute: %(label)s") % {"label": definition.label})
            for key, definition in self.attributes.items()
        ]
        return choices

    def ops(self, field_name: str) -> list[tuple[str, str]]:
        attribute_ops = {
            "equals": _("is"),
            "not_equals": _("is not"),
            "contains": _("contains"),
            "greater": _("is more than"),
            "less": _("is less than"),
            "before": _("is before"),
            "after": _("is after"),
            "is_set": _("is set"),
            "is_not_set": _("is not set"),
        }
        counted = [("at_least", _("at least")), ("at_most", _("at most"))]
        if field_name == "language":
            return [("equals", attribute_ops["equals"]), ("not_equals", attribute_ops["not_equals"])]
        if field_name.startswith("preference:"):
            return [("contains", attribute_ops["contains"])]
        if field_name == "channel":
            kinds = [(f"kind:{kind.value}", _("any %(kind)s channel") % {"kind": kind.label}) for kind in ChannelKind]
            return [(f"id:{channel.pk}", channel.name) for channel in self.channels] + kinds
        if field_name in ("conversations", "feedback:complaint", "feedback:compliment"):
            return counted
        if field_name == "last_contact":
            return [("within", _("within the last")), ("before", _("more than"))]
        if field_name == "context":
            return [("matches", pgettext("segment rule", "matches"))]
        if field_name.startswith("attribute:"):
            definition = self.attributes.get(field_name.partition(":")[2])
            allowed = OPS_BY_TYPE[definition.type] if definition is not None else tuple(attribute_ops)
            return [(op, attribute_ops[op]) for op in allowed]
        return []

    def prepare(self, rows: list[Row]) -> list[Row]:
        """Each row with its operator choices, and an operator that belongs to its field."""
        known = {name for name, _label in self.fields()}
        for row in rows:
            if row.field not in known:
                row.field = "language"
            row.ops = self.ops(row.field)
            if row.op not in {op for op, _label in row.ops}:
                row.op = row.ops[0][0] if row.ops else ""
            row.input = value_kind(row, self)
        return rows


def rows_from_post(data: QueryDict) -> list[Row]:
    """The rows the form posted, in order; ``add_rule`` adds an empty one, ``remove_rule`` removes one."""
    numbers = sorted(
        {int(key.split("-")[1]) for key in data if key.startswith("rule-") and key.split("-")[1].isdigit()}
    )
    rows = [
        Row(
            field=data.get(f"rule-{n}-field", "")[:80],
            op=data.get(f"rule-{n}-op", "")[:40],
            value=data.get(f"rule-{n}-value", "")[:400],
            days=data.get(f"rule-{n}-days", "")[:10],
            label=data.get(f"rule-{n}-label", "")[:20],
        )
        for n in numbers[: MAX_RULES + 1]
    ]
    removed = data.get("remove_rule", "")
    if removed.isdigit() and int(removed) < len(rows):
        del rows[int(removed)]
    if "add_rule" in data and len(rows) < MAX_RULES:
        rows.append(Row())
    return rows


def _context_line(text: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"type": "context", "kind": "", "status": "", "data": {}}
    for token in text.split():
        name, equals, value = token.partition("=")
        if not equals:
            rule["kind"] = name.lower()
        elif name == "kind":
            rule["kind"] = value.lower()
        elif name == "status":
            rule["status"] = value
        else:
            rule["data"][name] = value
    return rule


def rule_from_row(row: Row) -> dict[str, Any]:
    """The raw rule a row stands for (checked afterwards by ``clean_rule``)."""
    kind, _colon, detail = row.field.partition(":")
    if kind == "attribute":
        return {"type": "attribute", "key": detail, "op": row.op, "value": row.value}
    if kind == "language":
        return {"type": "language", "op": row.op, "value": row.value}
    if kind == "preference":
        return {"type": "preference", "preference": detail, "value": row.value}
    if kind == "channel":
        which, _colon, value = row.op.partition(":")
        return (
            {"type": "channel", "channel_kind": value} if which == "kind" else {"type": "channel", "channel_id": value}
        )
    if kind == "conversations":
        return {"type": "conversations", "op": row.op, "count": row.value, "days": row.days, "label_id": row.label}
    if kind == "last_contact":
        return {"type": "last_contact", "op": row.op, "days": row.value}
    if kind == "feedback":
        return {"type": "feedback", "feedback": detail, "op": row.op, "count": row.value, "days": row.days}
    if kind == "context":
        return _context_line(row.value)
    return {"type": ""}


def row_from_rule(rule: dict[str, Any]) -> Row:
    """A saved (cleaned) rule as a row of the builder."""
    rule_type = rule["type"]
    days = str(rule.get("days") or "")
    if rule_type == "attribute":
        return Row(f"attribute:{rule['key']}", rule["op"], _shown(rule.get("value")))
    if rule_type == "language":
        return Row("language", rule["op"], rule["value"])
    if rule_type == "preference":
        return Row(f"preference:{rule['preference']}", "contains", rule["value"])
    if rule_type == "channel":
        op = f"kind:{rule['channel_kind']}" if rule.get("channel_kind") else f"id:{rule['channel_id']}"
        return Row("channel", op)
    if rule_type == "conversations":
        return Row("conversations", rule["op"], str(rule["count"]), days, str(rule.get("label_id") or ""))
    if rule_type == "last_contact":
        return Row("last_contact", rule["op"], days)
    if rule_type == "feedback":
        return Row(f"feedback:{rule['feedback']}", rule["op"], str(rule["count"]), days)
    parts = [rule["kind"]] + [f"{name}={_shown(value)}" for name, value in rule.get("data", {}).items()]
    if rule.get("status"):
        parts.append(f"status={rule['status']}")
    return Row("context", "matches", " ".join(parts))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def value_kind(row: Row, vocabulary: Vocabulary) -> str:
    """How the row's value is asked for: text, number, date, days, none (for the template)."""
    if row.field == "channel" or row.op in ("is_set", "is_not_set"):
        return "none"
    if row.field in ("conversations", "feedback:complaint", "feedback:compliment"):
        return "count"
    if row.field == "last_contact":
        return "days"
    if row.field.startswith("attribute:"):
        definition = vocabulary.attributes.get(row.field.partition(":")[2])
        if definition is not None and definition.type == AttributeType.NUMBER:
            return "number"
        if definition is not None and definition.type == AttributeType.DATE:
            return "date"
    return "text"

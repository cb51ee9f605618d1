"""What a segment's definition may say, checked strictly before it is stored.

A definition is ``{"match": "all" | "any", "rules": [rule, …]}``; each rule is
a dict with a ``type`` and the fields of that type:

- ``attribute``: ``key``, ``op`` (see ``ATTRIBUTE_OPS``), ``value`` (typed by the
  workspace's ``AttributeDefinition`` of that key when there is one);
- ``language``: ``op`` (``equals`` / ``not_equals``), ``value`` (``zh`` also matches ``zh-Hant``);
- ``preference``: ``preference`` (``like`` / ``dislike``), ``value``: text it contains;
- ``channel``: ``channel_kind`` or ``channel_id`` (a channel of this workspace);
- ``conversations``: ``op`` (``at_least`` / ``at_most``), ``count``, optional ``days`` and ``label_id``;
- ``last_contact``: ``op`` (``within`` / ``before``), ``days``;
- ``feedback``: ``feedback`` (``complaint`` / ``compliment``), ``op``, ``count``, optional ``days``;
- ``context``: ``kind``, optional ``status`` and ``data`` (field → value, all equal).

``clean_definition`` returns the definition in this one canonical shape or
raises ``ValidationError`` with messages a person can act on.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.contacts.models import AttributeDefinition, AttributeType, FeedbackKind, PreferenceKind
from frontdesk.conversations.models import Label

MAX_RULES = 20
MAX_TEXT = 200
MAX_DATA_FIELDS = 10
MAX_DAYS = 3650
MAX_COUNT = 100_000

MATCHES = ("all", "any")
RULE_TYPES = ("attribute", "language", "preference", "channel", "conversations", "last_contact", "feedback", "context")
ATTRIBUTE_OPS = ("equals", "not_equals", "contains", "greater", "less", "before", "after", "is_set", "is_not_set")
# Which comparisons make sense for each attribute type; a key with no definition allows them all.
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    AttributeType.TEXT: ("equals", "not_equals", "contains", "is_set", "is_not_set"),
    AttributeType.URL: ("equals", "not_equals", "contains", "is_set", "is_not_set"),
    AttributeType.CHOICE: ("equals", "not_equals", "is_set", "is_not_set"),
    AttributeType.NUMBER: ("equals", "not_equals", "greater", "less", "is_set", "is_not_set"),
    AttributeType.DATE: ("equals", "not_equals", "before", "after", "is_set", "is_not_set"),
    AttributeType.BOOLEAN: ("equals", "not_equals", "is_set", "is_not_set"),
}
VALUELESS_OPS = ("is_set", "is_not_set")
COUNT_OPS = ("at_least", "at_most")
# Keys become JSON lookups (attributes__<key>): no "__", which the ORM would read as a lookup of its own,
# and not only digits, which it would read as an array index.
KEY_PATTERN = re.compile(r"^(?!\d+$)(?!.*__)[A-Za-z0-9_-]{1,40}$")
DATA_FIELD_PATTERN = re.compile(r"^(?!\d+$)(?!.*__)[A-Za-z0-9_]{1,40}$")
CONTEXT_KIND_PATTERN = re.compile(r"^[a-z0-9_-]{1,32}$")
LANGUAGE_PATTERN = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")


def _text(value: Any, what: str, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValidationError(_("%(what)s must be text.") % {"what": what})
    text = str(value).strip()
    if required and not text:
        raise ValidationError(_("Enter %(what)s.") % {"what": what})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("%(what)s is too long (at most %(limit)d characters).") % {"what": what, "limit": MAX_TEXT}
        )
    return text


def _integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("%(what)s must be a whole number.") % {"what": what})
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(what)s must be a whole number.") % {"what": what}) from None
    if isinstance(value, float) and value != number:
        raise ValidationError(_("%(what)s must be a whole number.") % {"what": what})
    if not low <= number <= high:
        raise ValidationError(
            _("%(what)s must be between %(low)d and %(high)d.") % {"what": what, "low": low, "high": high}
        )
    return number


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(_("The value must be a number."))
    if isinstance(value, (int, float)):
        return value
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("The value must be a number.")) from None
    if not parsed.is_finite():
        raise ValidationError(_("The value must be a number."))
    return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)


def _date(value: Any) -> str:
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(_("The value must be a date written as YYYY-MM-DD.")) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValidationError(_("The value must be yes or no."))


def _attribute(workspace_id: int, rule: dict[str, Any]) -> dict[str, Any]:
    key = rule.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ValidationError(_("Choose an attribute (a key of letters, digits, - and _)."))
    op = rule.get("op")
    if op not in ATTRIBUTE_OPS:
        raise ValidationError(_("Choose how to compare the attribute."))
    definition = AttributeDefinition.in_workspace(workspace_id).filter(key=key).first()
    attribute_type = definition.type if definition is not None else None
    if attribute_type is not None and op not in OPS_BY_TYPE[attribute_type]:
        raise ValidationError(
            _("%(label)s cannot be compared that way.") % {"label": definition.label if definition else key}
        )
    cleaned: dict[str, Any] = {"type": "attribute", "key": key, "op": op}
    if op in VALUELESS_OPS:
        return cleaned
    raw = rule.get("value")
    if op in ("greater", "less") or attribute_type == AttributeType.NUMBER:
        value: Any = _number(raw)
    elif op in ("before", "after") or attribute_type == AttributeType.DATE:
        value = _date(raw)
    elif attribute_type == AttributeType.BOOLEAN:
        value = _boolean(raw)
    else:
        value = _text(raw, _("The value"))
        if attribute_type == AttributeType.CHOICE and definition is not None:
            choices = [str(choice) for choice in definition.choices]
            if value not in choices:
                raise ValidationError(
                    _("%(value)s is not one of the choices of %(label)s.") % {"value": value, "label": definition.label}
                )
    cleaned["value"] = value
    return cleaned


def _language(rule: dict[str, Any]) -> dict[str, Any]:
    op = rule.get("op", "equals")
    if op not in ("equals", "not_equals"):
        raise ValidationError(_("Choose how to compare the language."))
    value = _text(rule.get("value"), _("a language code"))
    if not LANGUAGE_PATTERN.match(value):
        raise ValidationError(_("%(value)s is not a language code such as en or zh-Hant.") % {"value": value})
    return {"type": "language", "op": op, "value": value}


def _preference(rule: dict[str, Any]) -> dict[str, Any]:
    kind = rule.get("preference")
    if kind not in PreferenceKind.values:
        raise ValidationError(_("Choose likes or dislikes."))
    return {"type": "preference", "preference": kind, "value": _text(rule.get("value"), _("the text to look for"))}


def _channel(workspace_id: int, rule: dict[str, Any]) -> dict[str, Any]:
    kind, channel_id = rule.get("channel_kind"), rule.get("channel_id")
    if (kind in (None, "")) == (channel_id in (None, "")):
        raise ValidationError(_("Choose either a kind of channel or one channel."))
    if kind not in (None, ""):
        if kind not in ChannelKind.values:
            raise ValidationError(_("%(kind)s is not a kind of channel.") % {"kind": str(kind)[:40]})
        return {"type": "channel", "channel_kind": kind}
    number = _integer(channel_id, _("The channel"), 1, 2**63 - 1)
    # Another workspace's channel reads exactly like a missing one.
    if not Channel.in_workspace(workspace_id).filter(pk=number).exists():
        raise ValidationError(_("That channel does not exist."))
    return {"type": "channel", "channel_id": number}


def _days(rule: dict[str, Any], *, required: bool) -> int | None:
    days = rule.get("days")
    if days in (None, ""):
        if required:
            raise ValidationError(_("Enter a number of days."))
        return None
    return _integer(days, _("The number of days"), 1, MAX_DAYS)


def _counted(rule: dict[str, Any]) -> dict[str, Any]:
    op = rule.get("op")
    if op not in COUNT_OPS:
        raise ValidationError(_("Choose at least or at most."))
    return {
        "op": op,
        "count": _integer(rule.get("count"), _("The number"), 0, MAX_COUNT),
        "days": _days(rule, required=False),
    }


def _conversations(workspace_id: int, rule: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {"type": "conversations", **_counted(rule), "label_id": None}
    label_id = rule.get("label_id")
    if label_id not in (None, ""):
        number = _integer(label_id, _("The label"), 1, 2**63 - 1)
        if not Label.in_workspace(workspace_id).filter(pk=number).exists():
            raise ValidationError(_("That label does not exist."))
        cleaned["label_id"] = number
    return cleaned


def _last_contact(rule: dict[str, Any]) -> dict[str, Any]:
    op = rule.get("op")
    if op not in ("within", "before"):
        raise ValidationError(_("Choose within or more than."))
    return {"type": "last_contact", "op": op, "days": _days(rule, required=True)}


def _feedback(rule: dict[str, Any]) -> dict[str, Any]:
    kind = rule.get("feedback")
    if kind not in FeedbackKind.values:
        raise ValidationError(_("Choose complaints or compliments."))
    return {"type": "feedback", "feedback": kind, **_counted(rule)}


def _context(rule: dict[str, Any]) -> dict[str, Any]:
    kind = rule.get("kind")
    if not isinstance(kind, str) or not CONTEXT_KIND_PATTERN.match(kind.strip().lower()):
        raise ValidationError(_("Enter the kind of record, e.g. booking or order."))
    status = _text(rule.get("status"), _("The status"), required=False)
    data = rule.get("data") or {}
    if not isinstance(data, dict):
        raise ValidationError(_("The details must be pairs of a field and a value."))
    if len(data) > MAX_DATA_FIELDS:
        raise ValidationError(_("Compare at most %(limit)d details.") % {"limit": MAX_DATA_FIELDS})
    cleaned_data: dict[str, Any] = {}
    for field, value in data.items():
        if not isinstance(field, str) or not DATA_FIELD_PATTERN.match(field):
            raise ValidationError(
                _("%(field)s is not a field name (letters, digits and _).") % {"field": str(field)[:40]}
            )
        if isinstance(value, bool) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            cleaned_data[field] = value
        else:
            cleaned_data[field] = _text(value, _("The value of %(field)s") % {"field": field})
    return {"type": "context", "kind": kind.strip().lower(), "status": status, "data": cleaned_data}


def clean_rule(workspace_id: int, rule: Any) -> dict[str, Any]:
    """One rule in its canonical shape, or ``ValidationError``."""
    if not isinstance(rule, dict):
        raise ValidationError(_("A rule must be an object with a type."))
    rule_type = rule.get("type")
    if rule_type == "attribute":
        return _attribute(workspace_id, rule)
    if rule_type == "language":
        return _language(rule)
    if rule_type == "preference":
        return _preference(rule)
    if rule_type == "channel":
        return _channel(workspace_id, rule)
    if rule_type == "conversations":
        return _conversations(workspace_id, rule)
    if rule_type == "last_contact":
        return _last_contact(rule)
    if rule_type == "feedback":
        return _feedback(rule)
    if rule_type == "context":
        return _context(rule)
    raise ValidationError(_("Choose what the rule looks at."))


def clean_definition(workspace_id: int, raw: Any) -> dict[str, Any]:
    """``raw`` checked against this workspace and in canonical shape; every rule's problem is reported."""
    if not isinstance(raw, dict):
        raise ValidationError(_("A segment definition must be an object with match and rules."))
    match = raw.get("match", "all")
    if match not in MATCHES:
        raise ValidationError(_("Match must be all or any."))
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        raise ValidationError(_("Rules must be a list."))
    if len(rules) > MAX_RULES:
        raise ValidationError(_("A segment can have at most %(limit)d rules.") % {"limit": MAX_RULES})
    cleaned, errors = [], []
    for number, rule in enumerate(rules, start=1):
        try:
            cleaned.append(clean_rule(workspace_id, rule))
        except ValidationError as error:
            errors += [
                _("Rule %(number)d: %(error)s") % {"number": number, "error": message} for message in error.messages
            ]
    if errors:
        raise ValidationError(errors)
    return {"match": match, "rules": cleaned}

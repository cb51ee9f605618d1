"""Typed custom attributes: the workspace's definitions, their values checked and coerced, and shown.

A contact's ``attributes`` is a JSON object. A key the workspace defined
(``AttributeDefinition``) holds a value of its type: text, a JSON number,
true/false, an ISO date string, one of the choices, or an http(s) link. Any
other key stays free text, as before definitions existed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from frontdesk.contacts.models import AttributeDefinition, AttributeType
from frontdesk.core.audit import record
from frontdesk.core.models import Member

MAX_TEXT = 500
MAX_URL = 500
MAX_LABEL = 80
MAX_CHOICES = 50
MAX_CHOICE = 80
MAX_DEFINITIONS = 100
# Numbers beyond this lose precision as JSON (a double): refuse them rather than store a changed value.
MAX_NUMBER = 10**15
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
# Quotes, angle brackets, spaces and control characters have no business in a link: refused, not escaped.
UNSAFE_IN_URL = re.compile(r"[\s<>\"'`\x00-\x1f\x7f]")
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
_http_url = URLValidator(schemes=["http", "https"])


def _text_of(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(_("Enter text."))
    return str(value).strip()


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number, such as 42 or 3.5."))
    if isinstance(value, int):
        number: int | float = value
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str) and INTEGER.match(value.strip()):
        number = int(value.strip())
    elif isinstance(value, str) and DECIMAL.match(value.strip()):
        try:
            number = float(Decimal(value.strip()))
        except InvalidOperation:
            raise ValidationError(_("Enter a number, such as 42 or 3.5.")) from None
    else:
        raise ValidationError(_("Enter a number, such as 42 or 3.5."))
    if not math.isfinite(number) or abs(number) >= MAX_NUMBER:
        raise ValidationError(_("Enter a number between -10^15 and 10^15."))
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise ValidationError(_("Enter yes or no (true or false)."))


def _date(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not ISO_DATE.match(text):
        raise ValidationError(_("Enter a date as YYYY-MM-DD, such as 2026-12-01."))
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError(_("%(value)s is not a date in the calendar.") % {"value": text}) from None


def _choice(value: Any, choices: list[str]) -> str:
    text = _text_of(value)
    if text in choices:
        return text
    # "GOLD" for "Gold": the definition's spelling is kept.
    for choice in choices:
        if choice.casefold() == text.casefold():
            return choice
    raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})


def safe_url(value: Any) -> str:
    """``value`` as an http(s) link, or ValidationError: ``javascript:``, ``data:`` and the like are never kept."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_URL:
        raise ValidationError(_("A link has at most %(limit)d characters.") % {"limit": MAX_URL})
    scheme = urlsplit(text).scheme.lower() if text else ""
    if scheme not in ("http", "https"):
        raise ValidationError(_("Enter a link that starts with https:// or http://."))
    if UNSAFE_IN_URL.search(text):
        raise ValidationError(_("A link cannot contain spaces, quotes or < >."))
    try:
        _http_url(text)
    except ValidationError:
        raise ValidationError(_("Enter a valid link, such as https://example.com/orders/42.")) from None
    return text


def coerce_value(definition: AttributeDefinition, value: Any) -> Any:
    """``value`` as ``definition``'s type would store it; None for an empty value (the attribute is removed).

    Raises ValidationError with a message a person can act on.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = definition.type
    if kind == AttributeType.NUMBER:
        return _number(value)
    if kind == AttributeType.BOOLEAN:
        return _boolean(value)
    if kind == AttributeType.DATE:
        return _date(value)
    if kind == AttributeType.CHOICE:
        return _choice(value, list(definition.choices))
    if kind == AttributeType.URL:
        return safe_url(value)
    text = _text_of(value)
    if len(text) > MAX_TEXT:
        raise ValidationError(_("A value has at most %(limit)d characters.") % {"limit": MAX_TEXT})
    return text


def definitions(workspace_id: int) -> list[AttributeDefinition]:
    return list(AttributeDefinition.in_workspace(workspace_id).order_by("position", "pk"))


def definition_for(workspace_id: int, key: str) -> AttributeDefinition | None:
    return AttributeDefinition.in_workspace(workspace_id).filter(key=key).first()


def coerce_attributes(workspace_id: int, attributes: dict[str, Any]) -> dict[str, Any]:
    """``attributes`` with every defined key's value coerced to its type (None, which removes, stays None).

    Undefined keys pass unchanged. Every refused value is named in one ValidationError.
    """
    wanted = [key for key, value in attributes.items() if value is not None]
    if not wanted:
        return dict(attributes)
    defined = {d.key: d for d in AttributeDefinition.in_workspace(workspace_id).filter(key__in=wanted)}
    coerced: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in attributes.items():
        definition = defined.get(key)
        if definition is None or value is None:
            coerced[key] = value
            continue
        try:
            coerced[key] = coerce_value(definition, value)
        except ValidationError as error:
            problems.append(_("%(key)s: %(error)s") % {"key": key, "error": " ".join(error.messages)})
    if problems:
        raise ValidationError(problems)
    return coerced


@dataclass
class AttributeRow:
    """One attribute as the sidebar shows it: a defined one (perhaps not set yet) or a free-text one."""

    key: str
    label: str
    type: str
    value: Any
    defined: bool
    choices: list[str]

    @property
    def is_set(self) -> bool:
        return self.value is not None

    @property
    def typed(self) -> bool:
        """The stored value is of the definition's type (one stored before the type changed may not be)."""
        if not self.defined or self.value is None:
            return False
        try:
            return bool(coerce_value(self._definition(), self.value) == self.value)
        except ValidationError:
            return False

    @property
    def date(self) -> date | None:
        return date.fromisoformat(self.value) if self.type == AttributeType.DATE and self.typed else None

    @property
    def link(self) -> str:
        """The value if it is a safe http(s) link, whatever the attribute's type; else ''."""
        if not isinstance(self.value, str):
            return ""
        try:
            return safe_url(self.value)
        except ValidationError:
            return ""

    @property
    def text(self) -> str:
        """The value as text: strings as they are, numbers and the rest as JSON."""
        return shown_value(self.value) if self.value is not None else ""

    def _definition(self) -> AttributeDefinition:
        return AttributeDefinition(key=self.key, label=self.label, type=self.type, choices=self.choices)


def shown_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def attribute_rows(definitions_in_order: list[AttributeDefinition], attributes: dict[str, Any]) -> list[AttributeRow]:
    """The defined attributes first, in the workspace's order (set or not), then the contact's free-text ones."""
    rows = [
        AttributeRow(d.key, d.label, d.type, attributes.get(d.key), True, list(d.choices)) for d in definitions_in_order
    ]
    defined = {d.key for d in definitions_in_order}
    rows += [
        AttributeRow(key, key, AttributeType.TEXT, value, False, [])
        for key, value in attributes.items()
        if key not in defined
    ]
    return rows


def _clean_definition(
    workspace_id: int, *, key: str, label: str, type: str, choices: list[str] | str, exclude: int = 0
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    key, label = (key or "").strip(), " ".join((label or "").split())
    if not KEY.match(key):
        errors["key"] = _("A key has 1 to 40 lower-case letters, digits, - or _, and starts with a letter or digit.")
    elif AttributeDefinition.in_workspace(workspace_id).filter(key=key).exclude(pk=exclude).exists():
        errors["key"] = _("An attribute with this key already exists.")
    if not label:
        errors["label"] = _("Give the attribute a label.")
    elif len(label) > MAX_LABEL:
        errors["label"] = _("A label has at most %(limit)d characters.") % {"limit": MAX_LABEL}
    if type not in AttributeType.values:
        errors["type"] = _("Choose a type from the list.")
    if isinstance(choices, str):
        choices = choices.splitlines()
    cleaned_choices: list[str] = []
    for choice in choices:
        choice = " ".join(str(choice).split())
        if choice and choice not in cleaned_choices:
            cleaned_choices.append(choice)
    if type == AttributeType.CHOICE:
        if not cleaned_choices:
            errors["choices"] = _("List the choices, one a line.")
        elif len(cleaned_choices) > MAX_CHOICES:
            errors["choices"] = _("At most %(limit)d choices.") % {"limit": MAX_CHOICES}
        elif any(len(choice) > MAX_CHOICE for choice in cleaned_choices):
            errors["choices"] = _("A choice has at most %(limit)d characters.") % {"limit": MAX_CHOICE}
    else:
        cleaned_choices = []
    if errors:
        raise ValidationError(errors)
    return {"key": key, "label": label, "type": type, "choices": cleaned_choices}


def create_definition(
    actor: Member, *, key: str, label: str, type: str, choices: list[str] | str = ""
) -> AttributeDefinition:
    """Define a new attribute, placed last."""
    workspace_id = actor.workspace_id
    cleaned = _clean_definition(workspace_id, key=key, label=label, type=type, choices=choices)
    with transaction.atomic():
        existing = AttributeDefinition.in_workspace(workspace_id).select_for_update()
        if len(existing) >= MAX_DEFINITIONS:
            raise ValidationError(
                _("A workspace can define at most %(limit)d attributes.") % {"limit": MAX_DEFINITIONS}
            )
        last = existing.aggregate(last=Max("position"))["last"]
        definition = AttributeDefinition.all_workspaces.create(
            workspace_id=workspace_id, position=0 if last is None else last + 1, **cleaned
        )
        record(workspace_id, "attribute_definition.created", definition, actor=actor.user, changes=cleaned)
    return definition


def update_definition(
    definition: AttributeDefinition, actor: Member, *, label: str, type: str, choices: list[str] | str = ""
) -> AttributeDefinition:
    """Change the label, type or choices; the key stays (contacts' values are stored under it)."""
    cleaned = _clean_definition(
        actor.workspace_id,
        key=definition.key,
        label=label,
        type=type,
        choices=choices,
        exclude=definition.pk,
    )
    changes = {
        field: [getattr(definition, field), cleaned[field]]
        for field in ("label", "type", "choices")
        if getattr(definition, field) != cleaned[field]
    }
    if not changes:
        return definition
    with transaction.atomic():
        for field in ("label", "type", "choices"):
            setattr(definition, field, cleaned[field])
        definition.save(update_fields=["label", "type", "choices"])
        record(actor.workspace_id, "attribute_definition.updated", definition, actor=actor.user, changes=changes)
    return definition


def delete_definition(definition: AttributeDefinition, actor: Member) -> None:
    """Forget the definition; contacts keep their values under its key, as free text."""
    with transaction.atomic():
        record(
            actor.workspace_id,
            "attribute_definition.deleted",
            definition,
            actor=actor.user,
            changes={"key": definition.key, "label": definition.label, "type": definition.type},
        )
        definition.delete()


def move_definition(definition: AttributeDefinition, actor: Member, offset: int) -> None:
    """Move the definition ``offset`` places up (negative) or down the order, renumbering them all."""
    with transaction.atomic():
        ordered = list(
            AttributeDefinition.in_workspace(actor.workspace_id).select_for_update().order_by("position", "pk")
        )
        index = next(i for i, item in enumerate(ordered) if item.pk == definition.pk)
        target = max(0, min(len(ordered) - 1, index + offset))
        if target == index:
            return
        ordered.insert(target, ordered.pop(index))
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        record(
            actor.workspace_id,
            "attribute_definition.moved",
            definition,
            actor=actor.user,
            changes={"position": [index, target]},
        )

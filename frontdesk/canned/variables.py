"""Filling a canned response's ``{{ dotted.name }}`` variables for one conversation.

The text is never handed to a template engine: variables are found with a
regular expression and replaced in one pass by plain text, so a customer's
name or page context cannot inject markup, template tags or further
variables. Anything unknown or empty stays as written and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Member
from frontdesk.widget.conversation import context_of

VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")

# (variable, what it holds) for the editor's help text; ``contact.<attribute>``
# and ``order.<x>``/``page.<x>`` cover any key the contact or the page sends.
DOCUMENTED: list[tuple[str, Promise]] = [
    ("contact.name", _("The customer's name")),
    ("contact.email", _("The customer's email address")),
    ("contact.phone", _("The customer's phone number")),
    ("contact.<attribute>", _("Any attribute stored on the contact, e.g. contact.tier")),
    ("agent.name", _("Your name")),
    ("conversation.id", _("The conversation number")),
    ("order.number", _("The order number the website sent (order_number), or the contact's attribute")),
    ("order.<x>", _("Any order detail the website sent, e.g. order.status from order_status")),
    ("page.url", _("The page the customer was on")),
    ("page.title", _("The title of that page")),
]


@dataclass(frozen=True)
class RenderedCanned:
    text: str
    missing: list[str]


@dataclass(frozen=True)
class Variables:
    """What a canned response can draw on for one conversation, as plain values."""

    contact: Mapping[str, str]
    attributes: Mapping[str, Any]
    agent_name: str
    conversation_id: int | None
    page_context: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        """The text for ``name`` (e.g. ``order.number``), or None when it is unknown or empty."""
        head, dot, key = name.partition(".")
        if not dot or not key:
            return None
        if head == "contact":
            found = self.contact.get(key) if key in self.contact else _scalar(self.attributes.get(key))
        elif head == "agent":
            found = self.agent_name if key == "name" else None
        elif head == "conversation":
            found = str(self.conversation_id) if key == "id" and self.conversation_id is not None else None
        else:
            found = self._business(head, key)
        return found or None

    def _business(self, head: str, key: str) -> str | None:
        # order.number → order_number (or a bare "order"); page.url → page_url (or "url").
        flat = f"{head}_{key}"
        bare = key in {"number", "id", "url"}
        for source in (self.page_context, self.attributes):
            found = _scalar(source.get(flat))
            if found is None:
                nested = source.get(head)
                found = _scalar(nested.get(key)) if isinstance(nested, Mapping) else None
            if found is None and bare:
                found = _scalar(source.get(head)) or (_scalar(source.get(key)) if source is self.page_context else None)
            if found:
                return found
        return None


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list | tuple | set):
        return None
    text = str(value).strip()
    return text or None


def fill(text: str, variables: Variables) -> RenderedCanned:
    """``text`` with every known variable replaced once; unknown ones left as written and listed."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        found = variables.value(match.group(1))
        if found is None:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return match.group(0)
        return found

    return RenderedCanned(VARIABLE.sub(replace, text), missing)


def variables_for(conversation: Conversation, agent: Member) -> Variables:
    contact = conversation.contact
    return Variables(
        contact={"name": contact.name, "email": contact.email, "phone": contact.phone},
        attributes=contact.attributes if isinstance(contact.attributes, dict) else {},
        agent_name=agent.display_name,
        conversation_id=conversation.pk,
        page_context=context_of(conversation).get("latest") or {},
    )


def render_canned(text: str, conversation: Conversation, agent: Member) -> RenderedCanned:
    """The canned ``text`` as ``agent`` would send it in ``conversation``."""
    return fill(text, variables_for(conversation, agent))


def sample_variables(agent: Member) -> Variables:
    """A made-up customer for the editor's preview."""
    return Variables(
        contact={"name": "Chan Tai Man", "email": "taiman.chan@example.com", "phone": "+852 9123 4567"},
        attributes={"tier": "gold", "city": "Hong Kong"},
        agent_name=agent.display_name,
        conversation_id=1042,
        page_context={
            "order_number": "HK-1042",
            "order_status": "shipped",
            "page_url": "https://shop.example/orders/HK-1042",
            "page_title": "Order HK-1042",
        },
    )

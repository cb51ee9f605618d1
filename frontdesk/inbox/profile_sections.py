"""What the sidebar's profile sections show: typed attributes, compliments and complaints, business context.

Everything is lazy (callables the template calls when it renders the
section), so a section that is not rendered costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.attributes import AttributeRow, attribute_rows, definitions
from frontdesk.contacts.models import Contact, ContactFeedback, ContextObject, FeedbackKind
from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Member

# The sidebar shows the most recent ones; the API lists them all.
SHOWN_FEEDBACK = 20
SHOWN_CONTEXT = 10
# Of an object's own fields, the first few (by name) are shown; the others behind "and N more fields".
SHOWN_DATA_FIELDS = 4


@dataclass
class ContextRow:
    obj: ContextObject
    fields: list[tuple[str, str]]
    more_fields: list[tuple[str, str]]
    on_page: bool

    @property
    def link(self) -> str:
        # Stored links were checked to be http(s) (contacts.context); checked again where it becomes an href.
        url = self.obj.url
        return url if url.lower().startswith(("https://", "http://")) else ""


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _pages_order_numbers(conversation: Conversation) -> set[str]:
    """The order numbers the web-chat widget said the customer's pages show (see widget.conversation)."""
    if conversation.channel.kind != ChannelKind.WEBCHAT:
        return set()
    from frontdesk.widget.conversation import context_of

    found = context_of(conversation)
    pages = [found.get("latest") or {}, *(found.get("earlier") or [])]
    return {str(page["order_number"]) for page in pages if isinstance(page, dict) and page.get("order_number")}


def context_rows(member: Member, conversation: Conversation, contact: Contact) -> list[ContextRow]:
    found = ContextObject.in_workspace(member.workspace_id).filter(contact=contact).order_by("-updated_at", "-pk")
    objects = list(found[:SHOWN_CONTEXT])
    on_page = _pages_order_numbers(conversation) if objects else set()
    rows = []
    for obj in objects:
        data = obj.data if isinstance(obj.data, dict) else {}
        # By name: PostgreSQL's jsonb does not keep the order the business sent the fields in.
        fields = [(str(key), _shown(data[key])) for key in sorted(data)]
        rows.append(ContextRow(obj, fields[:SHOWN_DATA_FIELDS], fields[SHOWN_DATA_FIELDS:], obj.external_id in on_page))
    return rows


def profile_context(member: Member, conversation: Conversation, contact: Contact) -> dict[str, Any]:
    """The sidebar context of the attributes, feedback and business context sections."""
    workspace_id = member.workspace_id
    feedback = (
        ContactFeedback.in_workspace(workspace_id)
        .filter(contact=contact)
        .select_related("created_by__user")
        .order_by("-created_at", "-pk")
    )

    def counts() -> list[tuple[str, str, int]]:
        tally = dict.fromkeys(FeedbackKind.values, 0)
        for row in feedback.order_by().values("kind").annotate(count=Count("pk")):
            tally[row["kind"]] = row["count"]
        return [(kind.value, str(kind.label), tally[kind.value]) for kind in FeedbackKind]

    def rows() -> list[AttributeRow]:
        return attribute_rows(definitions(workspace_id), contact.attributes)

    return {
        "attribute_rows": SimpleLazyObject(rows),
        "feedback_rows": SimpleLazyObject(lambda: list(feedback[:SHOWN_FEEDBACK])),
        "feedback_counts": SimpleLazyObject(counts),
        "feedback_kinds": FeedbackKind.choices,
        "context_rows": SimpleLazyObject(lambda: context_rows(member, conversation, contact)),
    }

"""A segment's contacts, as one SQL query over the workspace's unmerged contacts.

Each rule becomes a condition on ``contact``: a JSON lookup for attributes, a
semi-join (``EXISTS`` or ``id IN (…)``) for rows about the contact, and a
grouped ``id IN (… HAVING COUNT(*) >= n)`` for "at least n" rules, which reads
only the rows in the period once instead of counting per contact. The same
lookups compile on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, ContactFeedback, ContactPreference, ContextObject, Identity
from frontdesk.conversations.models import Conversation, ConversationLabel
from frontdesk.segments.models import Segment
from frontdesk.text.normalise import to_simplified, traditional_forms

type Definition = dict[str, Any]
# A range of contact ids (low excluded, high included; None: no end) that every part of the query keeps to.
type Window = tuple[int, int | None] | None


def script_variants(text: str) -> list[str]:
    """``text`` as written, in Simplified, and in Hong Kong, Taiwan and standard Traditional, without repeats."""
    variants = [text, to_simplified(text)]
    variants += traditional_forms(text)
    return list(dict.fromkeys(variants))


def _attribute(rule: dict[str, Any]) -> Q:
    key, op, value = rule["key"], rule["op"], rule.get("value")
    path = f"attributes__{key}"
    has_key = Q(**{"attributes__has_key": key})
    # A key holding null or "" counts as not set: that is what a cleared field leaves behind.
    is_set = has_key & ~Q(**{path: None}) & ~Q(**{path: ""})
    if op == "is_set":
        return is_set
    if op == "is_not_set":
        return ~is_set
    if isinstance(value, str) and op in ("equals", "not_equals"):
        equal = Q(**{f"{path}__iexact": value})
    else:
        equal = Q(**{path: value})
    if op == "equals":
        return equal
    if op == "not_equals":
        # A contact without the attribute is also "not equal" (compared with it, SQL would answer NULL).
        return ~is_set | ~equal
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    if op in ("greater", "after"):
        return Q(**{f"{path}__gt": value})
    return Q(**{f"{path}__lt": value})  # less, before


def _language(rule: dict[str, Any]) -> Q:
    value = rule["value"].replace("_", "-")
    # "zh" names every Chinese variant; "zh-Hant" only itself (in either spelling of the separator).
    matches = (
        Q(language__iexact=value)
        | Q(language__iexact=value.replace("-", "_"))
        | Q(language__istartswith=f"{value}-")
        | Q(language__istartswith=f"{value}_")
    )
    return matches if rule["op"] == "equals" else ~matches


def _about[M: Model](rows: QuerySet[M], window: Window) -> QuerySet[M]:
    """``rows`` about contacts in ``window`` only, so each page of a stream reads its range of the
    (workspace, contact) indexes instead of every row of the workspace."""
    if window is None:
        return rows
    low, high = window
    rows = rows.filter(contact_id__gt=low)
    return rows if high is None else rows.filter(contact_id__lte=high)


def _grouped(rows: QuerySet[Any], op: str, count: int) -> Q:
    """Contacts with at least ``count`` (or at most ``count``) of ``rows``, which must carry ``contact_id``."""
    if op == "at_least":
        if count <= 0:
            return Q()
        if count == 1:
            return Q(pk__in=rows.values("contact_id"))
        return Q(pk__in=rows.values("contact_id").annotate(n=Count("pk")).filter(n__gte=count).values("contact_id"))
    exceeding = rows.values("contact_id")
    if count > 0:
        exceeding = exceeding.annotate(n=Count("pk")).filter(n__gt=count).values("contact_id")
    return ~Q(pk__in=exceeding)


def _since(days: int | None) -> Any:
    return timezone.now() - timedelta(days=days) if days else None


def rule_condition(workspace_id: int, rule: dict[str, Any], window: Window = None) -> Q:
    """The condition on ``Contact`` that one cleaned rule stands for (for contacts in ``window``)."""
    rule_type = rule["type"]
    if rule_type == "attribute":
        return _attribute(rule)
    if rule_type == "language":
        return _language(rule)
    if rule_type == "preference":
        text = Q()
        for variant in script_variants(rule["value"]):
            text |= Q(text__icontains=variant)
        preferences = _about(ContactPreference.in_workspace(workspace_id), window).filter(text, kind=rule["preference"])
        return Q(Exists(preferences.filter(contact_id=OuterRef("pk"))))
    if rule_type == "channel":
        channels = Channel.in_workspace(workspace_id)
        if rule.get("channel_kind"):
            channels = channels.filter(kind=rule["channel_kind"])
        else:
            channels = channels.filter(pk=rule["channel_id"])
        identities = _about(Identity.in_workspace(workspace_id), window).filter(
            channel_id__in=list(channels.values_list("pk", flat=True))
        )
        return Q(Exists(identities.filter(contact_id=OuterRef("pk"))))
    if rule_type == "conversations":
        conversations = _about(Conversation.in_workspace(workspace_id), window)
        since = _since(rule.get("days"))
        if since is not None:
            conversations = conversations.filter(created_at__gte=since)
        if rule.get("label_id"):
            labelled = ConversationLabel.in_workspace(workspace_id).filter(label_id=rule["label_id"])
            conversations = conversations.filter(pk__in=labelled.values("conversation_id"))
        return _grouped(conversations, rule["op"], rule["count"])
    if rule_type == "last_contact":
        since = _since(rule["days"])
        conversations = _about(Conversation.in_workspace(workspace_id), window)
        recent = Exists(conversations.filter(contact_id=OuterRef("pk"), last_activity_at__gte=since))
        if rule["op"] == "within":
            return Q(recent)
        # Contacts who wrote before but not since; someone who never wrote has no last contact.
        return Q(Exists(conversations.filter(contact_id=OuterRef("pk")))) & ~Q(recent)
    if rule_type == "feedback":
        feedback = _about(ContactFeedback.in_workspace(workspace_id), window).filter(kind=rule["feedback"])
        since = _since(rule.get("days"))
        if since is not None:
            feedback = feedback.filter(created_at__gte=since)
        return _grouped(feedback, rule["op"], rule["count"])
    if rule_type == "context":
        objects = _about(ContextObject.in_workspace(workspace_id), window).filter(kind=rule["kind"])
        if rule.get("status"):
            objects = objects.filter(status__iexact=rule["status"])
        data = rule.get("data") or {}
        if data and connection.vendor == "postgresql":
            # One jsonb containment test (@>) instead of a key extraction per field: half the time, and the
            # planner estimates it well enough to merge-join a page of contacts.
            objects = objects.filter(data__contains=data)
        else:
            for field, value in data.items():
                objects = objects.filter(**{f"data__{field}": value})
        return Q(Exists(objects.filter(contact_id=OuterRef("pk"))))
    raise ValueError(f"unknown rule type {rule_type!r}")


def contacts_matching(workspace_id: int, definition: Definition, window: Window = None) -> QuerySet[Contact]:
    """The workspace's unmerged contacts that ``definition`` (already cleaned) selects; no rules selects all."""
    contacts = Contact.in_workspace(workspace_id).filter(merged_into__isnull=True)
    if window is not None:
        contacts = contacts.filter(pk__gt=window[0])
        if window[1] is not None:
            contacts = contacts.filter(pk__lte=window[1])
    conditions = [rule_condition(workspace_id, rule, window) for rule in definition.get("rules", [])]
    if not conditions:
        return contacts
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined | condition if definition.get("match") == "any" else combined & condition
    return contacts.filter(combined)


@contextmanager
def planned() -> Iterator[None]:
    """Run segment queries inside this block: on PostgreSQL, with nested-loop joins off.

    PostgreSQL cannot estimate how many rows a JSON condition (``data @> …``,
    ``attributes -> 'tier'``) keeps and guesses very few, so it probes an index
    once per row found (131,851 probes for one 4-rule count of bench/segments.py);
    hash and merge joins read each side once (1.58 s → 0.57 s there). The
    setting is local to the transaction and put back when the block ends.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)")
        previous = cursor.fetchone()[0]
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])


def segment_contacts(segment: Segment) -> QuerySet[Contact]:
    """The contacts in ``segment`` now (evaluated when the query set is)."""
    return contacts_matching(segment.workspace_id, segment.definition)


def count(segment: Segment) -> int:
    with planned():
        return segment_contacts(segment).count()


def iter_contact_ids(segment: Segment, chunk: int = 10_000) -> Iterator[int]:
    """The segment's contact ids in ascending order, read by keyset pagination over the workspace's contacts.

    Each page is the next ``chunk`` contact ids of the workspace (found on the
    primary key) and the segment's query kept to that id range, rows about
    the contacts included; so a page costs about the same at any depth, a
    long broadcast holds no cursor or transaction open, and contacts added
    meanwhile with higher ids are still reached.
    """
    workspace_id, definition = segment.workspace_id, segment.definition
    contacts = Contact.in_workspace(workspace_id).order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        high = next(iter(contacts.filter(pk__gt=last)[chunk - 1 : chunk]), None)
        window = (last, high)
        with planned():
            ids = list(contacts_matching(workspace_id, definition, window).order_by("pk").values_list("pk", flat=True))
        yield from ids
        if high is None:
            return
        last = high

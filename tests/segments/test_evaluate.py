"""Segments select exactly the contacts their rules describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.models import (
    AttributeDefinition,
    AttributeType,
    Contact,
    ContactFeedback,
    ContactPreference,
    ContextObject,
)
from frontdesk.conversations.models import ConversationLabel
from frontdesk.core.models import Member, Workspace
from frontdesk.segments.definition import clean_definition
from frontdesk.segments.evaluate import contacts_matching, count, iter_contact_ids
from frontdesk.segments.models import Segment
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_label, make_workspace


def names(workspace: Workspace, *rules: dict[str, Any], match: str = "all") -> set[str]:
    definition = clean_definition(workspace.pk, {"match": match, "rules": list(rules)})
    return set(contacts_matching(workspace.pk, definition).values_list("name", flat=True))


def define(workspace: Workspace, key: str, attribute_type: AttributeType, choices: list[str] | None = None) -> None:
    AttributeDefinition.all_workspaces.create(
        workspace=workspace, key=key, label=key.title(), type=attribute_type, choices=choices or []
    )


def prefer(contact: Contact, kind: str, text: str) -> None:
    ContactPreference.all_workspaces.create(workspace_id=contact.workspace_id, contact=contact, kind=kind, text=text)


def feedback(contact: Contact, kind: str, days_ago: float) -> None:
    ContactFeedback.all_workspaces.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        kind=kind,
        text="…",
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def booking(contact: Contact, external_id: str, status: str = "confirmed", **data: Any) -> None:
    ContextObject.all_workspaces.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        kind="booking",
        external_id=external_id,
        status=status,
        data=data,
    )


def test_text_attributes_compare_without_case_and_unset_is_not_equal(workspace: Workspace) -> None:
    define(workspace, "tier", AttributeType.CHOICE, ["gold", "silver"])
    make_contact(workspace, name="gold", attributes={"tier": "gold"})
    make_contact(workspace, name="GOLD", attributes={"tier": "Gold", "city": "Hong Kong"})
    make_contact(workspace, name="silver", attributes={"tier": "silver"})
    make_contact(workspace, name="none", attributes={})
    make_contact(workspace, name="blank", attributes={"tier": ""})
    make_contact(workspace, name="null", attributes={"tier": None})
    assert names(workspace, {"type": "attribute", "key": "tier", "op": "equals", "value": "gold"}) == {"gold", "GOLD"}
    assert names(workspace, {"type": "attribute", "key": "tier", "op": "not_equals", "value": "gold"}) == {
        "silver",
        "none",
        "blank",
        "null",
    }
    assert names(workspace, {"type": "attribute", "key": "tier", "op": "is_set"}) == {"gold", "GOLD", "silver"}
    assert names(workspace, {"type": "attribute", "key": "tier", "op": "is_not_set"}) == {"none", "blank", "null"}
    assert names(workspace, {"type": "attribute", "key": "city", "op": "contains", "value": "kong"}) == {"GOLD"}


def test_number_date_and_boolean_attributes_compare_by_their_type(workspace: Workspace) -> None:
    define(workspace, "spend", AttributeType.NUMBER)
    define(workspace, "joined", AttributeType.DATE)
    define(workspace, "vip", AttributeType.BOOLEAN)
    make_contact(workspace, name="a", attributes={"spend": 900, "joined": "2025-01-31", "vip": True})
    make_contact(workspace, name="b", attributes={"spend": 12.5, "joined": "2026-11-02", "vip": False})
    make_contact(workspace, name="c", attributes={"spend": 100})
    # "100" typed in a form is the number 100, and 9 < 100 < 900 numerically (not as text).
    assert names(workspace, {"type": "attribute", "key": "spend", "op": "greater", "value": "100"}) == {"a"}
    assert names(workspace, {"type": "attribute", "key": "spend", "op": "less", "value": 100}) == {"b"}
    assert names(workspace, {"type": "attribute", "key": "spend", "op": "equals", "value": "100"}) == {"c"}
    assert names(workspace, {"type": "attribute", "key": "joined", "op": "before", "value": "2026-01-01"}) == {"a"}
    assert names(workspace, {"type": "attribute", "key": "joined", "op": "after", "value": "2026-01-01"}) == {"b"}
    assert names(workspace, {"type": "attribute", "key": "vip", "op": "equals", "value": "yes"}) == {"a"}
    assert names(workspace, {"type": "attribute", "key": "vip", "op": "equals", "value": False}) == {"b"}


def test_language_matches_the_code_and_its_variants(workspace: Workspace) -> None:
    make_contact(workspace, name="hant", language="zh-Hant")
    make_contact(workspace, name="hans", language="zh_Hans")
    make_contact(workspace, name="en", language="en")
    make_contact(workspace, name="unknown", language="")
    assert names(workspace, {"type": "language", "op": "equals", "value": "zh"}) == {"hant", "hans"}
    assert names(workspace, {"type": "language", "op": "equals", "value": "ZH-hant"}) == {"hant"}
    assert names(workspace, {"type": "language", "op": "not_equals", "value": "zh"}) == {"en", "unknown"}


def test_preferences_match_without_case_and_in_either_chinese_script(workspace: Workspace) -> None:
    prefer(make_contact(workspace, name="window"), "like", "Window seat, please")
    prefer(make_contact(workspace, name="traditional"), "like", "靠窗座位和素食餐")
    prefer(make_contact(workspace, name="simplified"), "like", "要素食餐")
    prefer(make_contact(workspace, name="dislikes veg"), "dislike", "素食")
    assert names(workspace, {"type": "preference", "preference": "like", "value": "WINDOW"}) == {"window"}
    # 素食餐 is written the same in both scripts; 靠窗座位 / 靠窗座位 and 餐點 / 餐点 are not.
    assert names(workspace, {"type": "preference", "preference": "like", "value": "素食"}) == {
        "traditional",
        "simplified",
    }
    assert names(workspace, {"type": "preference", "preference": "like", "value": "靠窗座位"}) == {"traditional"}
    prefer(make_contact(workspace, name="hk"), "like", "喜歡坐經濟艙")
    prefer(make_contact(workspace, name="cn"), "like", "喜欢坐经济舱")
    assert names(workspace, {"type": "preference", "preference": "like", "value": "经济舱"}) == {"hk", "cn"}
    assert names(workspace, {"type": "preference", "preference": "like", "value": "經濟艙"}) == {"hk", "cn"}
    assert names(workspace, {"type": "preference", "preference": "dislike", "value": "素食"}) == {"dislikes veg"}


def test_channel_rules_by_kind_or_by_one_channel(workspace: Workspace) -> None:
    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    second_whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    email = make_channel(workspace, ChannelKind.EMAIL)
    make_identity(make_contact(workspace, name="wa"), whatsapp)
    make_identity(make_contact(workspace, name="wa2"), second_whatsapp)
    both = make_contact(workspace, name="both")
    make_identity(both, email)
    make_identity(both, whatsapp)
    make_contact(workspace, name="nowhere")
    assert names(workspace, {"type": "channel", "channel_kind": "whatsapp"}) == {"wa", "wa2", "both"}
    assert names(workspace, {"type": "channel", "channel_id": second_whatsapp.pk}) == {"wa2"}
    assert names(workspace, {"type": "channel", "channel_kind": "email"}) == {"both"}
    assert names(workspace, {"type": "channel", "channel_kind": "line"}) == set()


def test_conversation_history_counts_with_label_and_period(workspace: Workspace) -> None:
    label = make_label(workspace, "refund")
    now = timezone.now()
    busy = make_contact(workspace, name="busy")
    for days in (1, 2, 40):
        make_conversation(workspace, contact=busy, created_at=now - timedelta(days=days))
    once = make_contact(workspace, name="once")
    labelled = make_conversation(workspace, contact=once, created_at=now - timedelta(days=3))
    ConversationLabel.all_workspaces.create(workspace=workspace, conversation=labelled, label=label)
    make_contact(workspace, name="never")
    rule = {"type": "conversations", "op": "at_least", "count": 2}
    assert names(workspace, rule) == {"busy"}
    assert names(workspace, {**rule, "count": 3, "days": 30}) == set()
    assert names(workspace, {**rule, "count": 2, "days": 30}) == {"busy"}
    assert names(workspace, {**rule, "count": 1, "label_id": label.pk}) == {"once"}
    assert names(workspace, {"type": "conversations", "op": "at_most", "count": 1}) == {"once", "never"}
    assert names(workspace, {"type": "conversations", "op": "at_most", "count": 0}) == {"never"}
    assert names(workspace, {"type": "conversations", "op": "at_most", "count": 1, "days": 30}) == {"once", "never"}
    assert names(workspace, {**rule, "count": 0}) == {"busy", "once", "never"}


def test_last_contact_within_or_before_a_number_of_days(workspace: Workspace) -> None:
    now = timezone.now()
    make_conversation(
        workspace, contact=make_contact(workspace, name="recent"), last_activity_at=now - timedelta(days=2)
    )
    old = make_contact(workspace, name="old")
    make_conversation(workspace, contact=old, last_activity_at=now - timedelta(days=200))
    make_contact(workspace, name="never")
    assert names(workspace, {"type": "last_contact", "op": "within", "days": 7}) == {"recent"}
    assert names(workspace, {"type": "last_contact", "op": "before", "days": 90}) == {"old"}
    make_conversation(workspace, contact=old, last_activity_at=now - timedelta(days=1))
    assert names(workspace, {"type": "last_contact", "op": "before", "days": 90}) == set()


def test_complained_at_least_twice_in_thirty_days(workspace: Workspace) -> None:
    twice = make_contact(workspace, name="twice")
    feedback(twice, "complaint", 1)
    feedback(twice, "complaint", 29)
    long_ago = make_contact(workspace, name="long ago")
    feedback(long_ago, "complaint", 1)
    feedback(long_ago, "complaint", 31)
    praising = make_contact(workspace, name="praising")
    for _ in range(3):
        feedback(praising, "compliment", 2)
    rule = {"type": "feedback", "feedback": "complaint", "op": "at_least", "count": 2, "days": 30}
    assert names(workspace, rule) == {"twice"}
    assert names(workspace, {**rule, "days": None}) == {"twice", "long ago"}
    assert names(workspace, {**rule, "feedback": "compliment"}) == {"praising"}
    assert names(workspace, {**rule, "op": "at_most", "count": 1}) == {"long ago", "praising"}


def test_passengers_on_one_flight_on_one_date(workspace: Workspace) -> None:
    booking(make_contact(workspace, name="on it"), "B1", flight="CX123", date="2026-12-01", seat=12)
    booking(make_contact(workspace, name="next day"), "B2", flight="CX123", date="2026-12-02")
    booking(make_contact(workspace, name="cancelled"), "B3", status="Cancelled", flight="CX123", date="2026-12-01")
    other = make_contact(workspace, name="order")
    ContextObject.all_workspaces.create(
        workspace=workspace, contact=other, kind="order", external_id="O1", data={"flight": "CX123"}
    )
    rule = {"type": "context", "kind": "booking", "data": {"flight": "CX123", "date": "2026-12-01"}}
    assert names(workspace, rule) == {"on it", "cancelled"}
    assert names(workspace, {**rule, "status": "confirmed"}) == {"on it"}
    assert names(workspace, {**rule, "status": "CANCELLED"}) == {"cancelled"}
    assert names(workspace, {"type": "context", "kind": "booking", "data": {"seat": 12}}) == {"on it"}
    assert names(workspace, {"type": "context", "kind": "order"}) == {"order"}


def test_all_needs_every_rule_and_any_needs_one(workspace: Workspace) -> None:
    make_contact(workspace, name="both", language="en", attributes={"tier": "gold"})
    make_contact(workspace, name="english", language="en")
    make_contact(workspace, name="gold", language="fr", attributes={"tier": "gold"})
    make_contact(workspace, name="neither", language="fr")
    rules = (
        {"type": "language", "op": "equals", "value": "en"},
        {"type": "attribute", "key": "tier", "op": "equals", "value": "gold"},
    )
    assert names(workspace, *rules) == {"both"}
    assert names(workspace, *rules, match="any") == {"both", "english", "gold"}
    assert names(workspace) == {"both", "english", "gold", "neither"}, "no rules: every contact"


def test_merged_contacts_never_match(workspace: Workspace) -> None:
    kept = make_contact(workspace, name="kept", language="en")
    make_contact(workspace, name="absorbed", language="en", merged_into=kept)
    assert names(workspace, {"type": "language", "op": "equals", "value": "en"}) == {"kept"}
    assert names(workspace, {"type": "language", "op": "not_equals", "value": "fr"}) == {"kept"}


def test_other_workspaces_contacts_and_rows_never_match(workspace: Workspace) -> None:
    other = make_workspace("Other")
    stranger = make_contact(other, name="stranger", language="en", attributes={"tier": "gold"})
    booking(stranger, "X1", flight="CX123", date="2026-12-01")
    feedback(stranger, "complaint", 1)
    feedback(stranger, "complaint", 2)
    prefer(stranger, "like", "window")
    make_identity(stranger, make_channel(other, ChannelKind.WHATSAPP))
    # A contact of this workspace whose id the other rows could be confused with shares nothing with them.
    make_contact(workspace, name="mine")
    rules: list[dict[str, Any]] = [
        {"type": "language", "op": "equals", "value": "en"},
        {"type": "attribute", "key": "tier", "op": "is_set"},
        {"type": "context", "kind": "booking", "data": {"flight": "CX123"}},
        {"type": "feedback", "feedback": "complaint", "op": "at_least", "count": 2, "days": 30},
        {"type": "preference", "preference": "like", "value": "window"},
        {"type": "channel", "channel_kind": "whatsapp"},
    ]
    assert names(workspace, *rules, match="any") == set()
    assert names(other, *rules) == {"stranger"}


def contact_queries(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read contacts (not PostgreSQL's planner setting or savepoints)."""
    return [query["sql"] for query in queries.captured_queries if "contacts_contact" in query["sql"]]


def test_one_query_counts_and_ids_stream_in_order_by_keyset(workspace: Workspace, admin: Member) -> None:
    contacts = [make_contact(workspace, name=f"c{i}", language="en") for i in range(25)]
    make_contact(workspace, name="fr", language="fr")
    segment = Segment.all_workspaces.create(
        workspace=workspace,
        name="English",
        definition=clean_definition(
            workspace.pk,
            {
                "rules": [
                    {"type": "language", "op": "equals", "value": "en"},
                    {"type": "feedback", "feedback": "complaint", "op": "at_most", "count": 3, "days": 30},
                    {"type": "context", "kind": "booking", "data": {"flight": "CX1"}},
                ],
                "match": "any",
            },
        ),
    )
    with CaptureQueriesContext(connection) as queries:
        assert count(segment) == 26
    assert len(contact_queries(queries)) == 1, "a segment is counted by one query"
    segment.definition = clean_definition(
        workspace.pk, {"rules": [{"type": "language", "op": "equals", "value": "en"}]}
    )
    with CaptureQueriesContext(connection) as queries:
        streamed = list(iter_contact_ids(segment, chunk=10))
    assert streamed == [contact.pk for contact in contacts]
    assert len(contact_queries(queries)) == 6, "26 contacts by tens: three pages, each its upper bound and its matches"


def test_streaming_by_pages_selects_exactly_what_the_whole_query_selects(workspace: Workspace) -> None:
    """Each page keeps every subquery to its id range; no rule may behave differently inside a page."""
    label = make_label(workspace)
    whatsapp = make_channel(workspace, ChannelKind.WHATSAPP)
    now = timezone.now()
    for i in range(23):
        contact = make_contact(workspace, name=f"c{i}", language=("en", "zh-Hant", "ja")[i % 3])
        if i % 2:
            make_identity(contact, whatsapp)
        for days in range(i % 4):
            conversation = make_conversation(
                workspace, contact=contact, created_at=now - timedelta(days=days * 20), last_activity_at=now
            )
            if days == 1:
                ConversationLabel.all_workspaces.create(workspace=workspace, conversation=conversation, label=label)
        for days in range(i % 3):
            feedback(contact, "complaint", days * 10)
        if i % 5:
            booking(contact, f"B{i}", flight="CX123" if i % 2 else "KA1")
        if i % 7 == 0:
            prefer(contact, "like", "窗口位")
    rules: list[dict[str, Any]] = [
        {"type": "conversations", "op": "at_most", "count": 1},
        {"type": "conversations", "op": "at_least", "count": 1, "label_id": label.pk},
        {"type": "last_contact", "op": "before", "days": 5},
        {"type": "feedback", "feedback": "complaint", "op": "at_least", "count": 2, "days": 30},
        {"type": "feedback", "feedback": "complaint", "op": "at_most", "count": 0},
        {"type": "context", "kind": "booking", "data": {"flight": "CX123"}},
        {"type": "channel", "channel_kind": "whatsapp"},
        {"type": "preference", "preference": "like", "value": "窗口位"},
        {"type": "language", "op": "not_equals", "value": "zh"},
    ]
    for match in ("all", "any"):
        for index in range(len(rules)):
            definition = clean_definition(workspace.pk, {"match": match, "rules": [rules[index], rules[index - 1]]})
            segment = Segment(workspace=workspace, name="s", definition=definition)
            whole = list(contacts_matching(workspace.pk, definition).order_by("pk").values_list("pk", flat=True))
            assert list(iter_contact_ids(segment, chunk=4)) == whole, (match, rules[index], rules[index - 1])
            assert count(segment) == len(whole)

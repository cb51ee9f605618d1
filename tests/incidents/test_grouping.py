"""Live grouping through the real ingest path: webhook, worker, the subscriber's check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.conversations.actions import set_status
from frontdesk.conversations.models import Conversation, ConversationStatus
from frontdesk.core.models import AuditEntry, Member
from frontdesk.incidents import grouping
from frontdesk.incidents.grouping import RETENTION, check_message, check_messages
from frontdesk.incidents.models import CaseSignature, Incident, IncidentConversation, IncidentStatus, SignatureBand
from frontdesk.incidents.subscribers import group_similar_cases
from frontdesk.incidents.tasks import prune_case_signatures
from frontdesk.pipeline.events import Event, _subscribers
from frontdesk.text.similarity import GROUP_THRESHOLD, band_keys, from_bytes, similarity
from tests.factories import make_message
from tests.incidents.conftest import CANCELLED_EN, CANCELLED_ZH, OTHER_EN, OTHER_ZH


def incident_of(conversation: Conversation) -> int | None:
    return (
        IncidentConversation.in_workspace(conversation.workspace_id)
        .filter(conversation=conversation, removed_at__isnull=True)
        .values_list("incident_id", flat=True)
        .first()
    )


@pytest.mark.django_db
def test_the_same_cancellation_in_both_chinese_scripts_groups_into_one_incident(
    customer_writes: Callable[..., Conversation], events: list[Event]
) -> None:
    conversations = [customer_writes(f"zh-{n}", text) for n, text in enumerate(CANCELLED_ZH)]
    [incident] = Incident.in_workspace(conversations[0].workspace_id)
    assert {incident_of(c) for c in conversations} == {incident.pk}
    assert incident.created_by is None and incident.status == "open"
    assert incident.title.startswith("你好，我明天飛香港的CX880航班被取消了")
    assert [e.type for e in events].count("incident.created") == 1
    assert [e.type for e in events].count("incident.updated") == len(CANCELLED_ZH) - 2


@pytest.mark.django_db
def test_english_rewordings_group_together(customer_writes: Callable[..., Conversation]) -> None:
    conversations = [customer_writes(f"en-{n}", text) for n, text in enumerate(CANCELLED_EN)]
    assert len({incident_of(c) for c in conversations}) == 1
    assert incident_of(conversations[0]) is not None


@pytest.mark.django_db
def test_another_problem_with_the_same_words_stays_out(customer_writes: Callable[..., Conversation]) -> None:
    cancelled = [customer_writes(f"zh-{n}", text) for n, text in enumerate(CANCELLED_ZH[:2])]
    cancelled += [customer_writes(f"en-{n}", text) for n, text in enumerate(CANCELLED_EN[:2])]
    # The premise, on the shared text foundation as tuned: related words, below the grouping threshold.
    for text in (*CANCELLED_ZH[:2], *CANCELLED_EN[:2]):
        assert 0 < max(similarity(OTHER_ZH, text), similarity(OTHER_EN, text)) < GROUP_THRESHOLD
    baggage = [customer_writes("bag-zh", OTHER_ZH), customer_writes("bag-en", OTHER_EN)]
    assert all(incident_of(c) is not None for c in cancelled)
    assert [incident_of(c) for c in baggage] == [None, None]


@pytest.mark.django_db
def test_one_customer_writing_twice_is_not_an_incident(customer_writes: Callable[..., Conversation]) -> None:
    conversation = customer_writes("zh-1", CANCELLED_ZH[0])
    customer_writes("zh-1", CANCELLED_ZH[1])
    assert incident_of(conversation) is None
    assert not Incident.in_workspace(conversation.workspace_id).exists()


@pytest.mark.django_db
def test_signature_keeps_the_first_messages_and_its_band_keys(customer_writes: Callable[..., Conversation]) -> None:
    conversation = customer_writes("zh-1", "Hi")
    customer_writes("zh-1", CANCELLED_ZH[0])
    for text in ("好的", "謝謝", "還在嗎？"):
        customer_writes("zh-1", text)
    signature = CaseSignature.in_workspace(conversation.workspace_id).get(conversation=conversation)
    # A greeting alone says nothing about the problem: the case starts with the first message that does.
    assert signature.text == CANCELLED_ZH[0] + "\n好的\n謝謝"
    assert signature.message_count == 3
    keys = sorted(
        SignatureBand.in_workspace(conversation.workspace_id).filter(signature=signature).values_list("key", flat=True)
    )
    assert keys == sorted(band_keys(from_bytes(bytes(signature.minhash))))


@pytest.mark.django_db
def test_text_without_words_stores_no_signature(customer_writes: Callable[..., Conversation]) -> None:
    conversation = customer_writes("emoji", "👍👍 !!")
    assert not CaseSignature.in_workspace(conversation.workspace_id).exists()


@pytest.mark.django_db
def test_an_incident_resolves_itself_when_its_last_conversation_is_resolved(
    customer_writes: Callable[..., Conversation], agent: Member, django_capture_on_commit_callbacks: Any
) -> None:
    conversations = [customer_writes(f"zh-{n}", text) for n, text in enumerate(CANCELLED_ZH[:2])]
    incident = Incident.all_workspaces.get()
    for conversation in conversations:
        with django_capture_on_commit_callbacks(execute=True):
            set_status(conversation, ConversationStatus.RESOLVED, actor=agent)
        incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.django_db
def test_resolved_and_quiet_cases_are_pruned_from_the_index(
    customer_writes: Callable[..., Conversation], agent: Member
) -> None:
    resolved, quiet, current = (customer_writes(f"c-{n}", text) for n, text in enumerate(CANCELLED_ZH[:3]))
    set_status(resolved, ConversationStatus.RESOLVED, actor=agent)
    CaseSignature.all_workspaces.filter(conversation=quiet).update(last_message_at=timezone.now() - RETENTION * 2)
    assert prune_case_signatures.call() == 2
    assert list(CaseSignature.all_workspaces.values_list("conversation_id", flat=True)) == [current.pk]
    assert SignatureBand.all_workspaces.exclude(signature__conversation=current).count() == 0


@pytest.mark.django_db
def test_a_deleted_conversation_leaves_no_band_rows(customer_writes: Callable[..., Conversation]) -> None:
    # The band rows have no foreign-key constraint (a cost of every check): Django's deletion must still take them.
    gone, kept = (customer_writes(f"c-{n}", text) for n, text in enumerate(CANCELLED_ZH[:2]))
    assert SignatureBand.all_workspaces.filter(signature__conversation=gone).exists()
    gone.delete()
    signatures = CaseSignature.all_workspaces.values_list("pk", flat=True)
    assert SignatureBand.all_workspaces.exclude(signature_id__in=signatures).count() == 0
    assert SignatureBand.all_workspaces.filter(signature__conversation=kept).exists()


@pytest.mark.django_db
def test_the_check_costs_as_many_queries_with_ten_similar_cases_as_with_two(
    customer_writes: Callable[..., Conversation],
) -> None:
    def queries_to_join(number: int) -> int:
        conversation = customer_writes(f"new-{number}", "Hi")
        message = make_message(conversation, text=CANCELLED_ZH[number % len(CANCELLED_ZH)])
        with CaptureQueriesContext(connection) as captured:
            check_message(message)
        assert Incident.all_workspaces.count() == 1
        return len(captured)

    for number in range(2):
        customer_writes(f"zh-{number}", CANCELLED_ZH[number])
    few = queries_to_join(2)
    for number in range(3, 11):
        customer_writes(f"zh-{number}", CANCELLED_ZH[number % len(CANCELLED_ZH)])
    assert queries_to_join(11) == few


@pytest.mark.django_db
def test_a_batch_of_checks_announces_its_incident_in_one_dispatch(
    customer_writes: Callable[..., Conversation], django_capture_on_commit_callbacks: Any
) -> None:
    conversations = [customer_writes(f"zh-{n}", "Hi") for n in range(3)]
    messages = [make_message(c, text=CANCELLED_ZH[n]) for n, c in enumerate(conversations)]
    batch = [
        Event(
            type="message.created",
            workspace_id=message.workspace_id,
            payload={
                "message": {
                    "id": message.pk,
                    "conversation_id": message.conversation_id,
                    "kind": message.kind,
                    "text": message.text,
                    "created_at": message.created_at.isoformat(),
                }
            },
        )
        for message in messages
    ]
    dispatched: list[list[str]] = []
    _subscribers["tests.dispatches"] = lambda events: dispatched.append([event.type for event in events])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            group_similar_cases(batch)
    finally:
        del _subscribers["tests.dispatches"]
    assert incident_of(conversations[0]) is not None
    # The three checks' events (the incident, and a likely duplicate pair among them) in one list.
    [types] = dispatched
    assert [t for t in types if t.startswith("incident.")] == ["incident.created", "incident.updated"]


def _fail_signatures_containing(marker: str) -> None:
    """A database that refuses some case signatures: a real failure in the middle of a batch's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_marked BEFORE INSERT ON incidents_casesignature"
                f" WHEN NEW.text LIKE '%{marker}%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_marked() RETURNS trigger AS $$ BEGIN"
                f" IF NEW.text LIKE '%%{marker}%%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
                " LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_marked BEFORE INSERT ON incidents_casesignature"
                " FOR EACH ROW EXECUTE FUNCTION refuse_marked()"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [60.0, 0.0], ids=["one-transaction", "a-transaction-each"])
def test_a_batch_is_checked_as_one_message_at_a_time_would_be(
    customer_writes: Callable[..., Conversation], seconds: float
) -> None:
    conversations = [customer_writes(f"c-{n}", "Hi") for n in range(4)]
    texts = [*CANCELLED_ZH[:3], OTHER_ZH]
    messages = [make_message(c, text=text) for c, text in zip(conversations, texts, strict=True)]

    results = check_messages(messages, seconds=seconds)

    assert [result.conversation_id if result else None for result in results] == [c.pk for c in conversations]
    incident = incident_of(conversations[0])
    assert incident is not None and [incident_of(c) for c in conversations] == [incident] * 3 + [None]
    assert [result.incident_created for result in results if result] == [False, True, False, False]
    # The audit log says who started it and who joined, however many transactions the batch took.
    logged = AuditEntry.all_workspaces.filter(action__startswith="incident.").order_by("pk")
    assert [(entry.action, entry.object_id, entry.actor_label) for entry in logged] == [
        ("incident.created", str(incident), "system"),
        ("incident.joined", str(conversations[2].pk), "system"),
    ]
    assert logged[0].changes == {"conversations": [conversations[1].pk, conversations[0].pk]}


@pytest.mark.django_db
def test_a_message_whose_check_fails_leaves_the_rest_of_its_batch_checked(
    customer_writes: Callable[..., Conversation], caplog: pytest.LogCaptureFixture
) -> None:
    conversations = [customer_writes(f"c-{n}", "Hi") for n in range(3)]
    _fail_signatures_containing("REFUSE-ME")
    texts = [CANCELLED_ZH[0], f"REFUSE-ME {CANCELLED_ZH[1]}", CANCELLED_ZH[2]]
    messages = [make_message(c, text=text) for c, text in zip(conversations, texts, strict=True)]

    results = check_messages(messages)

    assert results[1] is None and results[0] is not None and results[2] is not None
    assert incident_of(conversations[0]) == incident_of(conversations[2]) is not None
    assert incident_of(conversations[1]) is None
    assert not CaseSignature.all_workspaces.filter(conversation=conversations[1]).exists()
    assert f"Checking message {messages[1].pk} for similar cases failed" in caplog.text


@pytest.mark.django_db
def test_a_check_that_lost_a_race_for_a_conversation_leaves_nothing_behind(
    customer_writes: Callable[..., Conversation],
) -> None:
    # Two checks at once can both find a conversation free; the one that writes second must change nothing
    # (the statements' DO NOTHING, undone by hand, stand where a savepoint was). Called as the second check would.
    first, second = (customer_writes(f"c-{n}", text) for n, text in enumerate(CANCELLED_ZH[:2]))
    third = customer_writes("c-2", "Hi")
    incident = Incident.all_workspaces.get()
    entries = AuditEntry.all_workspaces.count()

    assert grouping._create(third, [(grouping.Candidate(second.pk, True, b""), 0.9)]) is None
    assert grouping._join(incident.pk, first, 0.9) is False

    assert list(Incident.all_workspaces.values_list("pk", flat=True)) == [incident.pk]
    assert sorted(IncidentConversation.all_workspaces.values_list("conversation_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    assert AuditEntry.all_workspaces.count() == entries

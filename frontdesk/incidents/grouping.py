"""The check every customer message goes through: its case signature, live grouping and likely duplicates.

What a case is about is the text of its customer's first ``CASE_MESSAGES``
messages: customers often split the problem over a greeting and one or two
lines ("Hi" / "my flight CX880 was cancelled" / "what now?"), and what comes
later (thanks, booking numbers, "any news?") is about the conversation, not
the problem, and would make every long case look like every other.

``check_message`` is the whole check; the subscriber runs it over the stored
inbound messages of each batch (``check_messages``), and
``bench/understanding.py`` times both.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind
from frontdesk.core import audit
from frontdesk.core.models import AuditEntry
from frontdesk.core.sql import integers_in, integers_parameter, integers_table, prepared_cursor, value_list, value_rows
from frontdesk.incidents.models import (
    DuplicateStatus,
    Incident,
    IncidentConversation,
    IncidentStatus,
)
from frontdesk.pipeline.events import collecting, publish
from frontdesk.pipeline.writes import BATCH_SECONDS, write_transaction
from frontdesk.text import embedding
from frontdesk.text.similarity import band_keys, is_empty, signature, to_bytes

if TYPE_CHECKING:
    from datasketch import MinHash  # type: ignore[import-untyped]
    from django.db.backends.utils import CursorWrapper

logger = logging.getLogger(__name__)

CASE_MESSAGES = 3
CASE_TEXT_LENGTH = 1000
# Conversations whose customer wrote within this long are grouped together.
GROUP_WINDOW = timedelta(hours=72)
# Near-identical text this close in time from two contacts suggests one person on two channels.
DUPLICATE_WINDOW = timedelta(hours=2)
# Signatures are kept this long after the customer's last message (the longer window).
RETENTION = max(GROUP_WINDOW, DUPLICATE_WINDOW)
# At most this many candidates are compared per message, the most recent first, to bound the cost.
MAX_CANDIDATES = 100
TITLE_LENGTH = 120
ACTIVE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.SNOOZED)


def _threshold(name: str) -> float:
    # Read when used, not copied at import: the thresholds are tuned on the evaluation set.
    return float(getattr(sys.modules["frontdesk.text.similarity"], name))


@dataclass
class CheckResult:
    """What checking one message did."""

    conversation_id: int
    # The incident this check grouped it into, or found it in when it had matches (None otherwise).
    incident_id: int | None = None
    incident_created: bool = False
    # (other conversation id, score) for each new likely duplicate.
    duplicates: list[tuple[int, float]] = field(default_factory=list)
    candidates: int = 0


def check_message(message: Message) -> CheckResult | None:
    """Update the case signature of the message's conversation, group it into an incident, record duplicates.

    Only a customer's message with text counts, and only while the case text
    is still being formed (its first ``CASE_MESSAGES`` messages); later ones
    just keep the conversation in the time window. None when nothing was
    checked (or when the check failed, which is logged). Runs in its own
    transaction; publishes ``incident.created`` / ``incident.updated`` /
    ``duplicate.created`` after commit.
    """
    return check_messages([message])[0]


def check_messages(messages: list[Message], seconds: float = BATCH_SECONDS) -> list[CheckResult | None]:
    """``check_message`` for each of a batch (the worker's), in order, in as few transactions as the write lock
    allows: a transaction commits once it has run ``seconds`` (SQLite's writer holds everyone else up), and its
    commit, and the dispatch of its events, are shared by its messages. When a transaction fails as a whole, its
    messages are checked again one at a time, so only the message at fault goes unchecked (and raises nothing:
    it is logged)."""
    results: list[CheckResult | None] = [None] * len(messages)
    todo = [
        n for n, message in enumerate(messages) if message.kind == MessageKind.INBOUND and (message.text or "").strip()
    ]
    while todo:
        deadline = time.monotonic() + seconds
        done: list[int] = []
        try:
            # Its events (an incident and a likely duplicate can come together) reach the subscribers in one
            # dispatch.
            with write_transaction(), collecting(), _audited_together():
                for n in todo:
                    results[n] = _check(messages[n])
                    done.append(n)
                    if time.monotonic() > deadline:
                        break
        except Exception:
            failed = todo[: len(done) + 1]
            if len(failed) == 1:
                logger.exception("Checking message %s for similar cases failed", messages[failed[0]].pk)
            else:
                logger.info("Checking %s messages together failed; checking them one at a time", len(failed))
                for n in failed:
                    results[n] = _check_alone(messages[n])
            done = failed
        todo = todo[len(done) :]
    return results


def _check_alone(message: Message) -> CheckResult | None:
    try:
        with write_transaction(), collecting(), _audited_together():
            return _check(message)
    except Exception:
        logger.exception("Checking message %s for similar cases failed", message.pk)
        return None


# The audit entries of the checks in the current transaction, written together before it commits: one statement
# instead of one for each incident joined or started (an ORM insert was the dearest step of a batch's checks).
_pending_audit: ContextVar[list[AuditEntry] | None] = ContextVar("incident_check_audit", default=None)


@contextmanager
def _audited_together() -> Iterator[None]:
    entries: list[AuditEntry] = []
    token = _pending_audit.set(entries)
    try:
        yield
        if entries:
            AuditEntry.all_workspaces.bulk_create(entries)
    finally:
        _pending_audit.reset(token)


def _audit(workspace_id: int, action: str, target: Model, changes: dict[str, object]) -> None:
    entries = _pending_audit.get()
    if entries is None:
        audit.record(workspace_id, action, target, changes=changes)
    else:
        entries.append(audit.entry(workspace_id, action, target, changes=changes))


def _check(message: Message) -> CheckResult | None:
    workspace_id = message.workspace_id
    with prepared_cursor() as cursor:
        # The conversation, locked (PostgreSQL; SQLite's transactions take the write lock at BEGIN), and its
        # signature if it has one.
        cursor.execute(
            _LOCK_CONVERSATION if connection.features.has_select_for_update else _READ_CONVERSATION,
            [message.conversation_id, workspace_id],
        )
        row = cursor.fetchone()
        if row is None or row[1] not in ACTIVE_STATUSES:
            return None
        conversation = Conversation(pk=message.conversation_id, workspace_id=workspace_id, contact_id=row[0])
        stored: tuple[int, str, int] | None = None if row[2] is None else (row[2], row[3], row[4])
        at = message.created_at or timezone.now()
        if stored is not None and stored[2] >= CASE_MESSAGES:
            cursor.execute(
                "UPDATE incidents_casesignature SET last_message_at = %s WHERE id = %s", [_db_time(at), stored[0]]
            )
            return None
        text = message.text.strip() if stored is None else f"{stored[1]}\n{message.text.strip()}"
        text = text[:CASE_TEXT_LENGTH]
        minhash = signature(text)
        if is_empty(minhash):
            return None
        candidates = _store_and_find(cursor, stored, conversation, text, minhash, at)
    result = CheckResult(conversation_id=conversation.pk, candidates=len(candidates))
    similar = list(zip(candidates, _scores(minhash, candidates), strict=True))
    _record_duplicates(conversation, text, similar, result)
    group_threshold = _threshold("GROUP_THRESHOLD")
    _group(conversation, [(c, s) for c, s in similar if s >= group_threshold], result)
    return result


# The check runs for every customer message: its statements are written out rather than built by the ORM, which
# cost more than running them (a third of the check went to building filters).


def _db_time(value: datetime) -> str | datetime | None:
    """A datetime as a raw statement's parameter (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


_READ_CONVERSATION = (
    "SELECT c.contact_id, c.status, s.id, s.text, s.message_count FROM conversations_conversation c"
    " LEFT JOIN incidents_casesignature s ON s.conversation_id = c.id WHERE c.id = %s AND c.workspace_id = %s"
)
_LOCK_CONVERSATION = _READ_CONVERSATION + " FOR UPDATE OF c"


def _statement(template: str, **lists: int | tuple[int, int]) -> str:
    """``template`` with ``{integers_in}`` and ``{integers_table}`` made into the test against, and the table of,
    a list of integers given as one parameter (``frontdesk.core.sql``: the statement's text stays the same, so it
    is prepared once), and each other ``{name}`` into the placeholders of a list: ``%s, %s…`` for a count of
    values, ``(%s, %s), (%s, %s)…`` for (rows, columns)."""
    marks = {name: value_list(size) if isinstance(size, int) else value_rows(*size) for name, size in lists.items()}
    return template.format(integers_in=integers_in(), integers_table=integers_table(), **marks)


def _store_and_find(
    cursor: CursorWrapper,
    stored: tuple[int, str, int] | None,
    conversation: Conversation,
    text: str,
    minhash: MinHash,
    at: datetime,
) -> list[Candidate]:
    """Write the case signature and its band keys, and find its candidates (``_CANDIDATES``). On PostgreSQL a
    case's first signature is written and its candidates found in one statement (each round trip was a tenth of
    the check); otherwise in three or four."""
    keys = band_keys(minhash)
    keys_parameter = integers_parameter(keys)
    data = to_bytes(minhash)
    find_parameters: list[Any] = [
        conversation.workspace_id,
        keys_parameter,
        _db_time(at - DUPLICATE_WINDOW),
        conversation.workspace_id,
        _db_time(at - GROUP_WINDOW),
        conversation.contact_id,
        conversation.pk,
        *(status.value for status in ACTIVE_STATUSES),
        MAX_CANDIDATES,
    ]
    new_signature: list[Any] = [
        conversation.workspace_id,
        conversation.pk,
        conversation.contact_id,
        text,
        data,
        _db_time(at),
        _db_time(at),
    ]
    if stored is None and connection.vendor == "postgresql":
        # The main query does not see the rows its own CTEs insert: the new signature is not its own candidate.
        cursor.execute(
            _statement(_INSERT_FIRST_SIGNATURE_AND_FIND, statuses=len(ACTIVE_STATUSES)),
            [*new_signature, conversation.workspace_id, keys_parameter, *find_parameters],
        )
    else:
        if stored is None:
            cursor.execute(_INSERT_SIGNATURE, new_signature)
            signature_id: int = cursor.fetchone()[0]
            kept: set[int] = set()
        else:
            signature_id = stored[0]
            kept = _update_signature(cursor, signature_id, text, data, keys, at)
        # A signature that changed keeps the band rows of the keys it still has: only the others are added.
        new = [key for key in dict.fromkeys(keys) if key not in kept]
        if new:
            cursor.execute(
                _statement(
                    "INSERT INTO incidents_signatureband (workspace_id, signature_id, key)"
                    " SELECT %s, %s, value FROM {integers_table}"
                ),
                [conversation.workspace_id, signature_id, integers_parameter(new)],
            )
        cursor.execute(_statement("WITH " + _CANDIDATES, statuses=len(ACTIVE_STATUSES)), find_parameters)
    return [
        Candidate(conversation_id, bool(recent), bytes(other)) for conversation_id, recent, other in cursor.fetchall()
    ]


_INSERT_SIGNATURE = (
    "INSERT INTO incidents_casesignature (workspace_id, conversation_id, contact_id, text, message_count, minhash,"
    " first_message_at, last_message_at) VALUES (%s, %s, %s, %s, 1, %s, %s, %s) RETURNING id"
)

# Open conversations of other contacts sharing a band key, recent first, on the band index: the signatures sharing
# a key first (materialised, so the plan does not depend on statistics), then their rows and their conversations'
# status by primary key. Without its WITH, so it can follow other CTEs.
_CANDIDATES = (
    "sharing AS MATERIALIZED (SELECT DISTINCT signature_id FROM incidents_signatureband"
    " WHERE workspace_id = %s AND key {integers_in})"
    " SELECT s.conversation_id, s.last_message_at >= %s, s.minhash FROM sharing"
    " JOIN incidents_casesignature s ON s.id = sharing.signature_id"
    " JOIN conversations_conversation c ON c.id = s.conversation_id"
    " WHERE s.workspace_id = %s AND s.last_message_at >= %s AND s.contact_id <> %s AND s.conversation_id <> %s"
    " AND c.status IN ({statuses}) ORDER BY s.last_message_at DESC, s.id DESC LIMIT %s"
)

# PostgreSQL: a case's first signature, its band rows and its candidates in one statement (the parts are ours).
_INSERT_FIRST_SIGNATURE_AND_FIND = (
    f"WITH new_signature AS ({_INSERT_SIGNATURE}), new_bands AS (INSERT INTO incidents_signatureband"  # noqa: S608
    " (workspace_id, signature_id, key) SELECT %s, new_signature.id, value FROM new_signature, {integers_table}),"
    " " + _CANDIDATES
)


def _update_signature(
    cursor: CursorWrapper, signature_id: int, text: str, data: bytes, keys: list[int], at: datetime
) -> set[int]:
    """Write a case's signature again with its next message; delete the band rows of the keys it no longer has.
    Returns the keys it keeps."""
    cursor.execute(
        "UPDATE incidents_casesignature SET text = %s, message_count = message_count + 1, minhash = %s,"
        " last_message_at = %s WHERE id = %s",
        [text, data, _db_time(at), signature_id],
    )
    cursor.execute("SELECT key FROM incidents_signatureband WHERE signature_id = %s", [signature_id])
    old = {key for (key,) in cursor.fetchall()}
    gone = list(old.difference(keys))
    if gone:
        cursor.execute(
            _statement("DELETE FROM incidents_signatureband WHERE signature_id = %s AND key {integers_in}"),
            [signature_id, integers_parameter(gone)],
        )
    return old - set(gone)


class Candidate(NamedTuple):
    """A stored case sharing a band key with the one being checked."""

    conversation_id: int
    # The other customer wrote within DUPLICATE_WINDOW.
    recent: bool
    minhash: bytes


def _scores(minhash: MinHash, candidates: list[Candidate]) -> list[float]:
    """MinHash similarity (the share of equal hash values, as ``similarity``) of each candidate, in one numpy step."""
    if not candidates:
        return []
    stored = np.frombuffer(b"".join(c.minhash for c in candidates), dtype="<u4").reshape(len(candidates), -1)
    mine = np.asarray(minhash.hashvalues, dtype="<u4")
    return [float(score) for score in (stored == mine).mean(axis=1)]


def _likely_duplicates(
    conversation: Conversation, text: str, recent: list[tuple[Candidate, float]]
) -> list[tuple[Candidate, float]]:
    """The recent candidates judged one problem with ``text``, each with its score, by the configured model:
    MinHash's own estimate, or the embedding model's cosine for those MinHash puts near enough (their case text
    read in one statement, each text encoded once per process)."""
    if settings.FRONTDESK_SIMILARITY_MODEL != embedding.MODEL_NAME:
        threshold = _threshold("DUPLICATE_THRESHOLD")
        return [(candidate, score) for candidate, score in recent if score >= threshold]
    near = [(candidate, score) for candidate, score in recent if score >= embedding.CANDIDATE_FLOOR]
    if not near:
        return []
    ids = [candidate.conversation_id for candidate, _ in near]
    with prepared_cursor() as cursor:
        cursor.execute(
            _statement(
                "SELECT conversation_id, text FROM incidents_casesignature"
                " WHERE workspace_id = %s AND conversation_id {integers_in}"
            ),
            [conversation.workspace_id, integers_parameter(ids)],
        )
        texts = dict(cursor.fetchall())
    scores = embedding.duplicate_scores(text, [texts.get(i, "") for i in ids], [score for _, score in near])
    return [
        (candidate, score)
        for (candidate, _), score in zip(near, scores, strict=True)
        if score >= embedding.DUPLICATE_THRESHOLD
    ]


def _record_duplicates(
    conversation: Conversation, text: str, similar: list[tuple[Candidate, float]], result: CheckResult
) -> None:
    found = _likely_duplicates(
        conversation, text, [(candidate, score) for candidate, score in similar if candidate.recent]
    )
    # One person on two channels has one twin; many customers with the same words are an incident, not duplicates.
    if len(found) != 1:
        return
    [(candidate, score)] = found
    workspace_id = conversation.workspace_id
    with prepared_cursor() as cursor:
        # A pair already recorded either way round is not recorded again (nor after it was dismissed).
        cursor.execute(
            "SELECT 1 FROM incidents_duplicatecandidate WHERE workspace_id = %s"
            " AND ((conversation_id = %s AND other_id = %s) OR (conversation_id = %s AND other_id = %s))",
            [workspace_id, conversation.pk, candidate.conversation_id, candidate.conversation_id, conversation.pk],
        )
        if cursor.fetchone() is not None:
            return
        cursor.execute(
            "INSERT INTO incidents_duplicatecandidate (workspace_id, conversation_id, other_id, score, status,"
            " created_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [
                workspace_id,
                conversation.pk,
                candidate.conversation_id,
                round(score, 3),
                DuplicateStatus.PENDING.value,
                _db_time(timezone.now()),
            ],
        )
        duplicate_id = cursor.fetchone()[0]
    result.duplicates.append((candidate.conversation_id, score))
    for conversation_id in (conversation.pk, candidate.conversation_id):
        publish(
            "duplicate.created",
            workspace_id,
            {"duplicate": {"id": duplicate_id, "status": DuplicateStatus.PENDING}, "conversation_id": conversation_id},
        )


def _group(conversation: Conversation, matches: list[tuple[Candidate, float]], result: CheckResult) -> None:
    """Join the incident of the most similar match, or start one with the matches that are in none."""
    if not matches:
        # Nothing similar: no query (most messages); an incident it is already in stays as it is.
        return
    workspace_id = conversation.workspace_id
    conversation_ids = [conversation.pk, *(candidate.conversation_id for candidate, _ in matches)]
    with prepared_cursor() as cursor:
        cursor.execute(
            _statement(
                # The memberships first, by conversation (materialised: the plan, prepared once, must not
                # depend on how many incidents there were when it was made), then their incidents by key.
                "WITH m AS MATERIALIZED (SELECT conversation_id, incident_id, removed_at"
                " FROM incidents_incidentconversation WHERE workspace_id = %s AND conversation_id {integers_in})"
                " SELECT m.conversation_id, m.incident_id, m.removed_at IS NOT NULL"
                " FROM m JOIN incidents_incident i ON i.id = m.incident_id WHERE i.status = %s"
            ),
            [workspace_id, integers_parameter(conversation_ids), IncidentStatus.OPEN.value],
        )
        memberships: list[tuple[int, int, bool]] = cursor.fetchall()
    current = {conversation_id: incident_id for conversation_id, incident_id, removed in memberships if not removed}
    # An agent took this conversation out of these incidents: it is not put back.
    refused = {
        incident_id
        for conversation_id, incident_id, removed in memberships
        if removed and conversation_id == conversation.pk
    }
    if conversation.pk in current:
        result.incident_id = current[conversation.pk]
        return
    ranked = sorted(matches, key=lambda pair: -pair[1])
    for candidate, score in ranked:
        incident_id = current.get(candidate.conversation_id)
        if incident_id is not None and incident_id not in refused:
            if _join(incident_id, conversation, score):
                result.incident_id = incident_id
            return
    free = [(candidate, score) for candidate, score in ranked if candidate.conversation_id not in current]
    if not free or refused:
        return
    incident_id = _create(conversation, free)
    if incident_id is not None:
        result.incident_id = incident_id
        result.incident_created = True


def _join(incident_id: int, conversation: Conversation, score: float) -> bool:
    workspace_id = conversation.workspace_id
    now = timezone.now()
    with prepared_cursor() as cursor:
        # DO NOTHING rather than a savepoint to catch the error: two statements fewer on every join.
        cursor.execute(
            "INSERT INTO incidents_incidentconversation (workspace_id, incident_id, conversation_id, score, added_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [workspace_id, incident_id, conversation.pk, round(score, 3), _db_time(now)],
        )
        if cursor.fetchone() is None:
            # A concurrent check put it in an incident first.
            return False
        cursor.execute(
            "UPDATE incidents_incident SET updated_at = %s WHERE id = %s RETURNING title, status",
            [_db_time(now), incident_id],
        )
        title, status = cursor.fetchone()
        cursor.execute(
            "SELECT conversation_id FROM incidents_incidentconversation"
            " WHERE workspace_id = %s AND incident_id = %s AND removed_at IS NULL ORDER BY id",
            [workspace_id, incident_id],
        )
        members = [conversation_id for (conversation_id,) in cursor.fetchall()]
    _audit(workspace_id, "incident.joined", conversation, {"incident": incident_id})
    publish(
        "incident.updated",
        workspace_id,
        {"incident": {"id": incident_id, "title": title, "status": status, "conversation_ids": members}},
    )
    return True


def _title_for(cursor: CursorWrapper, conversation_ids: list[int], workspace_id: int) -> str:
    """The preview of the earliest of these conversations' first customer message."""
    cursor.execute(
        _statement(
            "SELECT text FROM conversations_message WHERE workspace_id = %s"
            " AND conversation_id {integers_in} AND kind = %s AND text <> ''"
            " ORDER BY created_at, id LIMIT 1"
        ),
        [workspace_id, integers_parameter(conversation_ids), MessageKind.INBOUND.value],
    )
    row = cursor.fetchone()
    title = " ".join((row[0] if row else "").split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def _create(conversation: Conversation, free: list[tuple[Candidate, float]]) -> int | None:
    """Start an incident with ``conversation`` and the free matches: three statements and one audit row. None when
    a concurrent check put one of them in an incident first (then nothing is left of this one)."""
    workspace_id = conversation.workspace_id
    members = [(conversation.pk, 1.0), *((candidate.conversation_id, round(score, 3)) for candidate, score in free)]
    member_ids = [pk for pk, _ in members]
    now = _db_time(timezone.now())
    # The members' rows vary in number: that statement is not prepared (one for each count would crowd the rest out).
    with prepared_cursor() as cursor, connection.cursor() as varying:
        title = _title_for(cursor, member_ids, workspace_id) or "…"
        cursor.execute(
            "INSERT INTO incidents_incident (workspace_id, title, status, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [workspace_id, title, IncidentStatus.OPEN.value, now, now],
        )
        incident_id: int = cursor.fetchone()[0]
        # DO NOTHING and undoing by hand when it did, rather than a savepoint: two statements fewer every time.
        varying.execute(
            _statement(
                "INSERT INTO incidents_incidentconversation (workspace_id, incident_id, conversation_id, score,"
                " added_at) VALUES {rows} ON CONFLICT DO NOTHING RETURNING id",
                rows=(len(members), 5),
            ),
            [value for pk, score in members for value in (workspace_id, incident_id, pk, score, now)],
        )
        if len(varying.fetchall()) < len(members):
            cursor.execute(
                "DELETE FROM incidents_incidentconversation WHERE workspace_id = %s AND incident_id = %s",
                [workspace_id, incident_id],
            )
            cursor.execute(
                "DELETE FROM incidents_incident WHERE workspace_id = %s AND id = %s", [workspace_id, incident_id]
            )
            return None
    incident = Incident(pk=incident_id, workspace_id=workspace_id, title=title)
    _audit(workspace_id, "incident.created", incident, {"conversations": member_ids})
    publish(
        "incident.created",
        workspace_id,
        {
            "incident": {
                "id": incident_id,
                "title": title,
                "status": IncidentStatus.OPEN,
                "conversation_ids": member_ids,
            }
        },
    )
    return incident_id


def incident_summary(incident: Incident) -> dict[str, object]:
    """The incident as events carry it."""
    conversation_ids = list(
        IncidentConversation.in_workspace(incident.workspace_id)
        .filter(incident=incident, removed_at__isnull=True)
        .order_by("pk")
        .values_list("conversation_id", flat=True)
    )
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "conversation_ids": conversation_ids,
    }


def _announce_updated(workspace_id: int, incident_id: int) -> None:
    incident = Incident.in_workspace(workspace_id).get(pk=incident_id)
    publish("incident.updated", workspace_id, {"incident": incident_summary(incident)})


def conversation_resolved(conversation: Conversation) -> None:
    """Resolve the open incident of ``conversation`` once none of its conversations is still active."""
    membership = (
        IncidentConversation.in_workspace(conversation.workspace_id)
        .filter(conversation=conversation, removed_at__isnull=True, incident__status=IncidentStatus.OPEN)
        .first()
    )
    if membership is None:
        return
    still_open = (
        IncidentConversation.in_workspace(conversation.workspace_id)
        .filter(incident_id=membership.incident_id, removed_at__isnull=True, conversation__status__in=ACTIVE_STATUSES)
        .exists()
    )
    if still_open:
        _announce_updated(conversation.workspace_id, membership.incident_id)
        return
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Incident.in_workspace(conversation.workspace_id)
            .filter(pk=membership.incident_id, status=IncidentStatus.OPEN)
            .update(status=IncidentStatus.RESOLVED, resolved_at=now, updated_at=now)
        )
        if changed:
            incident = Incident.in_workspace(conversation.workspace_id).get(pk=membership.incident_id)
            audit.record(conversation.workspace_id, "incident.resolved", incident, changes={"automatic": True})
            publish("incident.updated", conversation.workspace_id, {"incident": incident_summary(incident)})


def annotate_incidents(conversations: list[Conversation], workspace_id: int) -> None:
    """Set ``incident`` (id and title, or None) on each conversation, with one query for all of them."""
    found = (
        {
            conversation_id: {"id": incident_id, "title": title}
            for conversation_id, incident_id, title in IncidentConversation.in_workspace(workspace_id)
            .filter(conversation_id__in=[c.pk for c in conversations], removed_at__isnull=True)
            .values_list("conversation_id", "incident_id", "incident__title")
        }
        if conversations
        else {}
    )
    for conversation in conversations:
        conversation.incident = found.get(conversation.pk)  # type: ignore[attr-defined]

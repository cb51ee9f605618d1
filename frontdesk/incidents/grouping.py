"""The check every customer message goes through: its case signature, live grouping and likely duplicates.

What a case is about is the text of its customer's first ``CASE_MESSAGES``
messages: customers often split the problem over a greeting and one or two
lines ("Hi" / "my flight CX880 was cancelled" / "what now?"), and what comes
later (thanks, booking numbers, "any news?") is about the conversation, not
the problem, and would make every long case look like every other.

``check_message`` is the whole check; the subscriber calls it for each stored
inbound message, and ``bench/understanding.py`` times it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.conversations.models import Conversation, ConversationStatus, Message, MessageKind
from frontdesk.core.audit import record
from frontdesk.incidents.models import (
    CaseSignature,
    DuplicateCandidate,
    DuplicateStatus,
    Incident,
    IncidentConversation,
    IncidentStatus,
    SignatureBand,
)
from frontdesk.pipeline.events import publish
from frontdesk.text.similarity import band_keys, is_empty, signature, to_bytes

if TYPE_CHECKING:
    from datasketch import MinHash  # type: ignore[import-untyped]

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
    checked. Runs in its own transaction; publishes ``incident.created`` /
    ``incident.updated`` / ``duplicate.created`` after commit.
    """
    if message.kind != MessageKind.INBOUND or not (message.text or "").strip():
        return None
    with transaction.atomic():
        return _check(message)


def _check(message: Message) -> CheckResult | None:
    workspace_id = message.workspace_id
    conversation = (
        Conversation.in_workspace(workspace_id)
        .select_for_update()
        .only("pk", "workspace_id", "contact_id", "status", "last_message_preview")
        .filter(pk=message.conversation_id)
        .first()
    )
    if conversation is None or conversation.status not in ACTIVE_STATUSES:
        return None
    at = message.created_at or timezone.now()
    stored = CaseSignature.in_workspace(workspace_id).filter(conversation_id=conversation.pk).first()
    if stored is not None and stored.message_count >= CASE_MESSAGES:
        CaseSignature.all_workspaces.filter(pk=stored.pk).update(last_message_at=at)
        return None
    text = message.text.strip() if stored is None else f"{stored.text}\n{message.text.strip()}"
    text = text[:CASE_TEXT_LENGTH]
    minhash = signature(text)
    if is_empty(minhash):
        return None
    keys = band_keys(minhash)
    case = _store(stored, conversation, text, minhash, keys, at)
    result = CheckResult(conversation_id=conversation.pk)
    candidates = _candidates(case, keys, at)
    result.candidates = len(candidates)
    similar = list(zip(candidates, _scores(minhash, candidates), strict=True))
    _record_duplicates(conversation, similar, at, result)
    _group(conversation, [(c, s) for c, s in similar if s >= _threshold("GROUP_THRESHOLD")], result)
    return result


def _store(
    stored: CaseSignature | None,
    conversation: Conversation,
    text: str,
    minhash: MinHash,
    keys: list[int],
    at: datetime,
) -> CaseSignature:
    data = to_bytes(minhash)
    if stored is None:
        case = CaseSignature.all_workspaces.create(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            contact_id=conversation.contact_id,
            text=text,
            message_count=1,
            minhash=data,
            first_message_at=at,
            last_message_at=at,
        )
    else:
        case = stored
        case.text = text
        case.message_count += 1
        case.minhash = data
        case.last_message_at = at
        case.save(update_fields=["text", "message_count", "minhash", "last_message_at"])
        SignatureBand.all_workspaces.filter(signature=case).delete()
    SignatureBand.all_workspaces.bulk_create(
        [SignatureBand(workspace_id=conversation.workspace_id, signature=case, key=key) for key in keys]
    )
    return case


class Candidate(NamedTuple):
    """A stored case sharing a band key with the one being checked."""

    conversation_id: int
    last_message_at: datetime
    minhash: bytes


def _candidates(signature: CaseSignature, keys: list[int], at: datetime) -> list[Candidate]:
    """Open conversations of other contacts sharing a band key, recent first: one query on the band index."""
    workspace_id = signature.workspace_id
    sharing = SignatureBand.in_workspace(workspace_id).filter(key__in=keys).values("signature_id")
    rows = (
        CaseSignature.in_workspace(workspace_id)
        .filter(pk__in=sharing, last_message_at__gte=at - GROUP_WINDOW, conversation__status__in=ACTIVE_STATUSES)
        .exclude(contact_id=signature.contact_id)
        .exclude(pk=signature.pk)
        .order_by("-last_message_at")
        .values_list("conversation_id", "last_message_at", "minhash")[:MAX_CANDIDATES]
    )
    return [Candidate(conversation_id, last, bytes(data)) for conversation_id, last, data in rows]


def _scores(minhash: MinHash, candidates: list[Candidate]) -> list[float]:
    """MinHash similarity (the share of equal hash values, as ``similarity``) of each candidate, in one numpy step."""
    if not candidates:
        return []
    stored = np.frombuffer(b"".join(c.minhash for c in candidates), dtype="<u4").reshape(len(candidates), -1)
    mine = np.asarray(minhash.hashvalues, dtype="<u4")
    return [float(score) for score in (stored == mine).mean(axis=1)]


def _record_duplicates(
    conversation: Conversation, similar: list[tuple[Candidate, float]], at: datetime, result: CheckResult
) -> None:
    found = [
        (candidate, score)
        for candidate, score in similar
        if score >= _threshold("DUPLICATE_THRESHOLD") and candidate.last_message_at >= at - DUPLICATE_WINDOW
    ]
    # One person on two channels has one twin; many customers with the same words are an incident, not duplicates.
    if len(found) != 1:
        return
    # A pair already recorded either way round is not recorded again (nor after it was dismissed).
    others = [candidate.conversation_id for candidate, _ in found]
    known = set(
        DuplicateCandidate.in_workspace(conversation.workspace_id)
        .filter(conversation_id=conversation.pk, other_id__in=others)
        .values_list("other_id", flat=True)
    ) | set(
        DuplicateCandidate.in_workspace(conversation.workspace_id)
        .filter(other_id=conversation.pk, conversation_id__in=others)
        .values_list("conversation_id", flat=True)
    )
    for candidate, score in found:
        if candidate.conversation_id in known:
            continue
        duplicate = DuplicateCandidate.all_workspaces.create(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            other_id=candidate.conversation_id,
            score=round(score, 3),
            created_at=at,
        )
        result.duplicates.append((candidate.conversation_id, score))
        for conversation_id in (conversation.pk, candidate.conversation_id):
            publish(
                "duplicate.created",
                conversation.workspace_id,
                {
                    "duplicate": {"id": duplicate.pk, "status": DuplicateStatus.PENDING},
                    "conversation_id": conversation_id,
                },
            )


def _group(conversation: Conversation, matches: list[tuple[Candidate, float]], result: CheckResult) -> None:
    """Join the incident of the most similar match, or start one with the matches that are in none."""
    if not matches:
        # Nothing similar: no query (most messages); an incident it is already in stays as it is.
        return
    workspace_id = conversation.workspace_id
    conversation_ids = [conversation.pk, *(candidate.conversation_id for candidate, _ in matches)]
    memberships = list(
        IncidentConversation.in_workspace(workspace_id)
        .filter(conversation_id__in=conversation_ids, incident__status=IncidentStatus.OPEN)
        .values_list("conversation_id", "incident_id", "removed_at")
    )
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
                _announce_updated(workspace_id, incident_id)
            return
    free = [(candidate, score) for candidate, score in ranked if candidate.conversation_id not in current]
    if not free or refused:
        return
    incident = _create(conversation, free)
    if incident is not None:
        result.incident_id = incident.pk
        result.incident_created = True


def _join(incident_id: int, conversation: Conversation, score: float) -> bool:
    try:
        with transaction.atomic():
            IncidentConversation.all_workspaces.create(
                workspace_id=conversation.workspace_id,
                incident_id=incident_id,
                conversation_id=conversation.pk,
                score=round(score, 3),
            )
    except IntegrityError:
        # A concurrent check put it in an incident first.
        return False
    Incident.all_workspaces.filter(pk=incident_id).update(updated_at=timezone.now())
    record(conversation.workspace_id, "incident.joined", conversation, changes={"incident": incident_id})
    return True


def _title_for(conversation_ids: list[int], workspace_id: int) -> str:
    """The preview of the earliest of these conversations' first customer message."""
    first = (
        Message.in_workspace(workspace_id)
        .filter(conversation_id__in=conversation_ids, kind=MessageKind.INBOUND)
        .exclude(text="")
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
        .first()
    )
    title = " ".join((first or "").split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def _create(conversation: Conversation, free: list[tuple[Candidate, float]]) -> Incident | None:
    workspace_id = conversation.workspace_id
    members = [(conversation.pk, 1.0), *((candidate.conversation_id, score) for candidate, score in free)]
    try:
        with transaction.atomic():
            incident = Incident.all_workspaces.create(
                workspace_id=workspace_id, title=_title_for([pk for pk, _ in members], workspace_id) or "…"
            )
            IncidentConversation.all_workspaces.bulk_create(
                [
                    IncidentConversation(
                        workspace_id=workspace_id, incident=incident, conversation_id=pk, score=round(score, 3)
                    )
                    for pk, score in members
                ]
            )
    except IntegrityError:
        return None
    record(workspace_id, "incident.created", incident, changes={"conversations": [pk for pk, _ in members]})
    publish("incident.created", workspace_id, {"incident": incident_summary(incident)})
    return incident


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
            record(conversation.workspace_id, "incident.resolved", incident, changes={"automatic": True})
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

"""REST v1 /incidents: list and read incidents, answer or resolve all their conversations, rename, remove one.

Every change goes through ``frontdesk.incidents.actions`` with the token's member as the actor, so the API
checks, audits and publishes exactly what the incident page does.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.pagination import PageParams, paginate
from frontdesk.api.schemas import ErrorOut
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.models import Conversation, ConversationStatus
from frontdesk.core.models import Member
from frontdesk.incidents import actions
from frontdesk.incidents.access import get_incident_for_member
from frontdesk.incidents.models import Incident, IncidentStatus

router = Router(tags=["incidents"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class IncidentFilters(Schema):
    status: IncidentStatus = Field(IncidentStatus.OPEN, description="Open incidents (default) or resolved ones.")


class IncidentOut(Schema):
    id: int
    title: str
    status: IncidentStatus
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    conversation_count: int = Field(description="Conversations in the incident (those removed from it not counted).")


class IncidentPage(Schema):
    items: list[IncidentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class IncidentConversationOut(Schema):
    id: int
    contact_id: int
    contact_name: str
    status: ConversationStatus
    channel_id: int
    channel_kind: str = Field(description="The channel an answer goes out on: where the customer last wrote.")
    last_message_preview: str
    last_message_at: datetime


class IncidentDetailOut(IncidentOut):
    conversations: list[IncidentConversationOut] = Field(
        description="Its conversations the caller may see, oldest first."
    )


class AnswerIn(Schema):
    text: str = Field(
        description="The message, up to 20,000 characters. Variables such as {{ contact.name }} or "
        "{{ order.number }} are filled in for each customer, as in canned responses."
    )
    resolve: bool = Field(False, description="Resolve each conversation that was answered.")


class IncidentPatch(Schema):
    title: str = Field(description="The new title, at most 200 characters (runs of spaces become one).")


class ConversationRef(Schema):
    id: int
    contact_id: int
    contact_name: str


class RefusalOut(ConversationRef):
    reason: str = Field(description="Why it was not done, as an agent reads it (a closed reply window…).")


class OutcomeOut(Schema):
    done: list[ConversationRef] = Field(description="Conversations answered (or resolved) that the caller may see.")
    refused: list[RefusalOut] = Field(description="Conversations left as they were, each with the reason.")
    done_count: int = Field(description="All conversations done, including any the caller may not see.")
    refused_count: int = Field(description="All conversations refused, including any the caller may not see.")
    incident: IncidentOut = Field(description="The incident afterwards (resolved once no conversation is open).")


def _live_count() -> Count:
    return Count("memberships", filter=Q(memberships__removed_at__isnull=True))


def _incident(member: Member, incident_id: int) -> Incident:
    """The member's incident, annotated with its conversation count; 404 for a missing or another's one."""
    try:
        incident = get_incident_for_member(member, incident_id)
    except Http404:
        raise HttpError(404, "Not found.") from None
    counted = Incident.in_workspace(member.workspace_id).annotate(conversation_count=_live_count())
    return counted.get(pk=incident.pk)


def incident_out(incident: Incident) -> IncidentOut:
    return IncidentOut(
        id=incident.pk,
        title=incident.title,
        status=IncidentStatus(incident.status),
        created_at=incident.created_at,
        updated_at=incident.updated_at,
        resolved_at=incident.resolved_at,
        conversation_count=incident.conversation_count,  # type: ignore[attr-defined]
    )


def _contact_name(conversation: Conversation) -> str:
    return conversation.contact.name or str(conversation.contact)


def _outcome_out(member: Member, incident: Incident, outcome: actions.Outcome) -> OutcomeOut:
    def seen(conversation: Conversation) -> bool:
        return bool(member.user.has_perm("conversations.view_conversation", conversation))

    def ref(conversation: Conversation) -> ConversationRef:
        return ConversationRef(
            id=conversation.pk, contact_id=conversation.contact_id, contact_name=_contact_name(conversation)
        )

    return OutcomeOut(
        done=[ref(c) for c in outcome.done if seen(c)],
        refused=[RefusalOut(**ref(c).model_dump(), reason=reason) for c, reason in outcome.refused if seen(c)],
        done_count=len(outcome.done),
        refused_count=len(outcome.refused),
        incident=incident_out(_incident(member, incident.pk)),
    )


@router.get("", response=IncidentPage, summary="List incidents")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters], page: Query[PageParams]) -> IncidentPage:
    """The workspace's open (or resolved) incidents, most recently updated first, by cursor."""
    member = request_member(request)
    incidents = (
        Incident.in_workspace(member.workspace_id)
        .filter(status=filters.status)
        .annotate(conversation_count=_live_count())
    )
    rows, next_cursor = paginate(incidents, page, order=("-updated_at", "-id"))
    return IncidentPage(items=[incident_out(incident) for incident in rows], next_cursor=next_cursor)


@router.get("/{incident_id}", response={200: IncidentDetailOut, 404: ErrorOut}, summary="Read an incident")
def get_incident(request: HttpRequest, incident_id: int) -> IncidentDetailOut:
    """The incident and those of its conversations the caller may see, with the channel an answer would use."""
    member = request_member(request)
    incident = _incident(member, incident_id)
    conversations = actions.visible_conversations(incident, member)
    channels = actions.reply_channels(conversations)
    items = []
    for conversation in conversations:
        channel = channels[conversation.pk] or conversation.channel
        items.append(
            IncidentConversationOut(
                id=conversation.pk,
                contact_id=conversation.contact_id,
                contact_name=_contact_name(conversation),
                status=ConversationStatus(conversation.status),
                channel_id=channel.pk,
                channel_kind=channel.kind,
                last_message_preview=conversation.last_message_preview,
                last_message_at=conversation.last_activity_at,
            )
        )
    return IncidentDetailOut(**incident_out(incident).model_dump(), conversations=items)


@router.post("/{incident_id}/answer", response={200: OutcomeOut, **ERRORS}, summary="Answer all")
def answer_all(request: HttpRequest, incident_id: int, body: AnswerIn) -> OutcomeOut:
    """One message to every open conversation, each on the channel its customer last wrote on. A conversation
    that cannot take it (a closed reply window, an opt-out, a variable without a value) is listed in `refused`
    with the reason; the others are queued for delivery."""
    member = request_member(request)
    incident = _incident(member, incident_id)
    outcome = actions.answer_all(incident, member, body.text, resolve=body.resolve)
    return _outcome_out(member, incident, outcome)


@router.post("/{incident_id}/resolve", response={200: OutcomeOut, 403: ErrorOut, 404: ErrorOut}, summary="Resolve all")
def resolve_all(request: HttpRequest, incident_id: int) -> OutcomeOut:
    """Resolve every open conversation, then the incident (unless one was refused)."""
    member = request_member(request)
    incident = _incident(member, incident_id)
    return _outcome_out(member, incident, actions.resolve_all(incident, member))


@router.patch("/{incident_id}", response={200: IncidentOut, **ERRORS}, summary="Rename an incident")
def rename(request: HttpRequest, incident_id: int, body: IncidentPatch) -> IncidentOut:
    member = request_member(request)
    incident = _incident(member, incident_id)
    actions.rename(incident, member, body.title)
    return incident_out(_incident(member, incident.pk))


@router.delete(
    "/{incident_id}/conversations/{conversation_id}",
    response={204: None, **ERRORS},
    summary="Remove a conversation from an incident",
)
def remove_conversation(request: HttpRequest, incident_id: int, conversation_id: int) -> Status[None]:
    """Take the conversation out of the incident; the grouping will not put it back. 422 if it is not in it."""
    member = request_member(request)
    incident = _incident(member, incident_id)
    try:
        conversation = get_conversation_for_member(member, conversation_id)
    except Http404:
        raise HttpError(404, "Not found.") from None
    actions.remove_conversation(incident, conversation, member)
    return Status(204, None)

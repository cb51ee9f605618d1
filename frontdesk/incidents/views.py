"""The incidents pages: the list, one incident with its bulk actions, and the conversation page's banners."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.conversations.models import Conversation
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.incidents import actions
from frontdesk.incidents.access import get_duplicate_for_member, get_incident_for_member
from frontdesk.incidents.grouping import ACTIVE_STATUSES
from frontdesk.incidents.models import (
    DuplicateCandidate,
    DuplicateStatus,
    Incident,
    IncidentConversation,
    IncidentStatus,
)

LIST_LIMIT = 200
OUTCOME_KEY = "incidents.outcome"
# An incident this large is many customers, so its members are not suggested as one customer twice.
WAVE_SIZE = 3


def _member(request: HttpRequest) -> Member:
    member: Member = request.member  # type: ignore[attr-defined]
    return member


def _open_count(member: Member) -> int:
    return Incident.in_workspace(member.workspace_id).filter(status=IncidentStatus.OPEN).count()


@require_GET
@member_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Open incidents (``?status=resolved``: resolved ones), busiest first; ``?partial=nav``: the inbox link."""
    member = _member(request)
    if request.GET.get("partial") == "nav":
        return render(request, "incidents/incident_list.html#nav", {"open_count": _open_count(member)})
    status = IncidentStatus.RESOLVED if request.GET.get("status") == "resolved" else IncidentStatus.OPEN
    live = Q(memberships__removed_at__isnull=True)
    incidents = list(
        Incident.in_workspace(member.workspace_id)
        .filter(status=status)
        .annotate(
            conversation_count=Count("memberships", filter=live),
            open_count=Count("memberships", filter=live & Q(memberships__conversation__status__in=ACTIVE_STATUSES)),
            newest_at=Max("memberships__conversation__last_activity_at", filter=live),
        )
        .order_by("-updated_at", "-pk")[:LIST_LIMIT]
    )
    channel_names: dict[int, list[str]] = {incident.pk: [] for incident in incidents}
    rows = (
        IncidentConversation.in_workspace(member.workspace_id)
        .filter(incident_id__in=channel_names, removed_at__isnull=True)
        .values_list("incident_id", "conversation__channel__name")
        .distinct()
        .order_by("incident_id", "conversation__channel__name")
    )
    for incident_id, name in rows:
        channel_names[incident_id].append(name)
    for incident in incidents:
        incident.channel_names = channel_names[incident.pk]  # type: ignore[attr-defined]
    context = {"incidents": incidents, "status": status, "open_count": _open_count(member)}
    if request.GET.get("partial") == "list":
        return render(request, "incidents/incident_list.html#list", context)
    return render(request, "incidents/incident_list.html", context)


def _detail_context(member: Member, incident: Incident) -> dict[str, Any]:
    conversations = actions.visible_conversations(incident, member)
    channels = actions.reply_channels(conversations)
    for conversation in conversations:
        conversation.reply_channel = channels[conversation.pk]  # type: ignore[attr-defined]
        conversation.is_active = conversation.status in ACTIVE_STATUSES  # type: ignore[attr-defined]
    return {
        "incident": incident,
        "others": (
            Incident.in_workspace(member.workspace_id)
            .filter(status=IncidentStatus.OPEN)
            .exclude(pk=incident.pk)
            .order_by("-updated_at")[:50]
        ),
        "conversations": conversations,
        "open_conversations": sum(1 for c in conversations if c.status in ACTIVE_STATUSES),
    }


@require_GET
@member_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    """One incident: its conversations, Answer all, Resolve all, Assign all to me; ``?partial=conversations``."""
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    context = _detail_context(member, incident)
    if request.GET.get("partial") == "conversations":
        return render(request, "incidents/incident_detail.html#conversations", context)
    outcome = request.session.pop(OUTCOME_KEY, None)
    if outcome and outcome.get("incident") == incident.pk:
        context["outcome"] = outcome
    return render(request, "incidents/incident_detail.html", context)


def _remember(request: HttpRequest, incident: Incident, verb: str, outcome: actions.Outcome) -> None:
    """Keep what a bulk action did for the page that follows (refusals listed with their reasons)."""
    request.session[OUTCOME_KEY] = {
        "incident": incident.pk,
        "verb": verb,
        "done": len(outcome.done),
        "refused": [
            {"id": conversation.pk, "name": conversation.contact.name or f"#{conversation.pk}", "reason": reason}
            for conversation, reason in outcome.refused
        ],
    }


def _back(incident: Incident) -> HttpResponse:
    return redirect("incidents:detail", incident_id=incident.pk)


def _refused(request: HttpRequest, incident: Incident, error: ValidationError | PermissionDenied) -> HttpResponse:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    django_messages.error(request, text)
    return _back(incident)


@require_POST
@member_required
def answer_all(request: HttpRequest, incident_id: int) -> HttpResponse:
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    try:
        outcome = actions.answer_all(
            incident, member, request.POST.get("text", ""), resolve=request.POST.get("resolve") == "1"
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, incident, error)
    _remember(request, incident, "answered", outcome)
    django_messages.success(
        request,
        ngettext("Sent to %(count)d conversation.", "Sent to %(count)d conversations.", len(outcome.done))
        % {"count": len(outcome.done)},
    )
    return _back(incident)


@require_POST
@member_required
def resolve_all(request: HttpRequest, incident_id: int) -> HttpResponse:
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    try:
        outcome = actions.resolve_all(incident, member)
    except PermissionDenied as error:
        return _refused(request, incident, error)
    _remember(request, incident, "resolved", outcome)
    django_messages.success(
        request,
        ngettext("%(count)d conversation resolved.", "%(count)d conversations resolved.", len(outcome.done))
        % {"count": len(outcome.done)},
    )
    return _back(incident)


@require_POST
@member_required
def assign_all_to_me(request: HttpRequest, incident_id: int) -> HttpResponse:
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    try:
        outcome = actions.assign_all_to_me(incident, member)
    except PermissionDenied as error:
        return _refused(request, incident, error)
    _remember(request, incident, "assigned", outcome)
    django_messages.success(
        request,
        ngettext("%(count)d conversation is now yours.", "%(count)d conversations are now yours.", len(outcome.done))
        % {"count": len(outcome.done)},
    )
    return _back(incident)


@require_POST
@member_required
def rename(request: HttpRequest, incident_id: int) -> HttpResponse:
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    try:
        actions.rename(incident, member, request.POST.get("title", ""))
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, incident, error)
    django_messages.success(request, _("Title saved."))
    return _back(incident)


@require_POST
@member_required
def remove_conversation(request: HttpRequest, incident_id: int, conversation_id: int) -> HttpResponse:
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    conversation = get_conversation_for_member(member, conversation_id)
    try:
        actions.remove_conversation(incident, conversation, member)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, incident, error)
    django_messages.success(request, _("The conversation is no longer part of this incident."))
    return _back(incident)


@require_POST
@member_required
def merge(request: HttpRequest, incident_id: int) -> HttpResponse:
    member = _member(request)
    incident = get_incident_for_member(member, incident_id)
    into = get_incident_for_member(member, request.POST.get("into"))
    try:
        actions.merge_incidents(incident, into, member)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, incident, error)
    django_messages.success(request, _("The incidents are merged."))
    return _back(into)


@require_GET
@member_required
def conversation_banners(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The conversation page's incident badge and likely-duplicate banners, kept live."""
    member = _member(request)
    conversation = get_conversation_for_member(member, conversation_id)
    membership = (
        IncidentConversation.in_workspace(member.workspace_id)
        .filter(conversation=conversation, removed_at__isnull=True)
        .select_related("incident")
        .first()
    )
    duplicates = _duplicates_of(member, conversation)
    return render(
        request,
        "incidents/conversation_banners.html",
        {
            "conversation": conversation,
            "incident": membership.incident if membership else None,
            "duplicates": duplicates,
        },
    )


def _duplicates_of(member: Member, conversation: Conversation) -> list[dict[str, Any]]:
    """Pending suggestions involving ``conversation``, each with the other side as the agent should read it."""
    pending = (
        DuplicateCandidate.in_workspace(member.workspace_id)
        .filter(Q(conversation=conversation) | Q(other=conversation), status=DuplicateStatus.PENDING)
        .select_related("conversation__contact", "conversation__channel", "other__contact", "other__channel")
        .order_by("-score", "-created_at")[:3]
    )
    waves = _in_waves(
        member.workspace_id, [conversation.pk, *(d.conversation_id for d in pending), *(d.other_id for d in pending)]
    )
    shown = []
    for duplicate in pending:
        if duplicate.conversation_id in waves and duplicate.other_id in waves:
            # Both are now among many customers writing the same thing: an incident, not one person twice.
            continue
        theirs = duplicate.other if duplicate.conversation_id == conversation.pk else duplicate.conversation
        if theirs.contact_id == conversation.contact_id:
            # Merged since: the same person is one case already, or can be joined from the contact.
            continue
        shown.append({"duplicate": duplicate, "theirs": theirs})
    return shown


def _in_waves(workspace_id: int, conversation_ids: list[int]) -> set[int]:
    """Those of these conversations that are in an incident of at least WAVE_SIZE conversations."""
    memberships = IncidentConversation.in_workspace(workspace_id).filter(removed_at__isnull=True)
    crowded = (
        memberships.filter(conversation_id__in=conversation_ids)
        .annotate(size=Count("incident__memberships", filter=Q(incident__memberships__removed_at__isnull=True)))
        .filter(size__gte=WAVE_SIZE)
        .values_list("conversation_id", flat=True)
    )
    return set(crowded)


def _decide(request: HttpRequest, duplicate_id: int, decide: Any, done: str) -> HttpResponse:
    member = _member(request)
    duplicate = get_duplicate_for_member(member, duplicate_id)
    here = request.POST.get("from")
    back = duplicate.conversation_id if str(duplicate.other_id) != here else duplicate.other_id
    try:
        result = decide(duplicate, member)
    except (ValidationError, PermissionDenied) as error:
        django_messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        django_messages.success(request, done)
        if isinstance(result, Conversation):
            back = result.pk
    return redirect("inbox:conversation-detail", back)


@require_POST
@member_required
def link_duplicate(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    return _decide(request, duplicate_id, actions.link_duplicate, _("The two conversations are now one case."))


@require_POST
@member_required
def merge_duplicate(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    return _decide(request, duplicate_id, actions.merge_duplicate, _("The two contacts are now one customer."))


@require_POST
@member_required
def dismiss_duplicate(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    return _decide(request, duplicate_id, actions.dismiss_duplicate, _("Suggestion dismissed."))

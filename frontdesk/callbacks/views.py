"""The agents' callback queue: waiting requests, claiming one, recording how the call went."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages as django_messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.callbacks import actions
from frontdesk.callbacks.access import get_callback_for_member
from frontdesk.callbacks.models import CallbackAttempt, CallbackRequest, CallbackStatus, CallOutcome
from frontdesk.callbacks.reporting import summarise
from frontdesk.conversations.access import get_conversation_for_member
from frontdesk.core.access import get_member_for_member
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member, Role


def _with_waited(callbacks: list[CallbackRequest]) -> list[CallbackRequest]:
    """Attach how long each has waited (seconds) and its phone number spaced for reading."""
    now = timezone.now()
    for callback in callbacks:
        waited = max(0, int((now - callback.due_at).total_seconds()))
        callback.waited = waited  # type: ignore[attr-defined]
        callback.waited_text = f"{waited // 60}:{waited % 60:02d}"  # type: ignore[attr-defined]
        callback.shown_phone = actions.display_phone(callback.phone)  # type: ignore[attr-defined]
    return callbacks


def _queue_context(member: Member) -> dict[str, Any]:
    now = timezone.now()
    callbacks = (
        CallbackRequest.in_workspace(member.workspace_id)
        .filter(status__in=[CallbackStatus.WAITING, CallbackStatus.CLAIMED])
        .select_related("contact", "conversation", "channel", "claimed_by__user")
        .prefetch_related(
            Prefetch(
                "attempts",
                queryset=CallbackAttempt.in_workspace(member.workspace_id).select_related("agent__user"),
            )
        )
        .order_by("due_at", "id")
    )
    rows = _with_waited(list(callbacks))
    waiting = [c for c in rows if c.status == CallbackStatus.WAITING and c.due_at <= now]
    scheduled = [c for c in rows if c.status == CallbackStatus.WAITING and c.due_at > now]
    for callback in scheduled:
        callback.due_in = int((callback.due_at - now).total_seconds()) + 1  # type: ignore[attr-defined]
    return {
        "waiting": waiting,
        "scheduled": scheduled,
        "mine": [c for c in rows if c.status == CallbackStatus.CLAIMED and c.claimed_by_id == member.pk],
        "others": [c for c in rows if c.status == CallbackStatus.CLAIMED and c.claimed_by_id != member.pk],
        "at_risk_seconds": settings.FRONTDESK_CALLBACK_AT_RISK_SECONDS,
        "breached": any(c.waited >= c.target_seconds for c in waiting),  # type: ignore[attr-defined]
    }


@require_GET
@member_required
def queue(request: HttpRequest) -> HttpResponse:
    """The callback queue; ``?partial=waiting`` is the live part, ``?partial=nav`` the navigation count."""
    member: Member = request.member  # type: ignore[attr-defined]
    context = _queue_context(member)
    partial = request.GET.get("partial")
    if partial == "nav":
        return render(request, "callbacks/queue.html#nav", context)
    context["summary"] = summarise(member.workspace_id, since=timezone.now() - timedelta(hours=24))
    if partial == "waiting":
        return render(request, "callbacks/queue.html#waiting", context)
    can_reassign = member.has_role_at_least(Role.SUPERVISOR)
    return render(
        request,
        "callbacks/queue.html",
        {
            **context,
            "outcomes": CallOutcome.choices,
            "can_reassign": can_reassign,
            "members": (
                Member.in_workspace(member.workspace_id).filter(is_active=True).select_related("user")
                if can_reassign
                else []
            ),
        },
    )


def _done(request: HttpRequest, text: str) -> HttpResponse:
    django_messages.success(request, text)
    return redirect("callbacks:queue")


def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    django_messages.error(request, " ".join(error.messages))
    return redirect("callbacks:queue")


@require_POST
@member_required
def claim(request: HttpRequest, callback_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    callback = get_callback_for_member(member, callback_id)
    try:
        callback = actions.claim(callback, member)
    except ValidationError as error:
        return _refused(request, error)
    return _done(
        request, _("You have the callback to %(phone)s: call now.") % {"phone": actions.display_phone(callback.phone)}
    )


@require_POST
@member_required
def release(request: HttpRequest, callback_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    callback = get_callback_for_member(member, callback_id)
    try:
        actions.release(callback, member)
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, _("The callback is back in the queue."))


@require_POST
@member_required
def start_call(request: HttpRequest, callback_id: int) -> HttpResponse:
    """Sent by the page as the agent's phone starts dialling; answers 204, or 409 with the reason."""
    member: Member = request.member  # type: ignore[attr-defined]
    callback = get_callback_for_member(member, callback_id)
    try:
        actions.start_call(callback, member)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=409, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)


@require_POST
@member_required
def record_outcome(request: HttpRequest, callback_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    callback = get_callback_for_member(member, callback_id)
    outcome = request.POST.get("outcome", "")
    if outcome not in CallOutcome.values:
        return _refused(request, ValidationError(_("Choose how the call went.")))
    try:
        actions.record_outcome(callback, member, CallOutcome(outcome), request.POST.get("notes", ""))
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, _("The call is recorded."))


@require_POST
@member_required
def reassign(request: HttpRequest, callback_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    callback = get_callback_for_member(member, callback_id)
    target = get_member_for_member(member, request.POST.get("member"))
    try:
        actions.reassign(callback, target, actor=member)
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, _("The callback is now %(name)s's.") % {"name": target.display_name or target})


@require_GET
@member_required
def conversation_callbacks(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The callback card inside a conversation: its requests, their state and calls."""
    member: Member = request.member  # type: ignore[attr-defined]
    conversation = get_conversation_for_member(member, conversation_id)
    callbacks = (
        CallbackRequest.in_workspace(member.workspace_id)
        .filter(conversation=conversation)
        .select_related("claimed_by__user")
        .prefetch_related(
            Prefetch(
                "attempts",
                queryset=CallbackAttempt.in_workspace(member.workspace_id).select_related("agent__user"),
            )
        )
        .order_by("-requested_at", "-id")
    )
    return render(
        request,
        "callbacks/conversation_card.html",
        {"conversation": conversation, "callbacks": _with_waited(list(callbacks))},
    )

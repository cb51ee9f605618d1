"""The bell's panel, the notifications page with its preferences, and opening one notification."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.inbox import forwarding
from frontdesk.notifications import actions
from frontdesk.notifications.access import get_notification_for_member
from frontdesk.notifications.delivery import send_to_member

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@member_required
def notification_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if request.method == "POST":
        actions.set_preferences(
            member, browser=request.POST.get("browser") == "on", sound=request.POST.get("sound") == "on"
        )
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:list")
    return render(
        request,
        "notifications/notification_list.html",
        {
            "notifications": actions.recent(member, PAGE_SIZE),
            "preferences": actions.preferences_for(member),
            "unread": actions.unread_count(member),
        },
    )


@require_GET
@member_required
def panel(request: HttpRequest) -> HttpResponse:
    return _panel(request, request.member)  # type: ignore[attr-defined]


@require_GET
@member_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks the notification read and goes to its conversation."""
    member: Member = request.member  # type: ignore[attr-defined]
    notification = get_notification_for_member(member, notification_id)
    actions.mark_read(notification)
    return redirect(reverse("inbox:conversation-detail", args=[notification.conversation_id]))


@require_POST
@member_required
def read_all(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    actions.mark_all_read(member)
    if request.htmx:  # type: ignore[attr-defined]
        return _panel(request, member)
    return redirect("notifications:list")


def _panel(request: HttpRequest, member: Member) -> HttpResponse:
    return render(
        request,
        "notifications/_panel.html",
        {"notifications": actions.recent(member), "unread": actions.unread_count(member)},
    )


@csrf_exempt
@require_POST
def forwarded_push(request: HttpRequest) -> HttpResponse:
    """A notification from this machine's worker, for the member's tabs connected here (embedded mode)."""
    if not forwarding.is_signed(request.body, request.headers.get(forwarding.SIGNATURE_HEADER, "")):
        return HttpResponse(status=403)
    try:
        item = json.loads(request.body)
        member_id, payload = int(item["member_id"]), dict(item["payload"])
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    send_to_member(member_id, payload)
    return HttpResponse(status=204)

"""Admin page for inbound events the worker gave up on (dead letters): what failed, why, and a retry."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from frontdesk.core.audit import record
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.pipeline.models import MAX_ATTEMPTS, InboundEvent
from frontdesk.pipeline.processing import retry_dead


def _admin(request: HttpRequest) -> Member:
    member: Member = request.member  # type: ignore[attr-defined]
    if not member.user.has_perm("pipeline.manage_inbound_events", member.workspace):
        raise Http404
    return member


@require_GET
@member_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    member = _admin(request)
    events = InboundEvent.in_workspace(member.workspace_id).filter(processed_at__isnull=True)
    dead = events.filter(attempts__gte=MAX_ATTEMPTS).select_related("channel").order_by("-received_at", "-pk")
    context = {
        "page": Paginator(dead, 50).get_page(request.GET.get("page")),
        "retrying": events.filter(attempts__gt=0, attempts__lt=MAX_ATTEMPTS).count(),
        "max_attempts": MAX_ATTEMPTS,
    }
    return render(request, "pipeline/dead_letters.html", context)


@require_POST
@member_required
def retry(request: HttpRequest, event_id: int | None = None) -> HttpResponse:
    """Retry one dead-lettered event (``event_id``) or all of them; the worker picks them up at once."""
    member = _admin(request)
    events = InboundEvent.in_workspace(member.workspace_id)
    if event_id is not None:
        events = events.filter(pk=event_id)
        if not events.exists():
            raise Http404
    count = retry_dead(events)
    record(
        member.workspace_id,
        "inbound_event.retry",
        events.get() if event_id is not None else None,
        actor=member.user,
        changes={"events": count},
        request=request,
    )
    messages.success(
        request,
        ngettext("%(count)d event will be processed again.", "%(count)d events will be processed again.", count)
        % {"count": count}
        if count
        else _("Nothing to retry."),
    )
    return redirect("pipeline:dead-letters")

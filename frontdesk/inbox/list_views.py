"""The conversation list: views, filters, live refresh, bulk actions and saved filters."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as django_messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Identity
from frontdesk.conversations.models import Conversation, ConversationStatus, Label, Priority
from frontdesk.core.access import get_for_member, get_member_for_member
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member, Team
from frontdesk.inbox import bulk
from frontdesk.inbox.filters import (
    MAX_PAGE,
    PAGE_SIZE,
    SORTS,
    VIEWS,
    InboxFilter,
    Viewer,
    capped_count,
    count_label,
)
from frontdesk.inbox.models import SavedFilter
from frontdesk.inbox.reads import annotate_unread
from frontdesk.incidents.grouping import annotate_incidents

BULK_LIMIT = 200


def _page_number(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def _rows(viewer: Viewer, inbox_filter: InboxFilter, number: int) -> tuple[list[Conversation], bool]:
    """One page of the list with everything a row shows, in a fixed number of queries; and whether more follow."""
    workspace_id = viewer.member.workspace_id
    conversations = (
        inbox_filter.conversations(viewer)
        .select_related("contact", "channel", "assignee__user", "team")
        .prefetch_related(Prefetch("labels", queryset=Label.in_workspace(workspace_id)))
        .prefetch_related(
            Prefetch(
                "contact__identities",
                queryset=Identity.in_workspace(workspace_id).exclude(avatar="").order_by("id").only("id", "contact"),
                to_attr="pictured_identities",
            ),
        )
    )
    start = (number - 1) * PAGE_SIZE
    rows = list(conversations[start : start + PAGE_SIZE + 1])
    annotate_unread(rows[:PAGE_SIZE], viewer.member)
    annotate_incidents(rows[:PAGE_SIZE], workspace_id)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _with_page(inbox_filter: InboxFilter, number: int) -> str:
    return "&".join(part for part in (inbox_filter.querystring(), f"page={number}") if part)


def _saved_filters(member: Member) -> list[SavedFilter]:
    return list(
        SavedFilter.in_workspace(member.workspace_id)
        .filter(Q(member=member) | Q(shared=True))
        .select_related("member__user")
    )


def _results_context(request: HttpRequest, member: Member, inbox_filter: InboxFilter) -> dict[str, Any]:
    """What the live-refreshed part of the page shows: rows, pager and the count of every view."""
    number = _page_number(request.GET.get("page"))
    viewer = Viewer.of(member)
    rows, has_next = _rows(viewer, inbox_filter, number)
    # The views' counts depend on the status only, so each is read from an index in a bounded time.
    by_status = InboxFilter(status=inbox_filter.status)
    numbers = {key: capped_count(by_status.conversations(viewer, view=key)) for key in VIEWS}
    listed = (
        capped_count(inbox_filter.conversations(viewer)) if inbox_filter.is_filtered else numbers[inbox_filter.view]
    )
    return {
        "filter": inbox_filter,
        "querystring": inbox_filter.querystring(),
        "rows": rows,
        "page_number": number,
        "previous_query": _with_page(inbox_filter, number - 1) if number > 1 else "",
        "next_query": _with_page(inbox_filter, number + 1) if has_next and number < MAX_PAGE else "",
        "view_counts": {key: count_label(number) for key, number in numbers.items()},
        "count": count_label(listed),
        "count_number": listed,
    }


@require_GET
@member_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    inbox_filter = InboxFilter.from_query(request.GET)
    if request.GET.get("partial") == "rows":
        return render(request, "inbox/conversation_list.html#results", _results_context(request, member, inbox_filter))
    number = _page_number(request.GET.get("page"))
    canonical = _with_page(inbox_filter, number) if number > 1 else inbox_filter.querystring()
    if dict(request.GET.items()) != dict(QueryDict(canonical).items()):
        # The filter form sends every field, empty ones too; the address bar keeps only what filters.
        return redirect(reverse("inbox:conversation-list") + (f"?{canonical}" if canonical else ""))
    context = _results_context(request, member, inbox_filter)
    workspace_id = member.workspace_id
    saved_filters = _saved_filters(member)
    can_assign_others = request.user.has_perm("conversations.assign_others", member.workspace)
    context |= {
        "views": [
            (key, label, context["view_counts"][key], inbox_filter.querystring(view=key))
            for key, label in VIEWS.items()
        ],
        "sorts": SORTS,
        "statuses": ConversationStatus.choices,
        "priorities": Priority.choices,
        "channels": Channel.in_workspace(workspace_id).order_by("name"),
        "labels": list(Label.in_workspace(workspace_id)),
        "teams": Team.in_workspace(workspace_id).order_by("name"),
        "members": (
            Member.in_workspace(workspace_id).filter(is_active=True).select_related("user").order_by("user__name")
            if can_assign_others
            else []
        ),
        "saved_filters": saved_filters,
        "current_saved_filter": next((saved for saved in saved_filters if saved.query == context["querystring"]), None),
        "snoozes": bulk.SNOOZES,
    }
    return render(request, "inbox/conversation_list.html", context)


def _back_to_list(next_query: str) -> str:
    """The list URL for a querystring the browser sent back, rebuilt from the filter (never an open redirect)."""
    query = InboxFilter.from_query(QueryDict(next_query)).querystring()
    return reverse("inbox:conversation-list") + (f"?{query}" if query else "")


@require_POST
@member_required
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign, label, resolve or snooze the checked conversations; ids from other workspaces are ignored."""
    member: Member = request.member  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    ids = [int(value) for value in request.POST.getlist("conversation") if value.isdigit()][:BULK_LIMIT]
    conversations = Conversation.in_workspace(member.workspace_id).filter(pk__in=ids).order_by("id")
    options: dict[str, Any] = {}
    try:
        if action == "assign-me":
            action, options["assignee"] = "assign", member
        elif action == "unassign":
            action, options["assignee"] = "assign", None
        elif action == "assign":
            options["assignee"] = get_member_for_member(member, request.POST.get("assignee"))
        elif action == "label":
            options["label"] = get_for_member(
                Label, member, request.POST.get("label"), "conversations.view_conversation"
            )
        elif action == "snooze":
            options["until"] = bulk.snooze_until(request.POST.get("until", ""), member.user.time_zone, timezone.now())
        changed = bulk.apply(conversations, member, action, **options)
    except (ValidationError, Http404) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else _("Choose a member or a label.")
        if request.htmx:  # type: ignore[attr-defined]
            # Shown in the toolbar's status line (htmx does not swap error statuses in).
            return HttpResponse(message)
        django_messages.error(request, message)
        return redirect(_back_to_list(request.POST.get("next", "")))
    message = ngettext("%(count)d conversation changed.", "%(count)d conversations changed.", changed) % {
        "count": changed
    }
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(message)
        response["HX-Trigger"] = "inbox-bulk-done"
        return response
    django_messages.success(request, message)
    return redirect(_back_to_list(request.POST.get("next", "")))


def _get_saved_filter(member: Member, saved_filter_id: int, permission: str) -> SavedFilter:
    return get_for_member(SavedFilter, member, saved_filter_id, permission)


@require_POST
@member_required
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    """Save the list's current filter under a name, for this member or the whole workspace."""
    member: Member = request.member  # type: ignore[attr-defined]
    query = InboxFilter.from_query(QueryDict(request.POST.get("query", ""))).querystring()
    name = request.POST.get("name", "").strip()[:80]
    if not name:
        django_messages.error(request, _("Give the filter a name."))
        return redirect(_back_to_list(query))
    SavedFilter.in_workspace(member.workspace_id).create(
        workspace_id=member.workspace_id,
        member=member,
        name=name,
        query=query,
        shared=request.POST.get("shared") == "1",
    )
    django_messages.success(request, _("Filter “%(name)s” saved.") % {"name": name})
    return redirect(_back_to_list(query))


@require_POST
@member_required
def saved_filter_rename(request: HttpRequest, saved_filter_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    saved = _get_saved_filter(member, saved_filter_id, "inbox.change_savedfilter")
    name = request.POST.get("name", "").strip()[:80]
    if name:
        saved.name = name
        saved.shared = request.POST.get("shared") == "1"
        saved.save(update_fields=["name", "shared"])
        django_messages.success(request, _("Filter renamed to “%(name)s”.") % {"name": name})
    return redirect(_back_to_list(saved.query))


@require_POST
@member_required
def saved_filter_delete(request: HttpRequest, saved_filter_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    saved = _get_saved_filter(member, saved_filter_id, "inbox.change_savedfilter")
    saved.delete()
    django_messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(_back_to_list(""))

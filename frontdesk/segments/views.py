"""Settings → Segments: supervisors and admins build saved filters over contacts and see who matches."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.conversations.models import Conversation
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member
from frontdesk.segments import actions
from frontdesk.segments.access import get_segment_for_member
from frontdesk.segments.builder import Row, Vocabulary, row_from_rule, rows_from_post, rule_from_row
from frontdesk.segments.definition import MAX_RULES, clean_rule
from frontdesk.segments.evaluate import contacts_matching, count, planned
from frontdesk.segments.models import Segment

PREVIEW_SIZE = 50


def _require(member: Member, permission: str) -> None:
    if not member.user.has_perm(permission, member.workspace):
        raise PermissionDenied


def _definition(member: Member, match: str, rows: list[Row]) -> dict[str, Any] | None:
    """The cleaned definition the rows make, or None with each faulty row's ``error`` set."""
    rules, valid = [], True
    for row in rows:
        try:
            rules.append(clean_rule(member.workspace_id, rule_from_row(row)))
            row.error = ""
        except ValidationError as error:
            row.error = " ".join(error.messages)
            valid = False
    return {"match": "any" if match == "any" else "all", "rules": rules} if valid else None


def _preview(member: Member, definition: dict[str, Any] | None) -> dict[str, Any]:
    if definition is None:
        return {"valid": False}
    contacts = contacts_matching(member.workspace_id, definition)
    conversations = Conversation.in_workspace(member.workspace_id)
    latest = conversations.filter(contact_id=OuterRef("pk")).order_by("-last_activity_at")
    with planned():
        first = list(contacts.annotate(conversation_id=Subquery(latest.values("pk")[:1])).order_by("pk")[:PREVIEW_SIZE])
        total = contacts.count()
    return {"valid": True, "count": total, "contacts": first, "preview_size": PREVIEW_SIZE}


@require_GET
@member_required
def segment_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "segments.view_segment")
    segments = list(Segment.in_workspace(member.workspace_id).order_by("name"))
    return render(request, "segments/list.html", {"segments": segments})


def _edit(request: HttpRequest, member: Member, segment: Segment) -> HttpResponse:
    _require(member, "segments.manage_segment")
    vocabulary = Vocabulary.of(member.workspace_id)
    errors: list[str] = []
    if request.method == "POST":
        name, description = request.POST.get("name", ""), request.POST.get("description", "")
        match = request.POST.get("match", "all")
        rows = rows_from_post(request.POST)
        editing_rows = "add_rule" in request.POST or "remove_rule" in request.POST or "refresh" in request.POST
        if editing_rows:
            # A changed field gets its own operators before anything is checked.
            vocabulary.prepare(rows)
        # Saving checks exactly what was posted (an operator naming another workspace's channel is refused,
        # never swapped for one of this workspace's).
        definition = _definition(member, match, rows)
        vocabulary.prepare(rows)
        if not editing_rows and definition is not None:
            try:
                actions.save_segment(
                    segment, member, name=name, description=description, definition=definition, request=request
                )
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("The segment %(name)s was saved.") % {"name": segment.name})
                return redirect("segments:edit", segment_id=segment.pk)
        elif not editing_rows:
            errors = [_("Some rules need attention.")]
    else:
        name, description = segment.name, segment.description
        match = segment.definition.get("match", "all")
        rows = [row_from_rule(rule) for rule in segment.definition.get("rules", [])] or [Row()]
        vocabulary.prepare(rows)
        definition = _definition(member, match, rows) if segment.pk else None
    return render(
        request,
        "segments/edit.html",
        {
            "segment": segment,
            "name": name,
            "description": description,
            "match": match,
            "rows": rows,
            "fields": vocabulary.fields(),
            "labels": vocabulary.labels,
            "errors": errors,
            "can_add": len(rows) < MAX_RULES,
            "max_rules": MAX_RULES,
            "preview": _preview(member, definition) if definition is not None else {"valid": None},
        },
    )


@member_required
def segment_create(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return _edit(request, member, Segment(workspace_id=member.workspace_id))


@member_required
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return _edit(request, member, get_segment_for_member(member, segment_id))


@require_POST
@member_required
def segment_rules(request: HttpRequest) -> HttpResponse:
    """The rule rows again after a field changed or a row was added or removed (htmx)."""
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "segments.manage_segment")
    vocabulary = Vocabulary.of(member.workspace_id)
    rows = vocabulary.prepare(rows_from_post(request.POST))
    match = request.POST.get("match", "all")
    definition = _definition(member, match, rows)
    for row in rows:
        # A row just added or re-shaped is not wrong yet: its problems are shown when the segment is saved.
        row.error = ""
    context = {
        "rows": rows,
        "fields": vocabulary.fields(),
        "labels": vocabulary.labels,
        "match": match,
        "can_add": len(rows) < MAX_RULES,
        "max_rules": MAX_RULES,
        # The count follows the rows out of band: a removed rule changes who matches.
        "preview": _preview(member, definition) if rows else {"valid": None},
        "oob": True,
    }
    rules = render_to_string("segments/edit.html#rules", context, request)
    preview = render_to_string("segments/edit.html#preview", context, request)
    return HttpResponse(rules + preview)


@require_POST
@member_required
def segment_preview(request: HttpRequest) -> HttpResponse:
    """How many contacts the rules being edited select, and the first of them (htmx, as the rules change)."""
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "segments.manage_segment")
    vocabulary = Vocabulary.of(member.workspace_id)
    rows = vocabulary.prepare(rows_from_post(request.POST))
    definition = _definition(member, request.POST.get("match", "all"), rows)
    return render(request, "segments/edit.html#preview", {"preview": _preview(member, definition)})


@require_GET
@member_required
def segment_count(request: HttpRequest, segment_id: int) -> HttpResponse:
    """One segment's count for the list (loaded after the page, since counting can take a moment)."""
    member: Member = request.member  # type: ignore[attr-defined]
    segment = get_segment_for_member(member, segment_id)
    return render(request, "segments/list.html#count", {"count": count(segment)})


@require_POST
@member_required
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    segment = get_segment_for_member(member, segment_id)
    _require(member, "segments.manage_segment")
    actions.delete_segment(segment, member, request)
    messages.success(request, _("The segment %(name)s was deleted.") % {"name": segment.name})
    return redirect("segments:list")

"""Settings pages for canned responses: everyone may browse and preview them, admins change them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.canned import actions
from frontdesk.canned.access import get_canned_for_member
from frontdesk.canned.forms import CannedResponseForm
from frontdesk.canned.models import CannedResponse
from frontdesk.canned.search import search_canned
from frontdesk.canned.variables import DOCUMENTED, fill, sample_variables
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member


def _require(member: Member, permission: str) -> None:
    if not member.user.has_perm(permission, member.workspace):
        raise PermissionDenied


@require_GET
@member_required
def canned_list(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "canned.view_cannedresponse")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        responses = search_canned(member.workspace_id, query, limit=200)
    else:
        responses = list(CannedResponse.in_workspace(member.workspace_id).order_by("shortcut"))
    return render(
        request,
        "canned/list.html",
        {
            "responses": responses,
            "query": query,
            "can_manage": member.user.has_perm("canned.manage_cannedresponse", member.workspace),
        },
    )


def _edit(request: HttpRequest, member: Member, canned: CannedResponse) -> HttpResponse:
    _require(member, "canned.manage_cannedresponse")
    form = CannedResponseForm(request.POST or None, instance=canned, workspace_id=member.workspace_id)
    if request.method == "POST" and form.is_valid():
        actions.save_canned(form.instance, member, request)
        messages.success(
            request, _("The canned response /%(shortcut)s was saved.") % {"shortcut": form.instance.shortcut}
        )
        return redirect("canned:list")
    preview = fill(form["text"].value() or "", sample_variables(member))
    return render(
        request, "canned/edit.html", {"form": form, "canned": canned, "preview": preview, "variables": DOCUMENTED}
    )


@member_required
def canned_create(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return _edit(request, member, CannedResponse(workspace_id=member.workspace_id))


@member_required
def canned_edit(request: HttpRequest, canned_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return _edit(request, member, get_canned_for_member(member, canned_id))


@require_POST
@member_required
def canned_delete(request: HttpRequest, canned_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    canned = get_canned_for_member(member, canned_id)
    _require(member, "canned.manage_cannedresponse")
    actions.delete_canned(canned, member, request)
    messages.success(request, _("The canned response /%(shortcut)s was deleted.") % {"shortcut": canned.shortcut})
    return redirect("canned:list")


@require_POST
@member_required
def canned_preview(request: HttpRequest) -> HttpResponse:
    """The text as a sample customer would receive it (htmx, while the admin types)."""
    member: Member = request.member  # type: ignore[attr-defined]
    _require(member, "canned.view_cannedresponse")
    preview = fill(request.POST.get("text", "")[:5000], sample_variables(member))
    return render(request, "canned/edit.html#preview", {"preview": preview})

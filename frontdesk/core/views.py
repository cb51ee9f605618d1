"""Account-level pages: workspace choice, profile, API tokens, the team directory, the audit log, health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.core.access import get_api_token_for_member
from frontdesk.core.decorators import member_required
from frontdesk.core.forms import ApiTokenForm, ProfileForm
from frontdesk.core.membership import active_memberships, choose_workspace
from frontdesk.core.models import ApiToken, AuditEntry, Member, Team
from frontdesk.core.tokens import issue_token, revoke_token


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("inbox:conversation-list")
    return redirect("account_login")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@login_required
def workspace_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/workspace_list.html", {"memberships": active_memberships(request.user)})  # type: ignore[arg-type]


@require_POST
@login_required
def workspace_switch(request: HttpRequest, workspace_id: int) -> HttpResponse:
    if choose_workspace(request, workspace_id) is None:
        raise Http404
    return redirect("inbox:conversation-list")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("core:profile")
    return render(request, "core/profile.html", {"form": form})


@member_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _api_token, new_token = issue_token(member, form.cleaned_data["name"])
        form = ApiTokenForm()
    tokens = ApiToken.in_workspace(member.workspace_id).filter(member=member)
    return render(request, "core/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@require_POST
@member_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    api_token = get_api_token_for_member(member, token_id)
    revoke_token(api_token, actor=member)
    messages.success(request, _("The token was revoked."))
    return redirect("core:api-tokens")


@require_GET
@member_required
def audit_log(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if not member.user.has_perm("core.view_audit", member.workspace):
        raise Http404
    entries = AuditEntry.in_workspace(member.workspace_id).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "action": action})


@require_GET
@member_required
def team_directory(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    members = (
        Member.in_workspace(member.workspace_id)
        .filter(is_active=True)
        .select_related("user")
        .prefetch_related("teams")
        .order_by("user__name")
    )
    teams = Team.in_workspace(member.workspace_id).prefetch_related("members__user")
    return render(request, "core/team_directory.html", {"members": members, "teams": teams})

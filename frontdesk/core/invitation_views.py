"""The page an invitation link opens: join as the signed-in user, or create an account and join."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from frontdesk.core.forms import SignUpForm
from frontdesk.core.invitations import InvitationUnusable, accept, find_invitation
from frontdesk.core.membership import choose_workspace
from frontdesk.core.models import Invitation, Role, User

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _unusable(request: HttpRequest, error: InvitationUnusable) -> HttpResponse:
    return render(request, "core/invitation_unusable.html", {"reason": str(error)}, status=410)


def _joined(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    choose_workspace(request, invitation.workspace_id)
    messages.success(request, _("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name})
    return redirect("inbox:conversation-list")


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = find_invitation(token)
    except InvitationUnusable as error:
        return _unusable(request, error)
    user = request.user
    context: dict[str, object] = {"invitation": invitation, "role": Role(invitation.role).label}
    if user.is_authenticated:
        assert isinstance(user, User)
        if request.method == "POST":
            try:
                accept(token, user, request)
            except InvitationUnusable as error:
                return _unusable(request, error)
            return _joined(request, invitation)
        context["wrong_user"] = user.email.lower() != invitation.email.lower()
        return render(request, "core/invitation_accept.html", context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        context["login_url"] = f"{reverse('account_login')}?next={request.path}"
        return render(request, "core/invitation_accept.html", context)
    form = SignUpForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                new_user = User.objects.create_user(
                    invitation.email, form.cleaned_data["password1"], name=form.cleaned_data["name"]
                )
                accept(token, new_user, request)
        except InvitationUnusable as error:
            return _unusable(request, error)
        except IntegrityError:
            form.add_error(None, _("An account with this email address already exists. Sign in instead."))
        else:
            login(request, new_user, backend=BACKEND)
            return _joined(request, invitation)
    context["form"] = form
    return render(request, "core/invitation_accept.html", context)

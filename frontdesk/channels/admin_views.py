"""Settings pages where an admin connects channels: the forms come from each kind's connector."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.channels import actions
from frontdesk.channels.access import get_channel_for_member
from frontdesk.channels.connect import Connector, CredentialField, connectable_kinds
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.core.decorators import member_required
from frontdesk.core.models import Member

MANAGE = "frontdesk_channels.manage_channel"


def _admin(request: HttpRequest) -> Member:
    member: Member = request.member  # type: ignore[attr-defined]
    if not member.user.has_perm(MANAGE, member.workspace):
        raise Http404
    return member


def _channel(request: HttpRequest, channel_id: int) -> tuple[Member, Channel]:
    member = _admin(request)
    channel = get_channel_for_member(member, channel_id)
    if not member.user.has_perm(MANAGE, channel):
        raise Http404
    return member, channel


def _connector(kind: str) -> Connector:
    if kind not in {connectable.value for connectable in connectable_kinds()}:
        raise Http404
    return actions.connector_of(kind)


class ChannelForm(forms.Form):
    """The display name and one input per connector field; on an edit, secrets may be left blank to keep them."""

    name = forms.CharField(label=gettext_lazy("Display name"), max_length=120)

    def __init__(self, connector: Connector | None, *args: Any, channel: Channel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential_fields = connector.fields if connector is not None else ()
        self.editing = channel is not None
        for item in self.credential_fields:
            self.fields[item.name] = self._field(item)
        if channel is not None:
            self.initial = {"name": channel.name, **(channel.config or {})}

    def _field(self, item: CredentialField) -> forms.Field:
        fills_itself = item.generate is not None or bool(item.default)
        required = item.required and not fills_itself and not (self.editing and item.secret)
        hints = [str(item.help_text)] if item.help_text else []
        if item.secret and self.editing:
            hints.append(_("Stored. Leave blank to keep the current one."))
        elif item.generate is not None:
            hints.append(_("Leave blank to generate one."))
        elif item.default:
            hints.append(_("Leave blank for %(default)s.") % {"default": item.default})
        field: forms.Field
        if item.choices:
            choices = [("", "—"), *item.choices] if not required else list(item.choices)
            field = forms.ChoiceField(choices=choices, required=required)
        elif item.secret:
            field = forms.CharField(
                required=required, strip=True, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
            )
        else:
            field = forms.CharField(required=required, strip=True)
        field.label = item.label
        field.help_text = " ".join(hints)
        return field

    def values(self) -> dict[str, str]:
        return {item.name: self.cleaned_data.get(item.name) or "" for item in self.credential_fields}

    def add_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)


def _show_outcome(request: HttpRequest, outcome: actions.Outcome | None, failed: str) -> None:
    if outcome is None:
        return
    if outcome.ok:
        if outcome.detail:
            messages.success(request, outcome.detail)
    else:
        messages.warning(request, failed % {"reason": outcome.detail})


@require_GET
@member_required
def channel_list(request: HttpRequest) -> HttpResponse:
    member = _admin(request)
    channels = Channel.in_workspace(member.workspace_id).order_by("name", "pk")
    return render(request, "channels/channel_list.html", {"channels": channels})


@require_GET
@member_required
def choose_kind(request: HttpRequest) -> HttpResponse:
    _admin(request)
    return render(request, "channels/choose_kind.html", {"kinds": connectable_kinds()})


@require_http_methods(["GET", "POST"])
@member_required
def connect(request: HttpRequest, kind: str) -> HttpResponse:
    member = _admin(request)
    connector = _connector(kind)
    form = ChannelForm(connector, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel, outcome = actions.connect_channel(
                member, kind, form.cleaned_data["name"], form.values(), request=request
            )
        except ValidationError as error:
            form.add_errors(error)
        else:
            messages.success(request, _("%(name)s is connected.") % {"name": channel.name})
            _show_outcome(
                request, outcome, _("The channel is saved, but setting it up at the provider failed: %(reason)s")
            )
            return redirect("channels:detail", channel_id=channel.pk)
    context = {"form": form, "connector": connector, "kind_label": ChannelKind(kind).label}
    return render(request, "channels/connect.html", context, status=422 if form.errors else 200)


def _detail(request: HttpRequest, channel: Channel, form: ChannelForm | None = None, **extra: Any) -> HttpResponse:
    connector = actions.connector_or_none(channel.kind)
    fields = connector.fields if connector is not None else ()
    config = channel.config or {}
    context = {
        "channel": channel,
        "connector": connector,
        "webhook_url": actions.webhook_url(channel),
        "revealed": actions.revealed_values(channel, connector) if connector is not None else [],
        "settings": [(item, config[item.name]) for item in fields if not item.secret and config.get(item.name)],
        "secret_names": channel.secret_names(),
        "generated": [item for item in fields if item.generate is not None],
        "can_sync_templates": actions.can_sync_templates(channel),
        "form": form or ChannelForm(connector, channel=channel),
        **extra,
    }
    return render(request, "channels/channel_detail.html", context, status=422 if form and form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_required
def detail(request: HttpRequest, channel_id: int) -> HttpResponse:
    """The channel's page; a POST saves the edit form."""
    member, channel = _channel(request, channel_id)
    if request.method != "POST":
        return _detail(request, channel)
    form = ChannelForm(actions.connector_or_none(channel.kind), request.POST, channel=channel)
    if form.is_valid():
        try:
            actions.update_channel(
                channel, member, name=form.cleaned_data["name"], values=form.values(), request=request
            )
        except ValidationError as error:
            form.add_errors(error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("channels:detail", channel_id=channel.pk)
    return _detail(request, channel, form)


@require_POST
@member_required
def toggle(request: HttpRequest, channel_id: int) -> HttpResponse:
    member, channel = _channel(request, channel_id)
    channel = actions.update_channel(channel, member, is_active=not channel.is_active, request=request)
    messages.success(
        request,
        (
            _("%(name)s is active: new messages are received.")
            if channel.is_active
            else _("%(name)s is disabled: incoming messages are refused.")
        )
        % {"name": channel.name},
    )
    return redirect("channels:detail", channel_id=channel.pk)


@require_POST
@member_required
def test(request: HttpRequest, channel_id: int) -> HttpResponse:
    member, channel = _channel(request, channel_id)
    try:
        outcome = actions.run_connection_test(channel, member, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("channels:detail", channel_id=channel.pk)
    if outcome.ok:
        messages.success(request, _("Connection works. %(detail)s") % {"detail": outcome.detail})
    else:
        messages.error(request, _("Connection failed: %(reason)s") % {"reason": outcome.detail})
    return redirect("channels:detail", channel_id=channel.pk)


@require_POST
@member_required
def regenerate(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A fresh generated value, shown in this response only (never stored in a flash message)."""
    member, channel = _channel(request, channel_id)
    field_name = request.POST.get("field", "")
    try:
        value, outcome = actions.regenerate_secret(channel, member, field_name, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("channels:detail", channel_id=channel.pk)
    _show_outcome(request, outcome, _("The new value is saved, but updating it at the provider failed: %(reason)s"))
    connector = actions.connector_of(channel.kind)
    label = next(item.label for item in connector.fields if item.name == field_name)
    channel.refresh_from_db()
    response = _detail(request, channel, regenerated={"label": label, "value": value})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required
def sync_templates(request: HttpRequest, channel_id: int) -> HttpResponse:
    member, channel = _channel(request, channel_id)
    try:
        outcome = actions.sync_templates(channel, member, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if outcome.ok:
            messages.success(request, outcome.detail)
        else:
            messages.error(request, _("Syncing templates failed: %(reason)s") % {"reason": outcome.detail})
    return redirect("channels:detail", channel_id=channel.pk)

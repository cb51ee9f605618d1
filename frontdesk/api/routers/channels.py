from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from frontdesk.api.auth import request_member
from frontdesk.api.schemas import (
    ChannelConnectedOut,
    ChannelIn,
    ChannelKindOut,
    ChannelOut,
    ChannelPatch,
    ChoiceOut,
    ConnectionTestOut,
    CredentialFieldOut,
    ErrorOut,
)
from frontdesk.api.serializers import channel_out
from frontdesk.channels import actions
from frontdesk.channels.access import get_channel_for_member
from frontdesk.channels.connect import connectable_kinds, connector_for
from frontdesk.channels.models import Channel
from frontdesk.core.models import Member

router = Router(tags=["channels"])

MANAGE = "frontdesk_channels.manage_channel"


def _manages(member: Member) -> bool:
    return member.user.has_perm(MANAGE, member.workspace)


def _managed_channel(member: Member, channel_id: int) -> Channel:
    channel = get_channel_for_member(member, channel_id)
    if not member.user.has_perm(MANAGE, channel):
        raise HttpError(403, "Only admins may change channels.")
    return channel


@router.get("", response=list[ChannelOut])
def list_channels(request: HttpRequest) -> list[ChannelOut]:
    member = request_member(request)
    reveal = _manages(member)
    return [channel_out(channel, reveal=reveal) for channel in Channel.in_workspace(member.workspace_id)]


@router.get("/kinds", response=list[ChannelKindOut])
def list_kinds(request: HttpRequest) -> list[ChannelKindOut]:
    """The kinds that can be connected here, with the values each one asks for."""
    kinds = []
    for kind in connectable_kinds():
        connector = connector_for(kind.value)
        fields = [
            CredentialFieldOut(
                name=item.name,
                label=str(item.label),
                secret=item.secret,
                required=item.required and item.generate is None and not item.default,
                help_text=str(item.help_text),
                generated=item.generate is not None,
                default=item.default,
                choices=[ChoiceOut(value=value, label=str(label)) for value, label in item.choices],
            )
            for item in connector.fields
        ]
        kinds.append(
            ChannelKindOut(kind=kind.value, label=str(kind.label), docs_page=connector.docs_page, fields=fields)
        )
    return kinds


@router.post("", response={201: ChannelConnectedOut, 403: ErrorOut, 422: ErrorOut})
def create_channel(request: HttpRequest, body: ChannelIn) -> Status[ChannelConnectedOut]:
    """Connect a channel; generated values (a verify token) come back in ``revealed``."""
    member = request_member(request)
    if not _manages(member):
        raise HttpError(403, "Only admins may connect channels.")
    channel, outcome = actions.connect_channel(member, body.kind, body.name, body.values, request=request)
    setup = ConnectionTestOut(ok=outcome.ok, detail=outcome.detail) if outcome is not None else None
    return Status(201, ChannelConnectedOut(**channel_out(channel, reveal=True).model_dump(), setup=setup))


@router.get("/{channel_id}", response={200: ChannelOut, 404: ErrorOut})
def get_channel(request: HttpRequest, channel_id: int) -> ChannelOut:
    member = request_member(request)
    return channel_out(get_channel_for_member(member, channel_id), reveal=_manages(member))


@router.patch("/{channel_id}", response={200: ChannelOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def update_channel(request: HttpRequest, channel_id: int, body: ChannelPatch) -> ChannelOut:
    """Change the name, enable or disable, or change values; a blank or absent secret keeps the stored one."""
    member = request_member(request)
    channel = actions.update_channel(
        _managed_channel(member, channel_id),
        member,
        name=body.name,
        is_active=body.is_active,
        values=body.values,
        request=request,
    )
    return channel_out(channel, reveal=True)


@router.post("/{channel_id}/test", response={200: ConnectionTestOut, 403: ErrorOut, 404: ErrorOut})
def test_channel(request: HttpRequest, channel_id: int) -> ConnectionTestOut:
    """Call the provider with the stored credentials; ``ok`` false carries the provider's reason."""
    member = request_member(request)
    outcome = actions.run_connection_test(_managed_channel(member, channel_id), member, request=request)
    return ConnectionTestOut(ok=outcome.ok, detail=outcome.detail)

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from frontdesk.api.auth import request_member
from frontdesk.api.schemas import ChannelOut, ErrorOut
from frontdesk.api.serializers import channel_out
from frontdesk.channels.access import get_channel_for_member
from frontdesk.channels.models import Channel

router = Router(tags=["channels"])


@router.get("", response=list[ChannelOut])
def list_channels(request: HttpRequest) -> list[ChannelOut]:
    member = request_member(request)
    return [channel_out(channel) for channel in Channel.in_workspace(member.workspace_id)]


@router.get("/{channel_id}", response={200: ChannelOut, 404: ErrorOut})
def get_channel(request: HttpRequest, channel_id: int) -> ChannelOut:
    return channel_out(get_channel_for_member(request_member(request), channel_id))

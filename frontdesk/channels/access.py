from __future__ import annotations

from typing import Any

from frontdesk.channels.models import Channel
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_channel_for_member(member: Member, channel_id: Any) -> Channel:
    return get_for_member(Channel, member, channel_id, "frontdesk_channels.view_channel")

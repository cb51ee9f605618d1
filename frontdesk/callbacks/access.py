from __future__ import annotations

from typing import Any

from frontdesk.callbacks.models import CallbackRequest
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_callback_for_member(member: Member, callback_id: Any) -> CallbackRequest:
    """The callback request with ``callback_id`` in the member's workspace; Http404 when missing or not theirs."""
    queryset = CallbackRequest.in_workspace(member.workspace_id).select_related(
        "contact", "channel", "conversation__workspace", "claimed_by__user"
    )
    return get_for_member(queryset, member, callback_id, "callbacks.view_callbackrequest")

from __future__ import annotations

from typing import Any

from frontdesk.canned.models import CannedResponse
from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member


def get_canned_for_member(member: Member, canned_id: Any) -> CannedResponse:
    return get_for_member(CannedResponse, member, canned_id, "canned.view_cannedresponse")

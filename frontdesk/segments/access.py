from __future__ import annotations

from typing import Any

from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member
from frontdesk.segments.models import Segment


def get_segment_for_member(member: Member, segment_id: Any) -> Segment:
    return get_for_member(Segment, member, segment_id, "segments.view_segment")

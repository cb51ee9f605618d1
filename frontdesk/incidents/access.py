from __future__ import annotations

from typing import Any

from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member
from frontdesk.incidents.models import DuplicateCandidate, Incident


def get_incident_for_member(member: Member, incident_id: Any) -> Incident:
    """The incident with ``incident_id`` in the member's workspace; Http404 when missing or not theirs."""
    return get_for_member(Incident, member, incident_id, "incidents.view_incident")


def get_duplicate_for_member(member: Member, duplicate_id: Any) -> DuplicateCandidate:
    queryset = DuplicateCandidate.in_workspace(member.workspace_id).select_related(
        "conversation__contact", "other__contact", "other__channel"
    )
    return get_for_member(queryset, member, duplicate_id, "incidents.view_duplicatecandidate")

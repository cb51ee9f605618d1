"""The inbox list's filter: which view, which conversations, in which order; read from and written to the querystring.

Every combination is served by an index that starts with the workspace, and
nothing here counts more than ``COUNT_CAP`` rows, so the list costs the same
with a thousand conversations or a million.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.conversations.models import Conversation, ConversationStatus, Mention, Priority
from frontdesk.core.models import Member, TeamMembership, Workspace
from frontdesk.search.query import conversations_matching

PAGE_SIZE = 50
# Counts stop here and show as "999+": counting a million rows is not worth a user's wait.
COUNT_CAP = 1000
MAX_PAGE = COUNT_CAP // PAGE_SIZE
# A waiting conversation is at risk once this share of the first-response target has passed.
SLA_RISK_SHARE = 0.75

VIEWS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "team": _("My teams"),
    "all": _("All"),
    "mentions": _("Mentions"),
}
SORTS = {
    "activity": _("Last activity"),
    "waiting": _("Waiting longest"),
    "priority": _("Priority"),
}


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


@dataclass(frozen=True)
class Viewer:
    """The member a list is shown to, with what their views need, read once per request."""

    member: Member
    workspace: Workspace
    team_ids: tuple[int, ...]

    @classmethod
    def of(cls, member: Member) -> Viewer:
        teams = TeamMembership.in_workspace(member.workspace_id).filter(member=member).values_list("team_id", flat=True)
        return cls(member=member, workspace=member.workspace, team_ids=tuple(teams))


@dataclass(frozen=True)
class InboxFilter:
    """One state of the list; unknown or malformed values fall back to the defaults."""

    view: str = "all"
    status: str = ConversationStatus.OPEN.value
    channel: int | None = None
    label: int | None = None
    priority: int | None = None
    team: int | None = None
    sla: bool = False
    sort: str = "activity"
    q: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> InboxFilter:
        view = query.get("view", "all")
        status = query.get("status", ConversationStatus.OPEN)
        sort = query.get("sort", "activity")
        priority = query.get("priority", "")
        return cls(
            view=view if view in VIEWS else "all",
            status=status if status in ConversationStatus.values else ConversationStatus.OPEN.value,
            channel=_positive_int(query.get("channel")),
            label=_positive_int(query.get("label")),
            priority=int(priority) if priority.isdigit() and int(priority) in Priority.values else None,
            team=_positive_int(query.get("team")),
            sla=query.get("sla") == "1",
            sort=sort if sort in SORTS else "activity",
            q=query.get("q", "").strip()[:200],
        )

    def querystring(self, **changes: Any) -> str:
        """This filter (with ``changes``) as a querystring, leaving out defaults so URLs stay short and canonical."""
        state = replace(self, **changes)
        default = InboxFilter()
        query = QueryDict(mutable=True)
        for field in fields(self):
            value = getattr(state, field.name)
            if value != getattr(default, field.name):
                query[field.name] = "1" if value is True else str(value)
        return query.urlencode()

    @property
    def is_filtered(self) -> bool:
        """Whether anything beyond the view and the status narrows the list."""
        return replace(self, view="all", sort="activity", status=InboxFilter.status) != InboxFilter()

    def conversations(self, viewer: Viewer, *, view: str | None = None) -> QuerySet[Conversation]:
        """The viewer's conversations in ``view`` (default: this filter's view) matching every other field, in order."""
        view = view or self.view
        member = viewer.member
        conversations = Conversation.in_workspace(member.workspace_id).filter(status=self.status)
        if view == "mine":
            conversations = conversations.filter(assignee=member)
        elif view == "unassigned":
            conversations = conversations.filter(assignee__isnull=True)
        elif view == "team":
            conversations = conversations.filter(team_id__in=viewer.team_ids)
        elif view == "mentions":
            mentioned = Mention.in_workspace(member.workspace_id).filter(member=member).values("conversation_id")
            conversations = conversations.filter(pk__in=mentioned)
        if self.channel is not None:
            conversations = conversations.filter(channel_id=self.channel)
        if self.label is not None:
            # Through the label links, which carry the status and last activity: their index is in list order.
            conversations = conversations.filter(
                conversationlabel__workspace_id=member.workspace_id,
                conversationlabel__label_id=self.label,
                conversationlabel__status=self.status,
            )
        if self.priority is not None:
            conversations = conversations.filter(priority=self.priority)
        if self.team is not None:
            conversations = conversations.filter(team_id=self.team)
        if self.sla:
            risk_after = timedelta(minutes=viewer.workspace.first_response_target_minutes * SLA_RISK_SHARE)
            conversations = conversations.filter(
                status=ConversationStatus.OPEN, waiting_since__lte=timezone.now() - risk_after
            )
        if self.q:
            # The search index's newest matches: by a message, a note, the subject or the contact.
            found = conversations_matching(member, self.q)
            conversation_ids, contact_ids = found if found is not None else ([], [])
            conversations = conversations.filter(Q(pk__in=conversation_ids) | Q(contact_id__in=contact_ids))
        if self.sort == "waiting":
            return conversations.order_by(F("waiting_since").asc(nulls_last=True), "id")
        if self.sort == "priority":
            return conversations.order_by("-priority", "-last_activity_at", "-id")
        if self.label is not None:
            return conversations.order_by("-conversationlabel__last_activity_at", "-id")
        return conversations.order_by("-last_activity_at", "-id")


def capped_count(conversations: QuerySet[Conversation]) -> int:
    """How many rows match, counting no further than ``COUNT_CAP``."""
    return conversations.order_by().values("pk")[:COUNT_CAP].count()


def count_label(count: int) -> str:
    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)

"""Who may use saved inbox filters: everyone sees their own and the shared ones; only the owner changes one."""

from __future__ import annotations

from typing import Any

import rules

from frontdesk.core.rules import _member, is_member


@rules.predicate
def owns_saved_filter(user: Any, saved_filter: Any) -> bool:
    member = _member(user, saved_filter)
    return member is not None and saved_filter.member_id == member.pk


@rules.predicate
def is_shared(user: Any, saved_filter: Any) -> bool:
    return bool(getattr(saved_filter, "shared", False))


rules.add_perm("inbox.view_savedfilter", owns_saved_filter | (is_member & is_shared))
rules.add_perm("inbox.change_savedfilter", owns_saved_filter)

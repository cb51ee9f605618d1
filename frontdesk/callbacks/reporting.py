"""Figures for reporting how fast customers who asked for a call were called."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from frontdesk.callbacks.models import CallbackRequest


@dataclass(frozen=True)
class CallbackSummary:
    """Requests made in a period and how fast they were claimed and first called.

    ``within_target_share`` counts requests claimed within their target
    against every request whose target has passed or that was claimed; one
    still waiting inside its target is not decided yet and left out.
    """

    count: int
    claimed: int
    median_seconds_to_claim: float | None
    p90_seconds_to_claim: float | None
    median_seconds_to_first_attempt: float | None
    p90_seconds_to_first_attempt: float | None
    within_target_share: float | None


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5: median, 0.9: p90) of ``values``, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 3)


def summarise(workspace_id: int, since: datetime | None = None, until: datetime | None = None) -> CallbackSummary:
    """The summary of callback requests made in [since, until) in one workspace."""
    requests = CallbackRequest.in_workspace(workspace_id)
    if since is not None:
        requests = requests.filter(requested_at__gte=since)
    if until is not None:
        requests = requests.filter(requested_at__lt=until)
    rows = list(requests.values_list("requested_at", "claimed_at", "first_attempt_at", "target_seconds"))
    now = timezone.now()
    to_claim = [(claimed - requested).total_seconds() for requested, claimed, _first, _target in rows if claimed]
    to_attempt = [(first - requested).total_seconds() for requested, _claimed, first, _target in rows if first]
    decided = hits = 0
    for requested, claimed, _first, target in rows:
        if claimed is not None:
            decided += 1
            hits += (claimed - requested).total_seconds() <= target
        elif (now - requested).total_seconds() > target:
            decided += 1
    return CallbackSummary(
        count=len(rows),
        claimed=len(to_claim),
        median_seconds_to_claim=percentile(to_claim, 0.5),
        p90_seconds_to_claim=percentile(to_claim, 0.9),
        median_seconds_to_first_attempt=percentile(to_attempt, 0.5),
        p90_seconds_to_first_attempt=percentile(to_attempt, 0.9),
        within_target_share=round(hits / decided, 4) if decided else None,
    )

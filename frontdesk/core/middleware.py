from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from frontdesk.core.membership import current_member

SUPPORTED_LANGUAGES = {"en", "zh-hant", "zh-hans"}


class CurrentMemberMiddleware:
    """Sets ``request.member`` and the member's own language and time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.member = SimpleLazyObject(lambda: current_member(request))  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated:
            if user.language in SUPPORTED_LANGUAGES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response

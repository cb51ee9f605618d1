"""Refuses REST API requests carrying NUL characters, with the API's JSON error shape.

JSON and query strings can carry NUL (``\\u0000``, ``%00``); PostgreSQL's text
columns cannot, so such a value would fail deep inside a write or a filter
with a server error. Django's forms refuse NUL by themselves; the API's
schemas do not, so the refusal is here, once, before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
DETAIL = "Text may not contain NUL characters (\\u0000)."


class RefuseNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and _carries_nul(request):
            return JsonResponse({"detail": DETAIL}, status=400)
        return self.get_response(request)


def _carries_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return True
    if request.content_type != "application/json":
        return False  # file uploads may hold any byte
    body = request.body
    return b"\x00" in body or b"\\u0000" in body

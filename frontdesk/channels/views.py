"""``/hooks/<kind>/<webhook-token>``: where providers deliver events.

The view only reads the request and answers; finding the channel, verifying
and storing are the pipeline's (``handle_delivery``), and the worker
processes what was stored. The web server answers these paths on a fast path
that skips Django's middleware (``frontdesk.channels.fast_hooks``); this view
serves the same function to Django's own handler (tests, WSGI).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from frontdesk.pipeline.webhooks import MAX_BODY_BYTES, handle_delivery


def read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is larger than ``MAX_BODY_BYTES`` (without reading all of it)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


@csrf_exempt
def receive(request: HttpRequest, kind: str, webhook_token: str) -> JsonResponse:
    if request.method != "POST":
        response = JsonResponse({"detail": "Webhooks are delivered with POST."}, status=405)
        response["Allow"] = "POST"
        return response
    body = read_body(request)
    if body is None:
        return JsonResponse({"detail": f"The body is larger than {MAX_BODY_BYTES} bytes."}, status=413)
    status, answer = handle_delivery(kind, webhook_token, body, request.headers)
    return JsonResponse(answer, status=status)

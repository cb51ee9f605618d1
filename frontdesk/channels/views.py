"""``/hooks/<kind>/<webhook-token>``: where providers deliver events.

The view only reads the request and answers; finding the channel, verifying
and storing are the pipeline's (``handle_delivery``), and the worker
processes what was stored. The web server answers these paths on a fast path
that skips Django's middleware (``frontdesk.channels.fast_hooks``); this view
serves the same function to Django's own handler (tests, WSGI).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from frontdesk.channels.base import WebhookRequest
from frontdesk.pipeline.webhooks import MAX_BODY_BYTES, handle_delivery, public_hook_url


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
def receive(request: HttpRequest, kind: str, webhook_token: str) -> HttpResponse:
    body = read_body(request) if request.method == "POST" else b""
    if body is None:
        return JsonResponse({"detail": f"The body is larger than {MAX_BODY_BYTES} bytes."}, status=413)
    query_string = request.META.get("QUERY_STRING", "")
    hook_request = WebhookRequest(
        method=request.method or "GET",
        body=body,
        headers=request.headers,
        query={name: request.GET.get(name, "") for name in request.GET},
        url=public_hook_url(request.path, query_string),
    )
    answer = handle_delivery(kind, webhook_token, hook_request)
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    if answer.status == 405:
        response["Allow"] = "POST"
    return response

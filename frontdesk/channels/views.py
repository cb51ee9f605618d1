"""``/hooks/<kind>/<webhook-token>``: where providers deliver events.

The view only reads the request and answers; finding the channel, verifying
and storing are the pipeline's, and the worker processes what was stored.
Every refusal is JSON ``{"detail": …}``.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from frontdesk.channels.base import InboundRejected
from frontdesk.pipeline.webhooks import (
    MAX_BODY_BYTES,
    ChannelNotFound,
    Receipt,
    channel_for_webhook,
    store,
    verify_and_split,
)

logger = logging.getLogger(__name__)


def refuse(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


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
        response = refuse(405, "Webhooks are delivered with POST.")
        response["Allow"] = "POST"
        return response
    try:
        channel = channel_for_webhook(kind, webhook_token)
    except ChannelNotFound:
        return refuse(404, "No active channel at this address.")
    body = read_body(request)
    if body is None:
        return refuse(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        delivery = verify_and_split(channel, body, request.headers)
    except InboundRejected as error:
        logger.warning("Webhook for channel %s refused (%s): %s", channel.pk, error.status, error.detail)
        return refuse(error.status, error.detail)
    if not delivery.events and delivery.rejected:
        answer = Receipt(rejected=delivery.rejected).as_dict()
        return JsonResponse({"detail": "No event of the delivery has a usable shape.", **answer}, status=400)
    receipt = store(channel, delivery)
    return JsonResponse(receipt.as_dict())

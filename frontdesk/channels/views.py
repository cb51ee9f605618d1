"""``/hooks/<kind>/<webhook-token>``: where providers deliver events.

The view only reads the request and answers; finding the channel, verifying,
storing and processing are the pipeline's. Every refusal is JSON ``{"detail": …}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from frontdesk.channels.base import InboundRejected
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.webhooks import (
    MAX_BODY_BYTES,
    ChannelNotFound,
    Receipt,
    channel_for_webhook,
    process,
    store,
    verify_and_split,
)

logger = logging.getLogger(__name__)


class AcknowledgedResponse(JsonResponse):
    """A 200 that processes the stored events once the server has sent it (on ``close``)."""

    def __init__(self, data: dict[str, Any], events: list[InboundEvent]) -> None:
        super().__init__(data)
        self._events = events

    def close(self) -> None:
        events, self._events = self._events, []
        try:
            # Whatever happens here is recorded per event and recovered by `frontdesk reprocess-events`.
            process(events)
        finally:
            # Last: it fires request_finished, which hands the database connection back.
            super().close()


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
    return AcknowledgedResponse(receipt.as_dict(), receipt.stored)

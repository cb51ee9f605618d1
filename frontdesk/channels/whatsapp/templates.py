"""Reading the business account's approved message templates into the channel's settings.

``GET {api_base_url}/{version}/{waba id}/message_templates?fields=…&limit=100``
answers ``{"data": [...], "paging": {"cursors": {"after": …}, "next": …}}``.
Pages are followed by their ``after`` cursor on our own API URL (never the
``next`` URL as given). Only APPROVED templates can be sent, so only those are
kept, in ``channel.config["templates"]``, each with what the reply box needs:
name, language, category, body text, how many parameters the body takes and
its buttons (a quick-reply button's parameter is a payload, a URL button's a
suffix: ``outbound.template_body`` tells them apart by this list).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from frontdesk.channels.connect import ConnectionTestFailed
from frontdesk.channels.models import Channel
from frontdesk.channels.whatsapp.adapter import object_of
from frontdesk.channels.whatsapp.setup import api_url, auth_headers, refusal
from frontdesk.core.http_client import HttpClient

FIELDS = "name,language,status,category,components"
PAGE_SIZE = 100
MAX_PAGES = 50
# {{1}} positional or {{order_id}} named parameters.
PARAMETER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


class TemplateSyncFailed(ConnectionTestFailed):
    """Meta refused the template list (or could not be read); ``reason`` is shown to the admin."""


def sync_templates(channel: Channel, client: HttpClient) -> int:
    """Replace the channel's list of approved templates with Meta's; returns how many there are."""
    waba_id = str((channel.config or {}).get("waba_id") or "")
    if not waba_id.isdigit():
        raise TemplateSyncFailed("the channel has no WhatsApp Business Account ID")
    templates: list[dict[str, Any]] = []
    after = ""
    for _page in range(MAX_PAGES):
        query = {"fields": FIELDS, "limit": str(PAGE_SIZE), **({"after": after} if after else {})}
        response = client.get(
            api_url(channel, waba_id, "message_templates", query=query), headers=auth_headers(channel)
        )
        if not response.is_success:
            raise TemplateSyncFailed(refusal(response))
        try:
            document = response.json()
            data = document["data"]
        except (ValueError, KeyError, TypeError) as error:
            raise TemplateSyncFailed("the Graph API answered without a template list") from error
        templates.extend(summary(item) for item in data if isinstance(item, dict) and item.get("status") == "APPROVED")
        paging = object_of(document.get("paging"))
        cursors = object_of(paging.get("cursors"))
        after = str(cursors.get("after") or "")
        if not paging.get("next") or not after:
            break
    templates.sort(key=lambda item: (item["name"], item["language"]))
    channel.config = {
        **(channel.config or {}),
        "templates": templates,
        "templates_synced_at": timezone.now().isoformat(),
    }
    channel.save(update_fields=["config"])
    return len(templates)


def summary(template: dict[str, Any]) -> dict[str, Any]:
    """What we keep of one template."""
    components = [item for item in template.get("components") or [] if isinstance(item, dict)]
    body = next((str(item.get("text") or "") for item in components if item.get("type") == "BODY"), "")
    buttons = [
        {"type": str(button.get("type") or ""), "text": str(button.get("text") or "")}
        for item in components
        if item.get("type") == "BUTTONS"
        for button in item.get("buttons") or []
        if isinstance(button, dict)
    ]
    return {
        "name": str(template.get("name") or ""),
        "language": str(template.get("language") or ""),
        "category": str(template.get("category") or ""),
        "body": body,
        "parameters": len(dict.fromkeys(PARAMETER.findall(body))),
        "buttons": buttons,
    }

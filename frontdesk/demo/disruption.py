"""The demo's live moment: a flight was cancelled an hour ago and passengers are writing in.

Unlike the rest of the demo, which is written to the database in bulk, these
messages go through the real inbound pipeline one by one, so everything that
reacts to a customer's message does so here as it would in production: a
passenger who writes on WhatsApp and then by email gets one case, similar
complaints are grouped into an incident, and every message is searchable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.contacts.models import Identity
from frontdesk.core.models import Workspace
from frontdesk.pipeline.inbound import ContactRef, InboundMessage, ThreadHint, ingest_message

FLIGHT = "SW228"

# (channel kind, language, text). {pnr} is the passenger's booking reference.
PASSENGER_MESSAGES: tuple[tuple[ChannelKind, str, str], ...] = (
    (
        ChannelKind.WHATSAPP,
        "en",
        "Hi, my flight SW228 to Taipei tonight has just been cancelled. What are my options? Booking {pnr}",
    ),
    (ChannelKind.MESSENGER, "en", "SW228 to Taipei cancelled?? I need to be in Taipei tomorrow, please rebook me asap"),
    (
        ChannelKind.WEBCHAT,
        "en",
        "Got a text that SW228 HKG to Taipei is cancelled tonight. Can I get a refund instead of a new flight?",
    ),
    (ChannelKind.WHATSAPP, "zh-hant", "你好，我今晚嗰班 SW228 去台北話取消咗，點算好？訂位編號 {pnr}"),
    (ChannelKind.LINE, "zh-hant", "您好，我搭的 SW228 台北班機今晚被取消了，請問可以改搭明天的班機嗎？訂位代號 {pnr}"),
    (ChannelKind.WHATSAPP, "zh-hant", "SW228 航班取消了，我明天一定要到台北，請幫我改期，謝謝"),
    (ChannelKind.WECHAT, "zh-hans", "你好，我今晚去台北的 SW228 航班取消了，请问可以改签明天的航班吗？订座编号 {pnr}"),
    (ChannelKind.WECHAT, "zh-hans", "SW228 航班取消了，我明天必须到台北，麻烦帮我改签，谢谢"),
)

# One passenger writes on WhatsApp, hears nothing, and writes again by email: one case, not two.
FIRST_ON_WHATSAPP = (
    "Hi, my flight SW228 to Taipei tonight was cancelled. Can you move me to tomorrow morning? Booking {pnr}"
)
THEN_BY_EMAIL_SUBJECT = "SW228 cancelled, booking {pnr}"
THEN_BY_EMAIL = (
    "Dear Skyward team,\n\nI wrote to you on WhatsApp half an hour ago about flight SW228 to Taipei being "
    "cancelled tonight, but nobody has answered yet. Please move me to tomorrow morning's flight; "
    "my booking reference is {pnr}.\n\nKind regards,\n{name}"
)


@dataclass(frozen=True)
class Arrival:
    channel: Channel
    inbound: InboundMessage


def replay_disruption(workspace: Workspace, seed: int, say: Callable[[str], None]) -> int:
    """Feed the passengers' messages through the inbound pipeline; returns how many were stored."""
    rng = random.Random(f"{seed}:{workspace.slug}:disruption")
    channels = {ChannelKind(channel.kind): channel for channel in Channel.in_workspace(workspace)}
    arrivals = _passenger_arrivals(workspace, channels, rng) + _two_channel_arrivals(workspace, channels, rng)
    stored = 0
    for arrival in arrivals:
        # One transaction per message, as the pipeline runs them: subscribers hear of each after its commit.
        with transaction.atomic():
            if not ingest_message(arrival.channel, arrival.inbound):
                stored += 1
    say(f"  Replaying a cancelled flight ({FLIGHT}) through the pipeline… {stored} messages")
    return stored


def _pnr(rng: random.Random) -> str:
    return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6))


def _identities(workspace: Workspace, channel: Channel, language: str, count: int) -> list[Identity]:
    """Customers of ``channel`` who write in ``language`` and have not written lately (so their message opens a
    new case rather than reopening one about something else), oldest first."""
    lately = timezone.now() - timedelta(days=workspace.reopen_window_days + 1)
    return list(
        Identity.in_workspace(workspace)
        .filter(channel=channel, contact__language__iexact=language, contact__merged_into__isnull=True)
        .exclude(contact__conversations__last_activity_at__gte=lately)
        .select_related("contact")
        .order_by("pk")[:count]
    )


def _passenger_arrivals(
    workspace: Workspace, channels: dict[ChannelKind, Channel], rng: random.Random
) -> list[Arrival]:
    arrivals: list[Arrival] = []
    used: set[int] = set()  # contacts: each passenger writes once, on one channel
    for index, (kind, language, template) in enumerate(PASSENGER_MESSAGES):
        channel = channels.get(kind)
        if channel is None:
            continue
        candidates = [
            identity for identity in _identities(workspace, channel, language, 20) if identity.contact_id not in used
        ]
        if not candidates:
            continue
        identity = candidates[0]
        used.add(identity.contact_id)
        text = template.format(pnr=_pnr(rng))
        inbound = InboundMessage(
            provider_message_id=f"demo-disruption-{index}",
            contact=ContactRef(external_id=identity.external_id, name=identity.contact.name),
            text=text,
        )
        arrivals.append(Arrival(channel, inbound))
    return arrivals


def _two_channel_arrivals(
    workspace: Workspace, channels: dict[ChannelKind, Channel], rng: random.Random
) -> list[Arrival]:
    whatsapp, email = channels.get(ChannelKind.WHATSAPP), channels.get(ChannelKind.EMAIL)
    if whatsapp is None or email is None:
        return []
    candidates = [identity for identity in _identities(workspace, whatsapp, "en", 40) if identity.contact.email]
    # The last one, so the passengers above (taken from the front) are other people.
    if not candidates:
        return []
    identity = candidates[-1]
    contact = identity.contact
    pnr = _pnr(rng)
    first = InboundMessage(
        provider_message_id="demo-disruption-whatsapp",
        contact=ContactRef(
            external_id=identity.external_id, name=contact.name, phone=contact.phone, verified=frozenset({"phone"})
        ),
        text=FIRST_ON_WHATSAPP.format(pnr=pnr),
    )
    subject = THEN_BY_EMAIL_SUBJECT.format(pnr=pnr)
    second = InboundMessage(
        provider_message_id=f"<disruption.{pnr.lower()}@{contact.email.split('@')[-1]}>",
        # As the email adapter does: the sender's mailbox is vouched for by the mail itself.
        contact=ContactRef(
            external_id=contact.email, name=contact.name, email=contact.email, verified=frozenset({"email"})
        ),
        text=THEN_BY_EMAIL.format(pnr=pnr, name=contact.name),
        thread=ThreadHint(subject=subject),
        provider={"subject": subject, "from": contact.email},
    )
    return [Arrival(whatsapp, first), Arrival(email, second)]

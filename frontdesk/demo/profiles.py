"""The demo's customer profiles: typed attribute definitions over the attributes the seed gives every customer,
bookings and orders attached as business context, and some compliments and complaints.

Written in bulk after the rest of the demo (no events: nobody is watching yet). The passengers of the
cancelled flight (disruption.py) get their booking on that flight, cancelled, so an agent answering them sees it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from frontdesk.contacts.models import AttributeDefinition, AttributeType, ContactFeedback, ContextObject, FeedbackKind
from frontdesk.conversations.models import Conversation, Message, MessageKind
from frontdesk.core.models import Member, Workspace
from frontdesk.demo import content as c
from frontdesk.demo.disruption import FLIGHT

# One in this many customers has a booking or an order attached, and one in FEEDBACK_EVERY a compliment or complaint.
CONTEXT_EVERY = 4
FEEDBACK_EVERY = 12
BOOKING = re.compile(r"(?<![A-Z0-9])[A-HJ-NP-Z2-9]{6}(?![A-Z0-9])")
COMPLIMENTS = {
    "airline": ["Cabin crew on the Tokyo flight were wonderful", "Ground staff rebooked me in minutes"],
    "shop": ["Parcel arrived a day early, well packed", "Very patient help with the sizing"],
}
COMPLAINTS = {
    "airline": ["Bag arrived damaged", "Waited 40 minutes on the phone", "Seat was changed without notice"],
    "shop": ["Parcel was left outside in the rain", "Refund took three weeks", "Wrong colour delivered"],
}
DESTINATIONS = ["TPE", "NRT", "ICN", "SIN", "BKK", "LHR", "SYD"]
PRODUCTS = ["Travel adapter", "Rice cooker", "Bluetooth speaker", "Silk scarf", "Tea set", "Umbrella"]


def _definitions(workspace: Workspace, spec: c.WorkspaceSpec) -> list[AttributeDefinition]:
    tiers = [tier for tier, _weight in spec.tiers]
    fields = [("tier", "Membership tier", AttributeType.CHOICE, tiers), ("city", "City", AttributeType.TEXT, [])]
    if spec.business == "airline":
        fields += [
            ("miles", "Miles", AttributeType.NUMBER, []),
            ("frequent_flyer_number", "Frequent flyer number", AttributeType.TEXT, []),
        ]
    else:
        fields += [
            ("orders", "Orders", AttributeType.NUMBER, []),
            ("customer_id", "Customer id", AttributeType.TEXT, []),
        ]
    return [
        AttributeDefinition(workspace=workspace, key=key, label=label, type=kind, choices=choices, position=position)
        for position, (key, label, kind, choices) in enumerate(fields)
    ]


def _booking(workspace: Workspace, contact_id: int, rng: random.Random, now: datetime) -> ContextObject:
    reference = "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6))
    destination = rng.choice(DESTINATIONS)
    day = (now + timedelta(days=rng.randrange(-60, 90))).date()
    status = "flown" if day < now.date() else rng.choice(["confirmed", "confirmed", "checked in"])
    return ContextObject(
        workspace=workspace,
        contact_id=contact_id,
        kind="booking",
        external_id=reference,
        title=f"HKG → {destination}",
        status=status,
        url=f"https://skyward.example/manage/{reference}",
        data={
            "flight": f"SW{rng.randrange(100, 999)}",
            "date": day.isoformat(),
            "seat": f"{rng.randrange(1, 60)}{rng.choice('ACDFHK')}",
        },
        created_at=now,
        updated_at=now,
    )


def _order(workspace: Workspace, contact_id: int, rng: random.Random, now: datetime) -> ContextObject:
    number = f"HS-{rng.randrange(100000, 999999)}"
    return ContextObject(
        workspace=workspace,
        contact_id=contact_id,
        kind="order",
        external_id=number,
        title=f"{rng.randrange(1, 4)} × {rng.choice(PRODUCTS)}",
        status=rng.choice(["paid", "shipped", "shipped", "delivered", "refunded"]),
        url=f"https://harbour-shop.example/orders/{number}",
        data={
            "items": rng.randrange(1, 5),
            "total_hkd": rng.randrange(80, 4000),
            "carrier": rng.choice(["SF", "HKPost"]),
        },
        created_at=now,
        updated_at=now,
    )


def _disrupted_bookings(workspace: Workspace, now: datetime, taken: set[str]) -> list[ContextObject]:
    """The cancelled flight's passengers: their booking (the reference they wrote, if they did), cancelled."""
    rows = []
    seen: set[int] = set()
    messages = (
        Message.in_workspace(workspace)
        .filter(kind=MessageKind.INBOUND, text__contains=FLIGHT)
        .values_list("conversation__contact_id", "text")
        .order_by("pk")
    )
    for contact_id, text in messages:
        if contact_id in seen:
            continue
        seen.add(contact_id)
        found = BOOKING.findall(text.upper().replace(FLIGHT, ""))
        reference = found[0] if found and found[0] not in taken else f"X{len(taken):05d}"
        taken.add(reference)
        rows.append(
            ContextObject(
                workspace=workspace,
                contact_id=contact_id,
                kind="booking",
                external_id=reference,
                title="HKG → TPE",
                status="cancelled",
                url=f"https://skyward.example/manage/{reference}",
                data={"flight": FLIGHT, "date": now.date().isoformat(), "rebooked": False},
                created_at=now,
                updated_at=now,
            )
        )
    return rows


def seed_profiles(seed: int, say: Callable[[str], None]) -> int:
    """Definitions, context objects and feedback for every demo workspace; returns how many rows were written."""
    now = timezone.now()
    written = 0
    for spec in c.WORKSPACES:
        workspace = Workspace.objects.filter(slug=spec.slug).first()
        if workspace is None:
            continue
        rng = random.Random(f"{seed}:{spec.slug}:profiles")
        with transaction.atomic():
            definitions = AttributeDefinition.all_workspaces.bulk_create(_definitions(workspace, spec))
            taken: set[str] = set()
            objects = _disrupted_bookings(workspace, now, taken) if spec.business == "airline" else []
            with_context = {obj.contact_id for obj in objects}
            conversations = list(
                Conversation.in_workspace(workspace)
                .filter(contact__merged_into__isnull=True)
                .values_list("contact_id", "pk")
                .order_by("pk")
            )
            make = _booking if spec.business == "airline" else _order
            for contact_id, _conversation in conversations[::CONTEXT_EVERY]:
                if contact_id not in with_context:
                    obj = make(workspace, contact_id, rng, now)
                    if obj.external_id not in taken:
                        taken.add(obj.external_id)
                        with_context.add(contact_id)
                        objects.append(obj)
            ContextObject.all_workspaces.bulk_create(objects)
            staff = list(Member.in_workspace(workspace).order_by("pk")[:10])
            feedback = [
                ContactFeedback(
                    workspace=workspace,
                    contact_id=contact_id,
                    kind=kind,
                    text=rng.choice(
                        COMPLAINTS[spec.business] if kind == FeedbackKind.COMPLAINT else COMPLIMENTS[spec.business]
                    ),
                    source_conversation_id=conversation_id,
                    created_by=rng.choice(staff) if staff else None,
                    created_at=now - timedelta(days=rng.uniform(1, 300)),
                )
                for contact_id, conversation_id in conversations[1::FEEDBACK_EVERY]
                for kind in [rng.choice([FeedbackKind.COMPLAINT, FeedbackKind.COMPLAINT, FeedbackKind.COMPLIMENT])]
            ]
            ContactFeedback.all_workspaces.bulk_create(feedback)
        written += len(definitions) + len(objects) + len(feedback)
        say(
            f"  Customer profiles for {workspace.name}… {len(objects)} bookings or orders, "
            f"{len(feedback)} compliments and complaints"
        )
    return written

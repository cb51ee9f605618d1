"""Fetching a new customer's name and picture from their channel, once.

When an inbound message creates an identity on a channel whose provider
tells about its users (``profile.fetch_profile``: LINE, Messenger, Instagram,
Telegram, WeChat, X), a task asks for the profile through the hardened client.
The name fills the identity's and the contact's name where we had none; the
picture must be an image by its bytes, within the attachment size limit. A
transient failure is tried again later, up to ``MAX_ATTEMPTS``; after that, or
after success, ``profile_fetched_at`` is set and the identity is never asked
about again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from frontdesk.api.serializers import contact_out
from frontdesk.channels.base import MediaUnavailable, profile_fetcher_for
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.attachments import detect_content_type
from frontdesk.core.http_client import (
    BlockedDestination,
    HttpClient,
    HttpClientError,
    ResponseTooLarge,
    http_client,
)
from frontdesk.pipeline.events import publish

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
AVATAR_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


@dataclass(frozen=True)
class ProfileOutcome:
    result: str  # fetched, retry, gave_up, not_needed
    detail: str = ""


def wants_profiles(channel: Channel) -> bool:
    return profile_fetcher_for(channel) is not None


def queue_profile_fetches(channel: Channel, identity_ids: Iterable[int]) -> None:
    """After the current transaction commits, fetch these new identities' profiles (if the channel can)."""
    if not wants_profiles(channel):
        return
    from frontdesk.pipeline.tasks import enqueue_profile_fetch

    ids = list(identity_ids)
    if ids:
        enqueue_profile_fetch(ids)


def fetch_profiles(identity_ids: Iterable[int]) -> dict[int, ProfileOutcome]:
    """Fetch each identity's profile, through one client; what happened to each.

    The identities are read in one query and each channel once (its
    credentials are decrypted once per batch, not once per customer).
    """
    ids = list(identity_ids)
    identities = {identity.pk: identity for identity in Identity.all_workspaces.filter(pk__in=ids)}
    channels = Channel.all_workspaces.in_bulk({identity.channel_id for identity in identities.values()})
    outcomes: dict[int, ProfileOutcome] = {}
    with http_client(max_response_bytes=settings.FRONTDESK_MAX_ATTACHMENT_BYTES) as client:
        for identity_id in ids:
            identity = identities.get(identity_id)
            if identity is None or identity.profile_fetched_at is not None:
                outcomes[identity_id] = ProfileOutcome("not_needed")
                continue
            identity.channel = channels[identity.channel_id]
            outcomes[identity_id] = fetch_profile(identity, client)
    return outcomes


def fetch_profile(identity: Identity, client: HttpClient) -> ProfileOutcome:
    """Ask the identity's channel for its profile and keep what came; the caller skips identities already done."""
    fetcher = profile_fetcher_for(identity.channel)
    if fetcher is None:
        Identity.all_workspaces.filter(pk=identity.pk).update(profile_fetched_at=timezone.now())
        return ProfileOutcome("not_needed")
    try:
        profile = fetcher(identity.channel, identity.external_id, client)
    except MediaUnavailable as error:
        return _failed(identity, error.detail, retryable=error.retryable)
    except (BlockedDestination, ResponseTooLarge) as error:
        return _failed(identity, f"{type(error).__name__}: {error}", retryable=False)
    except HttpClientError as error:
        return _failed(identity, f"{type(error).__name__}: {error}", retryable=True)
    with transaction.atomic():
        locked = Identity.all_workspaces.select_for_update().get(pk=identity.pk)
        changed = ["profile_fetched_at", "profile_attempts"]
        locked.profile_fetched_at = timezone.now()
        locked.profile_attempts += 1
        name = profile.name.strip()[:200]
        if name and not locked.display_name:
            locked.display_name = name
            changed.append("display_name")
        avatar = profile.avatar
        if avatar is not None and avatar.content:
            content_type = detect_content_type(avatar.content, "avatar")
            if content_type in AVATAR_TYPES:
                locked.avatar.save("avatar", ContentFile(avatar.content), save=False)
                changed.append("avatar")
            else:
                logger.info("Profile picture of identity %s refused: %s", identity.pk, content_type)
        locked.save(update_fields=changed)
        if name and Contact.all_workspaces.filter(pk=identity.contact_id, name="").update(
            name=name, updated_at=timezone.now()
        ):
            # Search, the inbox and open sidebars learn the name as they would an agent's edit.
            contact = Contact.all_workspaces.get(pk=identity.contact_id)
            publish("contact.updated", contact.workspace_id, {"contact": contact_out(contact).model_dump(mode="json")})
    return ProfileOutcome("fetched")


def _failed(identity: Identity, detail: str, *, retryable: bool) -> ProfileOutcome:
    attempts = identity.profile_attempts + 1
    give_up = not retryable or attempts >= MAX_ATTEMPTS
    Identity.all_workspaces.filter(pk=identity.pk).update(
        profile_attempts=attempts, profile_fetched_at=timezone.now() if give_up else None
    )
    logger.info("Profile of identity %s not fetched (attempt %s): %s", identity.pk, attempts, detail)
    return ProfileOutcome("gave_up" if give_up else "retry", detail)

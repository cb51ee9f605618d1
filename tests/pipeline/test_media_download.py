"""Inbound files downloaded into attachment storage: Telegram and LINE from their (fake) APIs, API-channel URLs
through the guarded client; refusals recorded once, transient failures retried, nothing stored twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.line.setup import create_line_channel
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.setup import create_telegram_channel
from frontdesk.conversations.models import Attachment, Message
from frontdesk.core.models import Workspace
from frontdesk.pipeline import events
from frontdesk.pipeline.events import Event
from frontdesk.pipeline.media import MAX_ATTEMPTS
from frontdesk.pipeline.tasks import download_attachments
from tests.channels.webhooks import deliver, message_event
from tests.factories import make_conversation, make_message
from tests.fake_receiver import FakeReceiver, running_receiver

pytestmark = pytest.mark.django_db

BOT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


@pytest.fixture
def provider(settings: Any) -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
        yield receiver


@pytest.fixture
def published() -> Iterator[list[Event]]:
    heard: list[Event] = []
    events._subscribers["tests.listen"] = heard.extend
    yield heard
    del events._subscribers["tests.listen"]


def message_with(channel: Channel, *refs: str, filename: str = "") -> Message:
    conversation = make_conversation(channel.workspace, channel=channel)
    pending = [{"url": ref, "filename": filename, "content_type": ""} for ref in refs]
    return make_message(conversation, metadata={"pending_attachments": pending})


def refreshed(message: Message) -> Message:
    return Message.all_workspaces.get(pk=message.pk)


def queued_downloads() -> list[int]:
    rows = DBTaskResult.objects.filter(task_path=download_attachments.module_path).order_by("enqueued_at")
    return [row.args_kwargs["args"][0] for row in rows]


def telegram_channel(workspace: Workspace, provider: FakeReceiver) -> Channel:
    return create_telegram_channel(workspace, "Support bot", BOT_TOKEN, api_base_url=provider.url(""))


def line_channel(workspace: Workspace, provider: FakeReceiver) -> Channel:
    channel = create_line_channel(
        workspace, "LINE OA", "secret", "line-access-token", api_base_url="https://api.line.me"
    )
    channel.config["content_base_url"] = provider.url("")
    channel.save(update_fields=["config"])
    return channel


def test_a_telegram_file_is_found_with_get_file_and_stored_from_the_bot_api(
    workspace: Workspace, provider: FakeReceiver
) -> None:
    channel = telegram_channel(workspace, provider)
    message = message_with(channel, "telegram-file:AgACAgQ-1", filename="photo.jpg")
    provider.then(200, {"ok": True, "result": {"file_id": "AgACAgQ-1", "file_path": "photos/file_7.jpg"}})
    provider.then(200, PNG)

    download_attachments.call(message.pk)

    assert [request.path for request in provider.received] == [
        f"/bot{BOT_TOKEN}/getFile?file_id=AgACAgQ-1",
        f"/file/bot{BOT_TOKEN}/photos/file_7.jpg",
    ]
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert (attachment.filename, attachment.content_type, attachment.size) == ("photo.jpg", "image/png", len(PNG))
    assert attachment.file.read() == PNG
    metadata = refreshed(message).metadata
    assert "pending_attachments" not in metadata
    assert metadata["fetched_attachments"] == [
        {"url": "telegram-file:AgACAgQ-1", "filename": "photo.jpg", "content_type": "", "attachment_id": attachment.pk}
    ]


def test_a_line_file_is_downloaded_from_the_channels_data_host_with_its_token(
    workspace: Workspace, provider: FakeReceiver
) -> None:
    channel = line_channel(workspace, provider)
    message = message_with(channel, "line-content:468170000001")
    provider.then(200, PNG)

    download_attachments.call(message.pk)

    [request] = provider.received
    assert request.path == "/v2/bot/message/468170000001/content"
    assert request.headers["Authorization"] == "Bearer line-access-token"
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG


def test_running_the_download_twice_stores_the_file_once(workspace: Workspace, provider: FakeReceiver) -> None:
    message = message_with(line_channel(workspace, provider), "line-content:468170000002")

    provider.then(200, PNG, times=2)
    download_attachments.call(message.pk)
    download_attachments.call(message.pk)

    assert Attachment.all_workspaces.filter(message=message).count() == 1
    assert len(provider.received) == 1


def test_an_oversized_file_is_refused_and_recorded(workspace: Workspace, provider: FakeReceiver, settings: Any) -> None:
    settings.FRONTDESK_MAX_ATTACHMENT_BYTES = 100
    message = message_with(line_channel(workspace, provider), "line-content:468170000003")
    provider.then(200, PNG)

    download_attachments.call(message.pk)
    download_attachments.call(message.pk)

    assert Attachment.all_workspaces.filter(message=message).count() == 0
    metadata = refreshed(message).metadata
    assert "pending_attachments" not in metadata
    [failure] = metadata["failed_attachments"]
    assert failure["url"] == "line-content:468170000003" and failure["error"].startswith("too large")
    assert len(provider.received) == 1


def test_a_program_is_refused_whatever_its_name(workspace: Workspace, provider: FakeReceiver) -> None:
    channel = telegram_channel(workspace, provider)
    message = message_with(channel, "telegram-file:BQACAgQ-2", filename="invoice.pdf")
    provider.then(200, {"ok": True, "result": {"file_id": "BQACAgQ-2", "file_path": "documents/file_8.pdf"}})
    provider.then(200, ELF)

    download_attachments.call(message.pk)

    assert Attachment.all_workspaces.filter(message=message).count() == 0
    [failure] = refreshed(message).metadata["failed_attachments"]
    assert failure["error"].startswith("not allowed")


def test_a_file_the_provider_no_longer_has_is_recorded_not_retried(
    workspace: Workspace, provider: FakeReceiver
) -> None:
    message = message_with(line_channel(workspace, provider), "line-content:468170000004")
    provider.then(404, {"message": "Not found"})

    download_attachments.call(message.pk)

    [failure] = refreshed(message).metadata["failed_attachments"]
    assert failure["error"] == "LINE said 404"
    assert queued_downloads() == []


def test_a_transient_failure_is_retried_a_few_times_then_recorded(
    workspace: Workspace, provider: FakeReceiver, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    message = message_with(line_channel(workspace, provider), "line-content:468170000005")
    provider.then(503, b"", times=MAX_ATTEMPTS)

    for attempt in range(1, MAX_ATTEMPTS):
        with django_capture_on_commit_callbacks(execute=True):
            download_attachments.call(message.pk)
        assert refreshed(message).metadata["pending_attachments"][0]["attempts"] == attempt
        assert queued_downloads() == [message.pk] * attempt
    download_attachments.call(message.pk)

    metadata = refreshed(message).metadata
    assert "pending_attachments" not in metadata
    assert metadata["failed_attachments"][0]["error"] == "LINE said 503"


def test_an_api_channel_url_to_a_private_address_is_never_fetched(workspace: Workspace, settings: Any) -> None:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = []
    message = message_with(create_api_channel(workspace, "Shop backend"), "http://127.0.0.1:1/x")

    download_attachments.call(message.pk)

    assert Attachment.all_workspaces.filter(message=message).count() == 0
    [failure] = refreshed(message).metadata["failed_attachments"]
    assert failure["error"].startswith("not allowed") and "loopback" in failure["error"]


def test_an_api_channel_url_is_downloaded_through_the_guarded_client(
    workspace: Workspace, provider: FakeReceiver
) -> None:
    message = message_with(create_api_channel(workspace, "Shop backend"), provider.url("/files/scan.png"))
    provider.then(200, PNG)

    download_attachments.call(message.pk)

    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.filename == "attachment" and attachment.content_type == "image/png"


def test_agents_hear_of_the_stored_attachment(
    workspace: Workspace,
    provider: FakeReceiver,
    published: list[Event],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = message_with(line_channel(workspace, provider), "line-content:468170000006", filename="menu.png")
    provider.then(200, PNG)

    with django_capture_on_commit_callbacks(execute=True):
        download_attachments.call(message.pk)

    [event] = [event for event in published if event.type == "message.updated"]
    assert event.payload["message"]["id"] == message.pk
    assert [item["filename"] for item in event.payload["message"]["attachments"]] == ["menu.png"]


def test_only_a_message_with_files_queues_a_download(
    client: Client, workspace: Workspace, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    channel = create_api_channel(workspace, "Shop backend")
    attachment = {
        "url": "https://files.example.com/scan.pdf",
        "filename": "scan.pdf",
        "content_type": "application/pdf",
    }
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, [message_event(text="no files")])
        deliver(client, channel, [message_event(text="", attachments=[attachment])])

    [with_file] = Message.in_workspace(workspace.pk).filter(text="")
    assert queued_downloads() == [with_file.pk]
    assert with_file.metadata["pending_attachments"] == [attachment]

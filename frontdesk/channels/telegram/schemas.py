"""The parts of a Telegram Bot API ``Update`` that Frontdesk reads (https://core.telegram.org/bots/api#update).

Only what becomes a message is modelled; unknown fields and update kinds are
ignored, as Telegram adds new ones often.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class TelegramObject(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class User(TelegramObject):
    id: int
    first_name: str = ""
    last_name: str = ""
    username: str = ""


class Chat(TelegramObject):
    id: int
    type: str = "private"
    title: str = ""
    first_name: str = ""
    last_name: str = ""


class PhotoSize(TelegramObject):
    file_id: Annotated[str, Field(min_length=1, max_length=255)]
    width: int = 0
    height: int = 0
    file_size: int = 0


class Document(TelegramObject):
    file_id: Annotated[str, Field(min_length=1, max_length=255)]
    file_name: str = ""
    mime_type: str = ""


class Voice(TelegramObject):
    file_id: Annotated[str, Field(min_length=1, max_length=255)]
    duration: int = 0
    mime_type: str = ""


class MediaFile(TelegramObject):
    """A video, audio file, round video note or animation: a file with an optional name and type."""

    file_id: Annotated[str, Field(min_length=1, max_length=255)]
    file_name: str = ""
    mime_type: str = ""


class Sticker(TelegramObject):
    file_id: Annotated[str, Field(min_length=1, max_length=255)]
    emoji: str = ""
    set_name: str = ""


class Location(TelegramObject):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]


class Venue(TelegramObject):
    location: Location
    title: str = ""
    address: str = ""


class Contact(TelegramObject):
    phone_number: str = ""
    first_name: str = ""
    last_name: str = ""
    user_id: int | None = None


class InlineKeyboardButton(TelegramObject):
    text: str = ""
    callback_data: str = ""


class InlineKeyboardMarkup(TelegramObject):
    inline_keyboard: list[list[InlineKeyboardButton]] = []


class ReplyToMessage(TelegramObject):
    message_id: int


class Message(TelegramObject):
    message_id: int
    date: int = 0
    chat: Chat
    sender: User | None = Field(default=None, alias="from")
    text: str = ""
    caption: str = ""
    photo: list[PhotoSize] = []
    document: Document | None = None
    voice: Voice | None = None
    video: MediaFile | None = None
    audio: MediaFile | None = None
    video_note: MediaFile | None = None
    animation: MediaFile | None = None
    sticker: Sticker | None = None
    location: Location | None = None
    venue: Venue | None = None
    contact: Contact | None = None
    reply_to_message: ReplyToMessage | None = None
    reply_markup: InlineKeyboardMarkup | None = None


class CallbackQuery(TelegramObject):
    id: Annotated[str, Field(min_length=1, max_length=255)]
    sender: User = Field(alias="from")
    # Absent when the button was on an inline-mode message; "date" 0 when the message is too old to see.
    message: Message | None = None
    data: str = ""


class Update(TelegramObject):
    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
    callback_query: CallbackQuery | None = None

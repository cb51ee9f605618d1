"""The widget's words in every language Frontdesk speaks, from Django's catalog, sent inside the script."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

STRINGS = {
    "title": _("Chat with us"),
    "open": _("Open chat"),
    "close": _("Close chat"),
    "placeholder": _("Type your message…"),
    "send": _("Send"),
    "attach": _("Attach a file"),
    "agentTyping": _("An agent is typing…"),
    "you": _("You"),
    "agent": _("Agent"),
    "sending": _("Sending…"),
    "reconnecting": _("Reconnecting…"),
    "offlineTitle": _("We are away right now"),
    "offlineIntro": _("Leave your email and message, and we will reply as soon as we are back."),
    "email": _("Email"),
    "name": _("Your name"),
    "message": _("Message"),
    "offlineSend": _("Send message"),
    "offlineThanks": _("Thank you. We will reply by email."),
    "identityRefused": _("We could not confirm your sign-in, so you are chatting as a guest."),
    "suggestions": _("These answers may help:"),
    "callMe": _("Call me"),
    "phone": _("Phone number"),
    "callRequest": _("Request a call"),
    "callThanks": _("Thank you. We will call you shortly."),
    "tooLarge": _("This file is too large."),
    "failed": _("Could not send. Please try again."),
    "tooMany": _("Too many messages. Please wait a moment."),
    "emailInvalid": _("Please enter a valid email address."),
}


def catalog() -> dict[str, dict[str, str]]:
    """``{language code: {key: text}}`` for every language of the product."""
    result = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            result[code] = {key: str(text) for key, text in STRINGS.items()}
    return result

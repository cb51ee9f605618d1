"""Suggested answers the widget shows while a customer types their first message: a hook, empty by default.

A provider is a function ``(channel, query, language) -> list[Suggestion]``.
Register one in code with ``register_suggestion_provider`` (the help centre
does, in its ``AppConfig.ready``), or name it by dotted path in the setting
``FRONTDESK_WIDGET_SUGGESTION_PROVIDERS``. Results of every provider are
joined, at most ``MAX_RESULTS``; only http(s) links are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from frontdesk.channels.models import Channel

logger = logging.getLogger(__name__)

MAX_RESULTS = 5


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str


SuggestionProvider = Callable[[Channel, str, str], list[Suggestion]]
_providers: list[SuggestionProvider] = []


def register_suggestion_provider(provider: SuggestionProvider) -> SuggestionProvider:
    """Add ``provider`` (usable as a decorator); registering the same function twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_suggestion_provider(provider: SuggestionProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def providers() -> list[SuggestionProvider]:
    named = [import_string(path) for path in getattr(settings, "FRONTDESK_WIDGET_SUGGESTION_PROVIDERS", [])]
    return [*_providers, *named]


def suggestions(channel: Channel, query: str, language: str) -> list[Suggestion]:
    """What the providers suggest for ``query``; a provider that fails is logged and skipped."""
    found: list[Suggestion] = []
    for provider in providers():
        try:
            results = provider(channel, query, language)
        except Exception:
            logger.exception("Widget suggestion provider %r failed", provider)
            continue
        for item in results:
            if urlsplit(item.url).scheme in ("http", "https") and item.title.strip():
                found.append(item)
    return found[:MAX_RESULTS]

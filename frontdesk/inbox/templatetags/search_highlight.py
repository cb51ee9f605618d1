"""{% highlight text query %}: search results with the matched words marked, safely escaped."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from frontdesk.inbox.search import highlight as highlight_text

register = template.Library()


@register.simple_tag(name="highlight")
def highlight(text: Any, query: str) -> SafeString:
    return highlight_text(str(text or ""), query)

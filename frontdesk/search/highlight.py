"""Highlighting: the ORIGINAL text, escaped, with what a query matched inside <mark>, whatever the script.

Matching happens on the normal form (frontdesk.text.normalise: full-width folded, casefolded, Simplified),
where the query's terms live; every character of the normal form remembers which character of the original
it came from, so a match on 机票 marks the customer's own 機票. OpenCC keeps length almost always; where a
phrase changes length, its characters are mapped across its span.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from frontdesk.search.terms import clean
from frontdesk.text.normalise import to_simplified
from frontdesk.text.segment import _TOKEN, stem

SNIPPET_CONTEXT = 60
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_SPACE = re.compile(r"\s+")
_PARTS = re.compile(r"[^-._]+")


def _normal_form(text: str) -> tuple[str, list[int]]:
    """``text`` in normal form (without collapsing spaces), and for each of its characters the original's index."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        folded = unicodedata.normalize("NFKC", character).casefold()
        pieces.append(folded)
        origin.extend([index] * len(folded))
    folded = "".join(pieces)
    simplified = to_simplified(folded)
    if len(simplified) == len(folded):
        return simplified, origin
    # A phrase changed length somewhere: convert run by run and spread each changed run over its span.
    result: list[str] = []
    mapped: list[int] = []
    position = 0
    for run in _HAN_RUN.finditer(folded):
        result.append(folded[position : run.start()])
        mapped.extend(origin[position : run.start()])
        converted = to_simplified(run.group())
        span = run.end() - run.start()
        result.append(converted)
        mapped.extend(
            origin[run.start() + (offset * span) // max(1, len(converted))] for offset in range(len(converted))
        )
        position = run.end()
    result.append(folded[position:])
    mapped.extend(origin[position:])
    return "".join(result), mapped


@functools.lru_cache(maxsize=65_536)
def _stemmed(word: str) -> str:
    # Snowball in pure Python costs ~0.3 ms a word; snippets repeat the same words.
    return clean(stem(word) if word.isascii() else word)


def _word_matches(part: str, terms: Sequence[str], prefix: str) -> bool:
    if _has_digit(part):
        cleaned = clean(part)
        return cleaned in terms or (bool(prefix) and cleaned.startswith(prefix))
    cleaned = _stemmed(part)
    return cleaned in terms or (bool(prefix) and (cleaned.startswith(prefix) or clean(part).startswith(prefix)))


def _has_digit(text: str) -> bool:
    return any(character.isdigit() for character in text)


def matches(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where ``terms`` (query terms; the last also as a prefix) occur in ``text``: sorted, merged (start, end)."""
    if not text or not terms:
        return []
    normal, origin = _normal_form(text)
    prefix = terms[-1]
    han_terms = [term for term in terms if not term.isascii() and not _has_digit(term)]
    digit_terms = [term for term in terms if term.isdigit()]
    spans: list[tuple[int, int]] = []
    for token in _TOKEN.finditer(normal):
        if token.group("han") is not None:
            run = token.group()
            for term in han_terms:
                start = run.find(term)
                while start >= 0:
                    spans.append((token.start() + start, token.start() + start + len(term)))
                    start = run.find(term, start + len(term))
            continue
        word = token.group()
        if _has_digit(word):
            if _word_matches(word, terms, prefix):
                spans.append((token.start(), token.end()))
            elif word.isdigit():
                for term in digit_terms:
                    found = word.find(term)
                    if found >= 0:
                        spans.append((token.start() + found, token.start() + found + len(term)))
            continue
        parts = _PARTS.finditer(word) if word.isascii() else [re.match(r".+", word, re.S)]
        for part in parts:
            if part is not None and _word_matches(part.group(), terms, prefix):
                spans.append((token.start() + part.start(), token.start() + part.end()))
    original = [(origin[start], origin[end - 1] + 1) for start, end in spans if end > start]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(original):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> str:
    html: list[str] = []
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        html.append(_escaped(text[position:span_start]))
        html.append("<mark>" + _escaped(text[span_start:span_end]) + "</mark>")
        position = span_end
    html.append(_escaped(text[position:end]))
    return "".join(html)


def _escaped(piece: str) -> str:
    return str(escape(_SPACE.sub(" ", piece)))


def highlight(text: str, terms: Sequence[str]) -> SafeString:
    """All of ``text``, escaped, every match marked."""
    return mark_safe(_marked(text, matches(text, terms), 0, len(text)).strip())  # noqa: S308 - escaped piece by piece


def snippet(text: str, terms: Sequence[str], context: int = SNIPPET_CONTEXT) -> SafeString:
    """The part of ``text`` around its first match (or its start), escaped and marked, with … where cut."""
    spans = matches(text, terms)
    if spans:
        start = max(0, spans[0][0] - context)
        end = min(len(text), spans[0][1] + context)
    else:
        start, end = 0, min(len(text), context * 2)
    html = _marked(text, spans, start, end).strip()
    return mark_safe(("…" if start > 0 else "") + html + ("…" if end < len(text) else ""))  # noqa: S308 - escaped

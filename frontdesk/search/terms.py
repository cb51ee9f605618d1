"""The terms a thing is indexed by and a query asks for: `frontdesk.text.search_terms`, made safe for the index.

Both databases' tokenisers see only letters and digits in a term, so each term stays one token there:
PostgreSQL's parser would otherwise split ``hs-20931`` three ways and SQLite's would split it in two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from frontdesk.text import normalise, search_terms

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# A contact's name is also indexed character by character, so 大文 finds 陳大文 (jieba keeps the name whole).
# The marker keeps these apart from words: a real term never has a Latin letter next to a Han character.
CHARACTER_MARKER = "x"
# Phone numbers are indexed by every ending of four digits or more, so 9123 finds +852 9123 4567.
PHONE_SUFFIX = 4
_DIGITS = re.compile(r"\d")


def clean(term: str) -> str:
    return _NOT_LETTER_OR_DIGIT.sub("", term)


def index_terms(text: str) -> list[str]:
    """The terms of ``text`` in order, repeats kept (repeats count in ranking)."""
    return [cleaned for term in search_terms(text) if (cleaned := clean(term))]


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, in the order written; of a Chinese word and the shorter words jieba also
    finds inside it (貴賓室: 贵宾室 and 贵宾), only the longest.

    A text holding the longer word is indexed with its parts too, so asking for the parts as well finds
    nothing more; and the database would take the parts for independent words, underestimate how many
    texts hold them all, and choose a slow plan.
    """
    terms = list(dict.fromkeys(index_terms(query)))
    chinese = [term for term in terms if _HAN.match(term)]
    return [term for term in terms if not any(term != other and term in other for other in chinese)]


def characters(text: str) -> list[str]:
    """The Han characters of ``text`` (after normalising, so 陳 and 陈 are one), each with the marker."""
    return [CHARACTER_MARKER + character for character in dict.fromkeys(_HAN.findall(normalise(text)))]


def phone_terms(phone: str) -> list[str]:
    digits = "".join(_DIGITS.findall(phone))
    return [digits[start:] for start in range(0, max(0, len(digits) - PHONE_SUFFIX + 1))]


def joined(parts: Iterable[Iterable[str]]) -> str:
    return " ".join(term for part in parts for term in part)

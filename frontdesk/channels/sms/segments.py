"""How many SMS a text costs: GSM-7 when every character is in the GSM 03.38 alphabet, UCS-2 otherwise.

One SMS carries 140 bytes: 160 GSM-7 septets or 70 UCS-2 code units. A longer
text is split into parts that each lose room to the concatenation header
(User Data Header): 153 septets or 67 code units per part. A character of the
GSM extension table (``^ { } \\ [ ~ ] | €`` and form feed) costs two septets,
an escape and the character, and the pair is never split between parts;
likewise a character outside the Basic Multilingual Plane (most emoji) is a
UTF-16 surrogate pair, two code units that stay in one part. Carriers and
Twilio count the same way (https://www.twilio.com/docs/glossary/what-sms-character-limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_GSM7 = 160
PART_GSM7 = 153
SINGLE_UCS2 = 70
PART_UCS2 = 67

type Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentCount:
    """What ``text`` costs: its encoding, the number of SMS parts, and its length in that encoding's units.

    ``characters`` counts as the network does: septets for GSM-7 (an extension
    character is two), UTF-16 code units for UCS-2 (an emoji outside the BMP is two).
    """

    encoding: Encoding
    segments: int
    characters: int


def is_gsm7(text: str) -> bool:
    return all(character in GSM7_BASIC or character in GSM7_EXTENSION for character in text)


def _units(text: str, encoding: Encoding) -> list[int]:
    """The cost of each character in ``encoding``'s units; a character's units are never split."""
    if encoding == "GSM-7":
        return [2 if character in GSM7_EXTENSION else 1 for character in text]
    return [2 if ord(character) > 0xFFFF else 1 for character in text]


def count_segments(text: str) -> SegmentCount:
    """The encoding, the number of SMS parts and the length in units of ``text`` (0 parts when empty)."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    units = _units(text, encoding)
    total = sum(units)
    single, part = (SINGLE_GSM7, PART_GSM7) if encoding == "GSM-7" else (SINGLE_UCS2, PART_UCS2)
    if total == 0:
        return SegmentCount(encoding, 0, 0)
    if total <= single:
        return SegmentCount(encoding, 1, total)
    # Fill parts greedily: a two-unit character that does not fit starts the next part.
    segments, used = 1, 0
    for cost in units:
        if used + cost > part:
            segments += 1
            used = 0
        used += cost
    return SegmentCount(encoding, segments, total)

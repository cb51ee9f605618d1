"""One normal form of a text for comparison and indexing: 機票 and 机票, full- and half-width CX880 compare equal."""

import functools
import json
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import opencc  # type: ignore[import-untyped]

_WHITESPACE = re.compile(r"\s+")

# OpenCC ships one configuration per region (hk2s, tw2s…); each undoes only its own region's variant characters
# (hk2s leaves Taiwan's 著急, tw2s leaves Hong Kong's 衞生). Ours chains both regions' phrase and variant
# dictionaries before the Traditional → Simplified step, so a message from either region meets the mainland form,
# phrases included (軟體 → 软件, 滑鼠 → 鼠标).
_REGIONAL_DICTIONARIES = (
    "HKPhrasesRev.ocd2",
    "TWPhrasesRev.ocd2",
    "HKVariantsRevPhrases.ocd2",
    "TWVariantsRevPhrases.ocd2",
    "HKVariantsRev.ocd2",
    "TWVariantsRev.ocd2",
)
_SIMPLIFYING_DICTIONARIES = ("TSPhrases.ocd2", "TSCharactersExt.ocd2", "TSCharacters.ocd2")


def _dictionary(name: str, share: Path) -> dict[str, object]:
    entry: dict[str, object] = {"type": "ocd2", "file": str(share / name)}
    if name == "TSCharactersExt.ocd2":
        entry["may_output_tofu"] = True
    return entry


def _group(names: tuple[str, ...], share: Path) -> dict[str, object]:
    dicts = [_dictionary(name, share) for name in names]
    return {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": dicts}}


@functools.cache
def _converter() -> opencc.OpenCC:
    share = Path(opencc._opencc_share_dir)
    config = {
        "name": "Frontdesk: Traditional (Hong Kong and Taiwan) to Simplified, with phrases",
        "normalization": [{"dict": _dictionary("CJK_Compatibility_Ideographs.ocd2", share)}],
        "segmentation": {"type": "mmseg", "dict": _dictionary("TSPhrases.ocd2", share)},
        "conversion_chain": [
            _group(_REGIONAL_DICTIONARIES, share),
            _group(_SIMPLIFYING_DICTIONARIES, share),
        ],
    }
    # OpenCC reads a configuration only from a file, and loads every dictionary when it is built,
    # so the file lives in a private directory just for that moment.
    directory = Path(tempfile.mkdtemp(prefix="frontdesk-opencc-"))
    try:
        path = directory / "frontdesk.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        return opencc.OpenCC(str(path))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def to_simplified(text: str) -> str:
    """Text with Traditional Chinese (Hong Kong, Taiwan or OpenCC standard) turned into Simplified; the rest kept."""
    if not text:
        return text
    return str(_converter().convert(text))


@functools.cache
def _to_traditional(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def traditional_forms(text: str) -> list[str]:
    """Simplified ``text`` written in Hong Kong, Taiwan and OpenCC standard Traditional, in that order (repeats
    kept): the ways a word may be stored by people who write Traditional."""
    return [str(_to_traditional(config).convert(text)) for config in ("s2hk", "s2tw", "s2t")]


def normalise(text: str) -> str:
    """The comparison form of `text`: NFKC (full-width → half-width), casefolded, Simplified Chinese, whitespace
    collapsed to single spaces and trimmed. Idempotent; never shown to anyone."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE.sub(" ", to_simplified(folded)).strip()

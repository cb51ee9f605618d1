"""Search terms of a text: Chinese words by jieba after OpenCC, English words stemmed, codes and numbers whole.

A query and a document go through the same function, so 機票 finds 机票 and "refunds" finds "refund".
"""

import functools
import logging
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import jieba  # type: ignore[import-untyped]
import snowballstemmer  # type: ignore[import-untyped]

from frontdesk.text.normalise import normalise

# Words customer service cares about that jieba's general dictionary would split or miss.
# Written in any script: they are normalised like everything else before jieba sees them.
DOMAIN_WORDS = (
    "航班",
    "退款",
    "行李",
    "改签",
    "登机证",
    "登机牌",
    "订单号",
    "退货",
    "换货",
    "优惠码",
    "会员卡",
    "客服",
)

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Runs of Han characters, and words of letters and digits joined by - . _ ' (CX880, HS-20931, 3.5, don't).
_TOKEN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W{_HAN}]+(?:[-._'][^\W_{_HAN}]+)*)")
_DIGIT = re.compile(r"\d")

_cache_dir: Path | None = None
_lock = threading.Lock()
_stemmer_local = threading.local()


def set_cache_dir(path: Path) -> None:
    """Where jieba keeps its prefix-dictionary cache (built once, then loaded in ~0.1 s by later processes).

    Call before the first segmentation; by default it is Django's VAR_DIR/cache when settings are configured,
    else the system's temporary directory."""
    global _cache_dir
    _cache_dir = path


def _default_cache_dir() -> Path:
    from django.conf import settings

    if settings.configured and getattr(settings, "VAR_DIR", None):
        return Path(settings.VAR_DIR) / "cache"
    return Path(tempfile.gettempdir())


@functools.cache
def _tokenizer() -> jieba.Tokenizer:
    # jieba logs its dictionary loading at DEBUG to its own stderr handler.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache_dir = _cache_dir or _default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    add_words(DOMAIN_WORDS, tokenizer)
    return tokenizer


def add_words(words: Iterable[str], tokenizer: jieba.Tokenizer | None = None) -> None:
    """Teach the segmenter words it should keep whole (product names, place names, domain terms)."""
    target = tokenizer or _tokenizer()
    with _lock:
        for word in words:
            target.add_word(normalise(word))


def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lower-case word: refunds → refund, cancelled → cancel."""
    stemmer = getattr(_stemmer_local, "stemmer", None)
    if stemmer is None:
        # snowballstemmer's stemmers keep state while they work: one per thread.
        stemmer = _stemmer_local.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def terms_of_normalised(text: str) -> Iterator[str]:
    """Search terms of text already passed through `normalise`."""
    for match in _TOKEN.finditer(text):
        han = match.group("han")
        if han is not None:
            yield from (term for term in _tokenizer().cut_for_search(han, HMM=True) if term.strip())
            continue
        word = match.group("word")
        if _DIGIT.search(word):
            yield word  # an order number, a flight, a price: kept whole
        elif word.isascii():
            yield from (stem(part) for part in re.split(r"[-._]", word) if part)
        else:
            yield word


def search_terms(text: str) -> list[str]:
    """Index and query terms of `text`, in order, repeats kept: Chinese segmented for search (jieba's
    cut_for_search, so 中华人民共和国 also yields 中华, 人民…), English lower-cased and Snowball-stemmed,
    numbers and codes (cx880, hs-20931) whole, punctuation and emoji dropped."""
    return list(terms_of_normalised(normalise(text)))

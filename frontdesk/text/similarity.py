"""Near-duplicate texts: shingles, MinHash signatures that can be stored, and an LSH index to find them fast.

The same complaint in Traditional or Simplified Chinese, or with full-width digits, gets the same signature,
because shingles are taken from the normalised text. Chinese is compared by words (jieba), not by character
n-grams: on the generated evaluation set (bench/evaluation_set.py, development split) one complaint written
in Hong Kong Cantonese and in Taiwan or mainland Mandarin shares few character trigrams, and words with
Cantonese function words mapped to Mandarin and greetings, sign-offs and particles dropped separated
duplicates best (bench/README.md, "Understanding", has the comparison).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    # Imported when first used: datasketch pulls in scipy, a second or more of every process's start-up.
    from datasketch import MinHash  # type: ignore[import-untyped]

from frontdesk.text.normalise import normalise
from frontdesk.text.segment import _tokenizer, stem, terms_of_normalised

NUM_PERM = 128
# Fixed, so a signature computed by one process compares with one stored by another.
SEED = 7
# datasketch 2.0's default: 32-bit values, permuted without collisions; named so stored signatures stay readable.
SCHEME = "affine32"
SIGNATURE_BYTES = NUM_PERM * 4

# English words that say nothing about the problem; without them "my flight was cancelled" and
# "flight cancelled" share every word.
_STOP_WORD_LIST = """
a an the and or but if of to in on at by for from with about as into than then so too very
i me my mine we us our you your he him his she her it its they them their this that these those
is am are was were be been being do does did have has had will would shall should can could may might must
not no yes please pls thanks thank hi hello hey dear sir madam ok okay just still also get got want need
regards kind best sincerely tel mobile can could would help
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())
# Shingles are stemmed words ("please" is "pleas"), so both forms are left out.
_STOP_TERMS = STOP_WORDS | {stem(word) for word in STOP_WORDS}

# Chinese words that say nothing about the problem, in Simplified (the normal form): particles, pronouns,
# greetings, sign-offs and the politeness of customer messages (麻烦 请 谢谢 敬启者 此致 敬礼…).
_CHINESE_STOP_WORD_LIST = """
的 了 是 在 我 你 他 她 它 们 我们 你们 他们 吗 呢 吧 啊 呀 嘛 啦 喔 哦 么 就 都 也 还 很 和 与 及 跟 同
有 不 没 没有 这 那 个 一 到 把 被 给 让 说 要 想 会 能 可 可以 请 请问 麻烦 帮 帮忙 帮手 谢谢 感谢 多谢
你好 您好 您 哈啰 客服 人员 客户服务 部 尊敬 敬启者 此致 敬礼 顺祝 商祺 敬祝 顺心 期待 回复 静候 电话
手机 打扰 一下 不好意思 好 什么 怎么 为什么 时候 这么 那么 些 得 地 着 过 又 再 才 先 已经 已 还是 但是
但 可是 却 如果 因为 所以 然后 或者 或 需要 我想 想问 想知 知道 问 一直 刚 刚刚 刚才 现在 今天 月 日 号
下 系 吓 啲 嗰 咁 呢度 嗰度
"""
CHINESE_STOP_WORDS = frozenset(_CHINESE_STOP_WORD_LIST.split())
# Hong Kong Cantonese words and their Mandarin counterparts, so 冇 and 没有 are one shingle (normal form:
# Simplified). Longer words first; single characters that are only Cantonese.
_CANTONESE = (
    ("唔该", "谢谢"),
    ("几时", "什么时候"),
    ("点样", "怎么"),
    ("点解", "为什么"),
    ("而家", "现在"),
    ("边度", "哪里"),
    ("同埋", "和"),
    ("咗", "了"),
    ("嘅", "的"),
    ("唔", "不"),
    ("冇", "没有"),
    ("喺", "在"),
    ("佢", "他"),
    ("哋", "们"),
    ("嘢", "东西"),
    ("俾", "给"),
    ("畀", "给"),
    ("睇", "看"),
    ("揾", "找"),
    ("攞", "拿"),
    ("嚟", "来"),
    ("乜", "什么"),
    ("咩", "什么"),
)
# A flight or product code written with a space (CX 880) is the same code as CX880.
_SPACED_CODE = re.compile(r"(?<![a-z0-9])([a-z]{2}) (\d{2,4})(?![0-9])")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[a-z]")
# Identifiers (a code with letters and digits, or a number of 5 digits or more: flight CX880, order 123456,
# member 12345678) get extra shingles, together this share of the text's own: one problem is the same
# identifiers in other words, and an identifier would be one shingle among a dozen words otherwise. A share,
# not a fixed count, so a short text is not all identifier. Chosen on the development split.
IDENTIFIER_SHARE = 0.75
# Only the beginning of a text is compared: what a message is about is said first (a long email goes on with
# quoted mail and signatures), and segmenting 100,000 characters of Chinese would take seconds.
COMPARED_CHARACTERS = 5000

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_HAN_RUN = re.compile(_HAN.pattern + "+")
_BATCH = 2048


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    # datasketch draws the permutations from the seed on every MinHash(): once per process is enough.
    permutations: tuple[np.ndarray, np.ndarray] = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return permutations


def _empty_minhash(hashvalues: np.ndarray | None = None) -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=hashvalues, permutations=_permutations(), scheme=SCHEME)


def _is_identifier(term: str) -> bool:
    return bool(_DIGIT.search(term)) and (bool(_LETTER.search(term)) or len(term) >= 5)


def comparison_text(text: str) -> str:
    """The text as it is compared: normalised (Simplified, half-width, lower case), codes written without their
    space (CX 880 is CX880), Hong Kong Cantonese words in their Mandarin form."""
    normalised = _SPACED_CODE.sub(
        lambda match: match.group(0) if match.group(1) in STOP_WORDS else match.group(1) + match.group(2),
        normalise(text),
    )
    for cantonese, mandarin in _CANTONESE:
        normalised = normalised.replace(cantonese, mandarin)
    return normalised


def _latin_terms(comparable: str) -> Iterable[str]:
    """The stemmed Latin-script words, codes and long numbers of a comparison text, without stop words."""
    for term in terms_of_normalised(_HAN.sub(" ", comparable)):
        if term not in _STOP_TERMS and not (term.isdigit() and len(term) < 5):
            yield term


def identifiers(text: str) -> frozenset[str]:
    """The codes and long numbers a text names (flight CX880, order 123456), in their compared form: what makes
    one customer's problem another's, however it is worded."""
    comparable = comparison_text(text[:COMPARED_CHARACTERS])
    return frozenset(term for term in _latin_terms(comparable) if _is_identifier(term))


def shingles(text: str, n: int = 0) -> set[str]:
    """The features compared between texts, from the normalised text with Hong Kong Cantonese words in their
    Mandarin form: the Chinese words (jieba), the Latin-script words stemmed, and codes and numbers whole;
    stop words (particles, greetings, sign-offs, politeness) and bare numbers under 5 digits (dates, times,
    amounts, parts of a phone number) left out. Identifiers (CX880, 123456) add shingles of their own, together
    IDENTIFIER_SHARE of the others, so sharing them counts more. Only the first COMPARED_CHARACTERS count.
    `n` > 0 adds the character n-grams of the Chinese text (the first design, n=3; bench/understanding.py
    compares them). Empty for text with no words."""
    comparable = comparison_text(text[:COMPARED_CHARACTERS])
    found: set[str] = set()
    tokenizer = _tokenizer()
    for run in _HAN_RUN.findall(comparable):
        words = [word for word in tokenizer.cut(run, HMM=True) if word not in CHINESE_STOP_WORDS]
        found.update(words)
        if n > 0:
            content = "".join(words)
            if 0 < len(content) <= n:
                found.add("#" + content)
            found.update("#" + content[i : i + n] for i in range(len(content) - n + 1))
    identifiers = []
    for term in _latin_terms(comparable):
        found.add(term)
        if _is_identifier(term):
            identifiers.append(term)
    if identifiers:
        copies = max(1, round(IDENTIFIER_SHARE * len(found) / len(set(identifiers))))
        for term in set(identifiers):
            found.update(f"{term}\x00{copy}" for copy in range(copies))
    return found


def signature_of_shingles(features: Iterable[str]) -> MinHash:
    """A MinHash over already computed shingles."""
    minhash = _empty_minhash()
    batch: list[bytes] = []
    for feature in features:
        batch.append(feature.encode("utf-8"))
        if len(batch) == _BATCH:
            minhash.update_batch(batch)
            batch.clear()
    if batch:
        minhash.update_batch(batch)
    return minhash


def signature(text: str, n: int = 0) -> MinHash:
    """The MinHash (128 permutations, fixed seed) of `text`'s shingles; stable across processes."""
    return signature_of_shingles(shingles(text, n))


def is_empty(minhash: MinHash) -> bool:
    """True for the signature of a text with nothing to compare (empty, emoji, punctuation)."""
    return bool(minhash.is_empty())


def to_bytes(minhash: MinHash) -> bytes:
    """512 bytes to store a signature (128 little-endian 32-bit hash values)."""
    return bytes(np.asarray(minhash.hashvalues, dtype="<u4").tobytes())


def from_bytes(data: bytes) -> MinHash:
    """The signature stored by `to_bytes`."""
    if len(data) != SIGNATURE_BYTES:
        raise ValueError(f"a stored signature is {SIGNATURE_BYTES} bytes, not {len(data)}")
    return _empty_minhash(np.frombuffer(data, dtype="<u4").astype(np.uint32))


def similarity(a: str | MinHash, b: str | MinHash) -> float:
    """Estimated Jaccard similarity of two texts or signatures, 0.0 to 1.0; 0.0 when either has nothing to compare."""
    first = signature(a) if isinstance(a, str) else a
    second = signature(b) if isinstance(b, str) else b
    if is_empty(first) or is_empty(second):
        return 0.0
    return float(first.jaccard(second))


class DuplicateIndex[K: Hashable]:
    """Keys of stored signatures, found by a signature that is probably at least `threshold` similar (MinHash LSH,
    in memory). Check candidates with `similarity` if exactness matters: LSH has some false positives."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)

    def __len__(self) -> int:
        return len(self._lsh.keys)

    def __contains__(self, key: K) -> bool:
        return bool(key in self._lsh)

    def insert(self, key: K, minhash: MinHash) -> None:
        """Store `minhash` under `key`, replacing what was stored under it. Empty signatures are not stored."""
        self.remove(key)
        if not is_empty(minhash):
            self._lsh.insert(key, minhash)

    def query(self, minhash: MinHash) -> list[K]:
        """Keys whose signatures are probably similar to `minhash`; none for an empty signature."""
        if is_empty(minhash):
            return []
        return list(self._lsh.query(minhash))

    def remove(self, key: K) -> None:
        """Forget `key`; nothing happens if it is not stored."""
        if key in self._lsh:
            self._lsh.remove(key)


LSH_BANDS = 48
LSH_ROWS = 2


def band_keys(minhash: MinHash) -> list[int]:
    """The signature's LSH band keys, for an index kept in the database: one signed 64-bit integer per band
    (48 bands of 2 values, the first 96 of the 128), so texts 0.29 similar (the duplicate threshold) share a key
    with probability 0.985, 0.2 similar 0.86, 0.05 similar 0.11. Two signatures that share any key are
    candidates, to be checked with `similarity`. None for an empty signature."""
    if is_empty(minhash):
        return []
    values = np.asarray(minhash.hashvalues, dtype="<u4")[: LSH_BANDS * LSH_ROWS].reshape(LSH_BANDS, LSH_ROWS)
    keys = []
    for band, rows in enumerate(values):
        digest = hashlib.blake2b(rows.tobytes(), digest_size=8, person=band.to_bytes(2, "little") + b"fdlsh").digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


# Chosen on the development split of the generated evaluation set (bench/understanding.py): the duplicate
# threshold with the best min(precision, recall) over labelled pairs, the group threshold with the best adjusted
# Rand index of the incidents the real ingest path forms. Held-out figures are in bench/README.md.
DUPLICATE_THRESHOLD = 0.29
GROUP_THRESHOLD = 0.33


def is_duplicate(a: str | MinHash, b: str | MinHash) -> bool:
    """True when two texts are probably the same problem in other words (or the other Chinese script)."""
    return similarity(a, b) >= DUPLICATE_THRESHOLD

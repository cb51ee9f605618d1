"""Near-duplicate texts: shingles, MinHash signatures that can be stored, and an LSH index to find them fast.

The same complaint in Traditional or Simplified Chinese, or with full-width digits, gets the same signature,
because shingles are taken from the normalised text.
"""

import functools
import hashlib
import re
from collections.abc import Hashable, Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

from frontdesk.text.normalise import normalise
from frontdesk.text.segment import stem, terms_of_normalised

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
not no yes please pls thanks thank hi hello dear sir madam ok okay just still also get got want need
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())
# Shingles are stemmed words ("please" is "pleas"), so both forms are left out.
_STOP_TERMS = STOP_WORDS | {stem(word) for word in STOP_WORDS}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_BATCH = 2048


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch draws the permutations from the seed on every MinHash(): once per process is enough.
    permutations: tuple[np.ndarray, np.ndarray] = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    return permutations


def _empty_minhash(hashvalues: np.ndarray | None = None) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=hashvalues, permutations=_permutations(), scheme=SCHEME)


def shingles(text: str, n: int = 3) -> set[str]:
    """The features compared between texts: character n-grams over the Han characters of the normalised text
    (spaces, punctuation, Latin words and emoji left out; a shorter run is one shingle), plus each Latin-script
    word stemmed, with stop words dropped (word shingles: customer messages are short and reworded, so longer
    word n-grams rarely repeat). Codes and numbers (cx880) are words. Empty for text with no words."""
    normalised = normalise(text)
    han = "".join(_HAN.findall(normalised))
    found: set[str] = set()
    if han:
        if len(han) <= n:
            found.add(han)
        else:
            found.update(han[i : i + n] for i in range(len(han) - n + 1))
    for term in terms_of_normalised(_HAN.sub(" ", normalised)):
        if term not in _STOP_TERMS:
            found.add(term)
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


def signature(text: str, n: int = 3) -> MinHash:
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


LSH_BANDS = 32
LSH_ROWS = NUM_PERM // LSH_BANDS


def band_keys(minhash: MinHash) -> list[int]:
    """The signature's LSH band keys, for an index kept in the database: one signed 64-bit integer per band
    (32 bands of 4 values, so texts about 0.4 similar or more very probably share a key). Two signatures that
    share any key are candidates, to be checked with `similarity`. None for an empty signature."""
    if is_empty(minhash):
        return []
    values = np.asarray(minhash.hashvalues, dtype="<u4").reshape(LSH_BANDS, LSH_ROWS)
    keys = []
    for band, rows in enumerate(values):
        digest = hashlib.blake2b(rows.tobytes(), digest_size=8, person=band.to_bytes(2, "little") + b"fdlsh").digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


# Starting points, to be settled on the generated evaluation set (bench/understanding.py).
DUPLICATE_THRESHOLD = 0.5
GROUP_THRESHOLD = 0.4


def is_duplicate(a: str | MinHash, b: str | MinHash) -> bool:
    """True when two texts are probably the same problem in other words (or the other Chinese script)."""
    return similarity(a, b) >= DUPLICATE_THRESHOLD

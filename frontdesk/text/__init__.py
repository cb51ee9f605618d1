"""Text that Frontdesk understands: one normal form for comparison, search terms, and near-duplicate signatures.

Everything here works on a copy for comparison and indexing; the text a customer wrote is always what is shown.
"""

from frontdesk.text.normalise import normalise
from frontdesk.text.segment import search_terms
from frontdesk.text.similarity import DuplicateIndex, from_bytes, shingles, signature, similarity, to_bytes

__all__ = [
    "DuplicateIndex",
    "from_bytes",
    "normalise",
    "search_terms",
    "shingles",
    "signature",
    "similarity",
    "to_bytes",
]

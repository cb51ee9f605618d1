"""Likely duplicates judged by the optional embedding model (FRONTDESK_SIMILARITY_MODEL=use-multilingual): one
problem reworded across Cantonese and Mandarin is caught where shared words are too few, and the same words
about another order are not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from frontdesk.channels.models import Channel
from frontdesk.conversations.models import Conversation
from frontdesk.incidents.models import DuplicateCandidate
from frontdesk.text import embedding
from frontdesk.text.similarity import DUPLICATE_THRESHOLD, similarity

pytestmark = pytest.mark.django_db

HONG_KONG = "唔該，我張單BK201482嘅速遞去咗邊？幾時先送到？"
MAINLAND = "打扰一下，订单BK201482下单一个星期了，到现在还没收到货，能给我快递员电话吗？"
OTHER_ORDER = "打扰一下，订单HS973149下单一个星期了，到现在还没收到货，能给我快递员电话吗？"


@pytest.fixture
def by_meaning(settings: Any) -> None:
    settings.FRONTDESK_SIMILARITY_MODEL = embedding.MODEL_NAME


def test_words_alone_miss_the_reworded_pair(
    customer_writes: Callable[..., Conversation], second_channel: Channel
) -> None:
    assert similarity(HONG_KONG, MAINLAND) < DUPLICATE_THRESHOLD
    customer_writes("web-may", HONG_KONG)
    customer_writes("app-may", MAINLAND, on=second_channel)
    assert not DuplicateCandidate.all_workspaces.exists()


def test_the_model_finds_one_problem_told_in_cantonese_and_in_mandarin(
    by_meaning: None, customer_writes: Callable[..., Conversation], second_channel: Channel
) -> None:
    earlier = customer_writes("web-may", HONG_KONG)
    later = customer_writes("app-may", MAINLAND, on=second_channel)
    [duplicate] = DuplicateCandidate.all_workspaces.all()
    assert (duplicate.conversation_id, duplicate.other_id) == (later.pk, earlier.pk)
    # The score shown is the model's (cosine), not the MinHash estimate.
    assert duplicate.score >= embedding.DUPLICATE_THRESHOLD


def test_the_model_does_not_pair_the_same_words_about_another_order(
    by_meaning: None, customer_writes: Callable[..., Conversation], second_channel: Channel
) -> None:
    customer_writes("web-may", MAINLAND)
    customer_writes("app-lee", OTHER_ORDER, on=second_channel)
    assert not DuplicateCandidate.all_workspaces.exists()

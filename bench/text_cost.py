"""Per-message cost of the text work at ingest: normalise + MinHash signature + LSH duplicate query.

Generates 1,000 realistic customer messages (Traditional and Simplified Chinese, English, mixed, with flight
and order codes, emoji, full-width digits) from a fixed seed, fills a duplicate index with the signatures of
10,000 earlier messages (the open conversations a new message is compared with), then times each of the
1,000 messages on its own. Also times `search_terms` (what search indexing will pay) and the one-off start-up
(OpenCC's dictionaries, jieba's prefix dictionary). Prints one JSON line; issue 7 asks for < 5 ms p95.

    .venv/bin/python bench/text_cost.py
"""

from __future__ import annotations

import json
import random
import statistics
import time

from frontdesk.text import DuplicateIndex, search_terms, signature

TEMPLATES = (
    "你好，我的航班{flight}今天被取消了，機票錢什麼時候可以退款？",
    "你好，我的航班{flight}今天被取消了，机票钱什么时候可以退款？",
    "我喺{airport}機場等咗三個鐘，{flight}仲未起飛，有冇人可以話我知幾時出發？",
    "我的行李在{flight}上不見了，訂單號{order}，請盡快幫我找回來 🙏",
    "我的行李在{flight}上不见了，订单号{order}，请尽快帮我找回来",
    "訂單 {order} 已經付款 HK${amount}，但係到而家都未收到確認電郵。",
    "Hi, my flight {flight} was cancelled and I want a full refund for booking {order}.",
    "My baggage didn't arrive on {flight} from {airport}. Reference {order}. Please help!!",
    "I was charged twice (HK${amount}) for order {order}, can you refund one of them?",
    "請問 {flight} 可唔可以改簽去聽日？booking ref {order}",
    "航班ＣＸ８８０延誤，我會錯過轉機，點算？ {order}",
    "Can I change my seat on {flight}? 我想坐窗口位 thanks 😊",
    "會員積分冇入到戶口，上個月搭咗{flight}同埋{flight2}，會員號碼 {order}",
    "The app keeps crashing when I try to check in for {flight}, tried 3 times already",
    "退款申请已经提交两个星期了，{order} 还是显示处理中，请问什么时候到账？",
)
AIRPORTS = ("香港", "台北", "上海", "Tokyo", "Singapore", "北京", "高雄")
FILLER = (
    "",
    " 謝謝。",
    " 谢谢！",
    " Thanks.",
    " 急！！",
    " 我已經打過電話但係冇人聽。",
    " I have been waiting for over an hour on the hotline and nobody answered, this is unacceptable.",
)


def message(rng: random.Random) -> str:
    text = rng.choice(TEMPLATES).format(
        flight=f"{rng.choice(('CX', 'KA', 'BR', 'CI', 'MU', 'HX'))}{rng.randint(100, 999)}",
        flight2=f"CX{rng.randint(100, 999)}",
        order=f"{rng.choice(('HS', 'BK', 'ORD'))}-{rng.randint(10000, 99999)}",
        amount=f"{rng.randint(100, 9000)}.{rng.randint(0, 99):02d}",
        airport=rng.choice(AIRPORTS),
    )
    return text + rng.choice(FILLER) * rng.randint(1, 3)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    rng = random.Random(7)
    started = time.perf_counter()
    signature("暖身 warm-up")
    search_terms("暖身 warm-up")
    start_up_ms = (time.perf_counter() - started) * 1000

    index: DuplicateIndex[int] = DuplicateIndex(threshold=0.5)
    for key in range(10_000):
        index.insert(key, signature(message(rng)))

    messages = [message(rng) for _ in range(1000)]
    duplicate_check_ms: list[float] = []
    search_terms_ms: list[float] = []
    candidates = 0
    for text in messages:
        started = time.perf_counter()
        candidates += len(index.query(signature(text)))
        duplicate_check_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        search_terms(text)
        search_terms_ms.append((time.perf_counter() - started) * 1000)

    print(
        json.dumps(
            {
                "benchmark": "text_cost",
                "messages": len(messages),
                "indexed_signatures": len(index),
                "mean_chars": round(statistics.mean(len(text) for text in messages), 1),
                "duplicate_check_p50_ms": round(percentile(duplicate_check_ms, 0.50), 3),
                "duplicate_check_p95_ms": round(percentile(duplicate_check_ms, 0.95), 3),
                "duplicate_check_max_ms": round(max(duplicate_check_ms), 3),
                "mean_lsh_candidates": round(candidates / len(messages), 1),
                "search_terms_p50_ms": round(percentile(search_terms_ms, 0.50), 3),
                "search_terms_p95_ms": round(percentile(search_terms_ms, 0.95), 3),
                "start_up_ms": round(start_up_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

import time

from frontdesk.text import search_terms
from frontdesk.text.segment import add_words


def test_either_chinese_script_gives_the_same_search_terms():
    assert search_terms("機票") == search_terms("机票") == ["机票"]
    assert search_terms("我的機票退款了嗎") == search_terms("我的机票退款了吗")


def test_chinese_is_segmented_into_words():
    terms = search_terms("我的航班被取消了，請幫我退款")
    assert {"航班", "取消", "退款"} <= set(terms)
    assert "，" not in terms


def test_english_words_are_lower_cased_and_stemmed():
    assert search_terms("Refunds") == ["refund"]
    assert search_terms("CANCELLED flights, delayed!") == ["cancel", "flight", "delay"]


def test_codes_and_numbers_are_kept_whole():
    assert search_terms("Flight CX880, order HS-20931, HK$3.50") == [
        "flight",
        "cx880",
        "order",
        "hs-20931",
        "hk",
        "3.50",
    ]
    assert search_terms("航班ＣＸ８８０延誤") == ["航班", "cx880", "延误"]


def test_punctuation_and_emoji_are_dropped():
    assert search_terms("!!! 😀 ... ？？") == []
    assert search_terms("") == []


def test_a_hundred_kilobytes_of_mixed_text_is_segmented_in_bounded_time():
    text = ("我的航班CX880被取消了，請幫我退款 refund please 😀 " * 3000)[:100_000]
    started = time.perf_counter()
    terms = search_terms(text)
    assert time.perf_counter() - started < 10
    assert "cx880" in terms


def test_jiebas_dictionary_cache_is_kept_in_the_var_directory(settings):
    search_terms("機票")
    assert (settings.VAR_DIR / "cache" / "jieba.cache").is_file()


def test_domain_words_can_be_taught_in_either_script():
    assert "登机证" in search_terms("我的登機證不見了")
    assert "飞鱼套票" not in search_terms("我買了飛魚套票")
    add_words(["飛魚套票"])
    assert "飞鱼套票" in search_terms("我買了飛魚套票")
    assert "飞鱼套票" in search_terms("我买了飞鱼套票")

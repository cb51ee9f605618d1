from frontdesk.text import normalise


def test_traditional_and_simplified_complaints_normalise_alike():
    hong_kong = "我嘅機票取消咗，行李仲喺裏面，好著急！"
    taiwan = "我嘅機票取消咗，行李仲喺裡面，好著急！"
    mainland = "我嘅机票取消咗，行李仲喺里面，好着急！"
    assert normalise(hong_kong) == normalise(taiwan) == normalise(mainland)


def test_regional_variants_and_phrases_of_both_regions_meet_the_mainland_form():
    assert normalise("衞生") == normalise("卫生")  # Hong Kong variant
    assert normalise("軟體") == normalise("软件")  # Taiwan phrase
    assert normalise("滑鼠") == normalise("鼠标")


def test_full_width_letters_digits_and_spaces_become_half_width_lower_case():
    assert normalise("ＣＸ８８０　航班  Refund\n\tPlease ") == "cx880 航班 refund please"


def test_normalising_is_idempotent_and_leaves_the_original_alone():
    original = "請幫我退款 ＣＸ８８０"
    once = normalise(original)
    assert normalise(once) == once
    assert original == "請幫我退款 ＣＸ８８０"


def test_empty_and_emoji_only_text():
    assert normalise("") == ""
    assert normalise("  \n ") == ""
    assert normalise("😀🙏") == "😀🙏"

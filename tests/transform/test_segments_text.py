import pytest

from pipeline.transform.segments_text import normalise_lang, normalise_segment


def test_normalise_segment_nfc_and_whitespace():
    messy = "  Nougat de Monte\u0301limar\n\t100\u202fg\u00a0 "
    assert normalise_segment(messy) == "Nougat de Montélimar 100 g"
    assert normalise_segment(" \r\n ") == ""


@pytest.mark.parametrize(("tag", "expected"), [
    ("fr", "fr"), ("FR-fr", "fr"), ("en_GB", "en"),
    ("zh", "zh-CN"), ("zh-cn", "zh-CN"), ("ZH-CN", "zh-CN"), ("zh-Hans", "zh-CN"), ("zh-hans-sg", "zh-CN"),
    ("zh_CN", "zh-CN"), ("zh-tw", "zh-TW"), ("zh-hant-hk", "zh-Hant-HK"),
])
def test_normalise_lang(tag, expected):
    assert normalise_lang(tag) == expected

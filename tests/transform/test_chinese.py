import json
import re
from pathlib import Path

import opencc
import pandas as pd
import pytest

from pipeline.extract.opencc_dictionaries import converter
from pipeline.transform import chinese
from pipeline.transform.chinese import SUPPORTED_CONFIGS, convert_text, has_traditional, to_simplified

# Upstream case counts in BYVoid/OpenCC test/testcases/testcases.json @ 5249273a (see SOURCES.md there).
UPSTREAM_CASES = {"t2s": 55, "tw2sp": 53, "tw2s": 32, "hk2s": 21}

SIMPLIFIED = [
    "普罗旺斯薰衣草精油 10毫升 天然有机", "马赛皂 橄榄油 手工制作 300克", "法国进口 薰衣草蜂蜜 250克 无添加",
    "特级初榨橄榄油 冷压 500毫升 玻璃瓶装", "手工牛轧糖 杏仁 蜂蜜 200克 礼盒装",
    "适合干性皮肤 滋润保湿 温和不刺激", "产地：法国普罗旺斯 保质期：24个月", "用鼠标点击下载说明书",
    "头发护理 干发专用 洗发水 250毫升", "乾隆年间的宫廷配方", "著名的普罗旺斯香皂品牌", "看着很舒服的包装",
    "干燥后的薰衣草花苞可用于香包",
]
TRADITIONAL = [
    "普羅旺斯薰衣草精油 10毫升 天然有機", "馬賽皂 橄欖油 手工製作 300克", "法國進口 薰衣草蜂蜜 250克 無添加",
    "特級初榨橄欖油 冷壓 500毫升 玻璃瓶裝", "手工牛軋糖 杏仁 蜂蜜 200克 禮盒裝",
    "適合乾性肌膚 滋潤保濕 溫和不刺激", "產地：法國普羅旺斯 保存期限：24個月", "用滑鼠點擊下載說明書",
    "頭髮護理 洗髮精 250毫升", "看著很舒服的包裝", "這款香皂適合敏感肌膚使用，請置於陰涼乾燥處",
    "請存放於陰涼乾爽處，避免陽光直射", "著數優惠 買二送一",
]
MIXED_AND_EDGE = [
    "Savon de Marseille 马赛皂 72% huile d'olive", "Huile essentielle de lavande 薰衣草精油 AOP",
    "L'Occitane 歐舒丹 護手霜 30 ml", "Calissons d'Aix 艾克斯杏仁糖 — 礼盒 250 g",
    "Miel de lavande · 薰衣草蜂蜜 · 產地：普羅旺斯", "A肝疫苗", "SQL隱碼攻擊", "PN接面",
    "一目瞭然的包装", "请回覆", "⿰氵門", "⿰言吾 門", "\uf900", "\U0002f800", "a\u200b乾", "", " ",
]
FRENCH = [
    "Savon de Marseille à l'huile d'olive", "Lavande fine AOP — 10 ml", "Nougat blanc · miel de Provence",
    "Merci aux client·e·s", "L'Occitane en Provence", "12,50 €", "",
]
# Every code point of the CJK Unified Ideographs block and extension A, and the compatibility ideographs.
CJK_SWEEP = [chr(c) for block in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
             for c in range(block[0], block[1] + 1)]


def _lenient_json(text: str):
    """json.loads after dropping commas before a closing bracket (outside string literals)."""
    trailing_comma = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[\]}])')
    return json.loads(trailing_comma.sub(lambda m: m.group(1) or m.group(2), text))


@pytest.fixture
def upstream_cases(real_fixtures: Path) -> list[dict]:
    return _lenient_json((real_fixtures / "opencc-testcases.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture
def convert_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every string handed to the official binding (which still converts it)."""
    calls: list[str] = []
    original = opencc.OpenCC.convert

    def counting_convert(self: opencc.OpenCC, text: str) -> str:
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(opencc.OpenCC, "convert", counting_convert)
    return calls


@pytest.mark.parametrize("config", SUPPORTED_CONFIGS)
def test_upstream_cases_give_the_expected_output(upstream_cases: list[dict], config: str):
    cases = [case for case in upstream_cases if config in case["expected"]]
    inputs = pd.Series([case["input"] for case in cases])
    expected = [case["expected"][config] for case in cases]
    assert len(cases) == UPSTREAM_CASES[config]
    assert to_simplified(inputs, converter(config)).tolist() == expected
    assert [convert_text(text, converter(config)) for text in inputs] == expected


@pytest.mark.parametrize("config", SUPPORTED_CONFIGS)
def test_skipping_never_changes_the_result(config: str):
    corpus = SIMPLIFIED + TRADITIONAL + MIXED_AND_EDGE + FRENCH + CJK_SWEEP
    every_string = opencc.OpenCC(config)
    assert to_simplified(pd.Series(corpus), converter(config)).tolist() == [every_string.convert(t) for t in corpus]


@pytest.mark.parametrize("config", SUPPORTED_CONFIGS)
def test_skipping_never_changes_the_result_on_upstream_inputs(upstream_cases: list[dict], config: str):
    corpus = sorted({case["input"] for case in upstream_cases})
    every_string = opencc.OpenCC(config)
    assert to_simplified(pd.Series(corpus), converter(config)).tolist() == [every_string.convert(t) for t in corpus]


def test_phrase_level_conversions_are_not_skipped():
    assert convert_text("一目瞭然的包装", converter()) == "一目了然的包装"
    assert convert_text("滑鼠", converter("tw2sp")) == "鼠标"
    assert convert_text("看著", converter("tw2s")) == "看着"
    assert convert_text("PN接面", converter("tw2sp")) == "PN结"


def test_trigger_letters_cover_every_changing_key_with_the_letters_its_value_replaces():
    entries = [("乾", "干"), ("乾燥", "干燥"), ("瞭然", "了然"), ("A肝", "甲肝")]
    assert chinese.trigger_letters(entries) == frozenset({"乾", "瞭", "肝"})


def test_a_key_without_chinese_letters_would_trigger_on_all_of_its_characters():
    assert chinese._replaced_letters("A肝", "甲肝") == {"肝"}
    assert chinese._replaced_letters("OK", "好") == {"O", "K"}


def test_na_stays_na_and_index_name_dtype_are_kept():
    s = pd.Series(["乾燥薰衣草", pd.NA, "Lavande", None], index=[7, 3, 9, 4], name="title_zh", dtype="object")
    out = to_simplified(s, converter())
    assert out.index.tolist() == [7, 3, 9, 4] and out.name == "title_zh" and out.dtype == object
    assert out.iloc[0] == "干燥薰衣草" and out.iloc[2] == "Lavande"
    assert out.iloc[[1, 3]].isna().all()


@pytest.mark.parametrize("values", [[], [pd.NA, pd.NA]])
def test_empty_and_all_na_columns_come_back_unchanged(values: list):
    s = pd.Series(values, dtype="object")
    assert to_simplified(s, converter()).isna().tolist() == [True] * len(values)
    assert has_traditional(s, converter()).tolist() == [False] * len(values)


def test_each_distinct_string_is_converted_once(convert_calls: list[str]):
    distinct = ["乾燥薰衣草 50克", "馬賽皂 300克", "橄欖油 500毫升"]
    s = pd.Series((distinct * 3334)[:10_000])
    s.iloc[::97] = pd.NA
    out = to_simplified(s, converter())
    assert sorted(convert_calls) == sorted(distinct)
    assert set(out.dropna()) == {"干燥薰衣草 50克", "马赛皂 300克", "橄榄油 500毫升"}


def test_french_and_unchangeable_simplified_never_reach_opencc(convert_calls: list[str]):
    s = pd.Series(FRENCH + ["Savon 马赛皂 300克", "普罗旺斯薰衣草精油 10毫升 天然有机", pd.NA])
    out = to_simplified(s, converter())
    assert convert_text("Lavande fine AOP", converter()) == "Lavande fine AOP"
    assert convert_calls == []
    assert out.iloc[:-1].tolist() == s.iloc[:-1].tolist()


def test_has_traditional_flags_strings_that_conversion_changes():
    s = pd.Series(["乾燥薰衣草", "干燥薰衣草", "Lavande", pd.NA, "滑鼠"])
    assert has_traditional(s, converter()).tolist() == [True, False, False, False, False]
    assert has_traditional(s, converter("tw2sp")).tolist() == [True, False, False, False, True]


def test_an_unsupported_config_is_refused():
    with pytest.raises(ValueError, match="s2t"):
        to_simplified(pd.Series(["乾燥"]), converter("s2t"))

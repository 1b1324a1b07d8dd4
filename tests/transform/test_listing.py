from decimal import Decimal

import pandas as pd
import pytest

from pipeline import config
from pipeline.config import output_profile
from pipeline.transform.listing import (
    PUBLISHED_TEXT,
    build_listings,
    check_outer_ids,
    hashed_outer_id,
    listing_titles,
    net_content_zh,
    outer_ids,
)
from pipeline.transform.spreadsheet_safety import neutralise

SETTINGS = config.settings()

LIMITS = output_profile()["listing"]
CJK_30 = "普罗旺斯真正薰衣草精油高海拔蒸馏萃取纯天然芳香舒缓放松助眠品"   # 30 characters, 60 GBK bytes


def gbk_len(text: str) -> int:
    return len(text.encode("gbk"))


def _titles(names, brands=None, specs=None):
    n = len(names)
    return listing_titles(pd.Series(brands or [pd.NA] * n, dtype=object), pd.Series(names, dtype=object),
                          pd.Series(specs or [pd.NA] * n, dtype=object), LIMITS,
                          tuple(SETTINGS.values.unit_factors(("mass", "volume"))))


def _localised(**overrides):
    row = {"vendor_id": "miellerie-du-ventoux", "sku": "MV-LAV-250", "title": "Miel de lavande",
           "title_zh": "普罗旺斯薰衣草蜂蜜", "brand": "Miellerie du Ventoux", "net_content": Decimal("250"),
           "net_unit": "g", "description_zh": "七月采收。\n产地 法国。", "ingredients_zh": "薰衣草蜂蜜",
           "shelf_life_days": 720, "product_class": "honey"}
    row.update(overrides)
    frame = pd.DataFrame([row]).astype(object)
    frame["shelf_life_days"] = frame["shelf_life_days"].astype("Int64")
    return frame


def test_net_content_in_chinese_units():
    quantity = pd.Series([Decimal(q) for q in ("500", "1000", "250", "1500", "0.5")] + [None])
    unit = pd.Series(["ml", "ml", "g", "g", "g", pd.NA], dtype=object)
    out = net_content_zh(quantity, unit, LIMITS["net_content_units"])
    assert out.tolist()[:5] == ["500毫升", "1升", "250克", "1.5千克", "0.5克"]
    assert pd.isna(out.iloc[5])


def test_a_title_of_exactly_60_gbk_bytes_is_kept():
    assert len(CJK_30) == 30
    out = _titles([CJK_30])
    assert out.loc[0, "title_listing"] == CJK_30
    assert gbk_len(out.loc[0, "title_listing"]) == 60
    assert not out.loc[0, "title_truncated"]


def test_a_title_of_31_chinese_characters_is_cut_to_30():
    out = _titles([CJK_30 + "油"])
    assert out.loc[0, "title_listing"] == CJK_30
    assert out.loc[0, "title_truncated"]


def test_the_cut_never_splits_a_character():
    name = "A" + CJK_30                       # 61 bytes: the 30th Chinese character would end at byte 61
    out = _titles([name]).loc[0, "title_listing"]
    assert out == name[:30]
    assert gbk_len(out) == 59


def test_latin_brand_is_dropped_before_the_name_is_cut():
    name = CJK_30[:20]
    out = _titles([name], brands=["Savonnerie du Vieux Lavoir"], specs=["100克"])
    assert out.loc[0, "title_listing"] == f"{name} 100克"
    assert out.loc[0, "title_truncated"]


def test_the_net_content_is_dropped_before_the_name_is_cut():
    name = CJK_30[:28]
    out = _titles([name], brands=["Savonnerie du Vieux Lavoir"], specs=["100克"])
    assert out.loc[0, "title_listing"] == name


def test_brand_name_and_net_content_when_they_fit():
    out = _titles(["马赛皂"], brands=["Savonnerie du Vieux Lavoir"], specs=["100克"])
    assert out.loc[0, "title_listing"] == "Savonnerie du Vieux Lavoir 马赛皂 100克"
    assert not out.loc[0, "title_truncated"]


def test_a_brand_or_quantity_already_in_the_name_is_not_repeated():
    out = _titles(["Savonnerie du Vieux Lavoir 马赛皂 100g"], brands=["savonnerie du vieux lavoir"],
                  specs=["100克"])
    assert out.loc[0, "title_listing"] == "Savonnerie du Vieux Lavoir 马赛皂 100g"
    assert not out.loc[0, "title_truncated"]


def test_latin_text_is_cut_at_a_word_boundary():
    name = "Savon de Marseille traditionnel a l'huile d'olive cuit au chaudron pendant dix jours"
    out = _titles([name]).loc[0, "title_listing"]
    assert gbk_len(out) <= 60
    assert name.startswith(out)
    assert name[len(out)] == " "


def test_characters_gbk_cannot_encode_are_replaced_or_dropped():
    out = _titles(["Côté Œuvre™ «Mistral» 5€ 🌿 薰衣草"]).loc[0, "title_listing"]
    assert out == "Coté OEuvreTM “Mistral” 5欧元 薰衣草"     # é is in GBK, ô is not
    out.encode("gbk")


def test_a_title_read_as_a_formula_leaves_a_byte_for_the_quote():
    out = _titles(["-" + CJK_30]).loc[0, "title_listing"]
    assert out == "-" + CJK_30[:29]
    assert gbk_len("'" + out) == 60


def test_a_title_read_as_a_formula_is_published_with_its_quote():
    out = build_listings(_localised(brand=pd.NA, net_content=None, title_zh='=HYPERLINK("http://x","y")'), SETTINGS)
    assert out.loc[0, "title_listing"] == '\'=HYPERLINK("http://x","y")'


def test_a_long_title_read_as_a_formula_is_published_within_60_gbk_bytes():
    localised = _localised(brand=pd.NA, net_content=None, title_zh="-" + CJK_30)
    out = build_listings(localised, SETTINGS).loc[0, "title_listing"]
    assert out == "'-" + CJK_30[:29]
    assert gbk_len(out) == 60


def test_a_brand_read_as_a_formula_is_published_with_its_quote():
    out = build_listings(_localised(brand="@SUM(A1)", product_class="soap"), SETTINGS)
    assert out.loc[0, "brand"] == "'@SUM(A1)"
    assert out.loc[0, "title_listing"] == "'@SUM(A1) 普罗旺斯薰衣草蜂蜜 250克"    # the title starts with it too


def test_an_outer_id_read_as_a_formula_is_published_with_its_quote_within_64_bytes():
    out = build_listings(_localised(vendor_id="+cmd", sku="X" * 60), SETTINGS).loc[0, "outer_id"]
    assert out.startswith("'+cmd-XXX") and len(out.encode()) == 64
    assert build_listings(_localised(vendor_id="-2+3", sku="A"), SETTINGS).loc[0, "outer_id"] == "'-2+3-A"


def test_published_text_leaves_nothing_for_the_writers_guard_to_do():
    out = build_listings(_localised(vendor_id="-v", brand="=b", title_zh="@t", barcode="3760991240041"), SETTINGS)
    assert out.loc[0, ["title_listing", "brand", "outer_id"]].tolist() == ["'=b @t 250克", "'=b", "'-v-MV-LAV-250"]
    for column in PUBLISHED_TEXT:
        pd.testing.assert_series_equal(neutralise(out[column]), out[column])


def test_food_description_carries_the_chinese_label():
    html = build_listings(_localised(), SETTINGS).loc[0, "description_html"]
    assert html.startswith("<p>七月采收。</p><p>产地 法国。</p>")
    for label, value in (("品名", "普罗旺斯薰衣草蜂蜜"), ("品牌", "Miellerie du Ventoux"),
                         ("净含量", "250克"), ("配料表", "薰衣草蜂蜜"), ("原产国", "法国"),
                         ("保质期", "720天"), ("储藏方法", "常温避光保存")):
        assert f"<tr><th>{label}</th><td>{value}</td></tr>" in html


def test_soap_description_has_no_label():
    html = build_listings(_localised(product_class="soap", ingredients_zh=pd.NA), SETTINGS).loc[0, "description_html"]
    assert html == "<p>七月采收。</p><p>产地 法国。</p>"


def test_label_rows_without_data_are_left_out():
    html = build_listings(_localised(ingredients_zh=pd.NA, shelf_life_days=pd.NA), SETTINGS).loc[0, "description_html"]
    assert "配料表" not in html and "保质期" not in html and "<th>净含量</th>" in html


def test_description_is_escaped_without_tabs_or_line_breaks():
    html = build_listings(_localised(description_zh="a\tb <b>\r\n\nc & d", product_class="soap"), SETTINGS).loc[
        0, "description_html"]
    assert html == "<p>a b &lt;b&gt;</p><p>c &amp; d</p>"


def test_a_row_without_description_shows_its_name():
    html = build_listings(_localised(description_zh=pd.NA, product_class="soap"), SETTINGS).loc[0, "description_html"]
    assert html == "<p>普罗旺斯薰衣草蜂蜜</p>"


def test_an_overlong_description_is_cut_below_25000_characters():
    html = build_listings(_localised(description_zh="很长的描述。\n" * 6000), SETTINGS).loc[0, "description_html"]
    assert 5 < len(html) < 25000
    assert html.endswith("</table>") and "<th>品名</th>" in html


def test_outer_id_is_vendor_and_sku():
    assert outer_ids(pd.Series(["moulin"]), pd.Series(["MQB-AOP-50"]), 64).tolist() == ["moulin-MQB-AOP-50"]


def test_a_long_outer_id_keeps_a_readable_prefix_and_a_stable_hash():
    vendor = pd.Series(["confiserie-des-trois-amandiers-et-des-calissons-d-aix"] * 2)
    sku = pd.Series(["CALISSONS-COFFRET-PRESTIGE-500G-A", "CALISSONS-COFFRET-PRESTIGE-500G-B"])
    first = outer_ids(vendor, sku, 64)
    assert first.tolist() == outer_ids(vendor, sku, 64).tolist()
    assert first.nunique() == 2
    assert all(len(o.encode()) <= 64 and o.startswith("confiserie-des-trois-amandiers-") for o in first)


def test_a_multibyte_outer_id_is_cut_on_a_character():
    out = hashed_outer_id("savonnerie", "薰衣草" * 30, 64)
    assert len(out.encode()) <= 64
    assert out.startswith("savonnerie-薰衣草")


def test_two_pairs_spelling_the_same_outer_id_both_get_hashed():
    out = outer_ids(pd.Series(["a-b", "a", "c"]), pd.Series(["c", "b-c", "d"]), 64)
    assert out.iloc[0] != out.iloc[1]
    assert out.iloc[0].startswith("a-b-c-") and out.iloc[2] == "c-d"


def test_outer_ids_must_be_unique_in_the_feed():
    twice = pd.DataFrame({"vendor_id": ["v", "v"], "sku": ["A", "A"], "outer_id": ["v-A", "v-A"]})
    with pytest.raises(ValueError, match="share an outer_id"):
        check_outer_ids(twice)


def test_build_listings_adds_the_listing_columns():
    out = build_listings(_localised(), SETTINGS)
    assert out.loc[0, "title_listing"] == "Miellerie du Ventoux 普罗旺斯薰衣草蜂蜜 250克"
    assert out.loc[0, "outer_id"] == "miellerie-du-ventoux-MV-LAV-250"
    assert out["title_truncated"].dtype == bool


def test_build_listings_leaves_its_input_alone_and_composes_repeated_texts_once():
    frame = pd.concat([_localised(), _localised(sku="MV-LAV-500"), _localised(sku="MV-X", product_class="soap")],
                      ignore_index=True)
    before = frame.copy()
    out = build_listings(frame, SETTINGS)
    pd.testing.assert_frame_equal(frame, before)
    assert out["title_listing"].nunique() == 1 and out["description_html"].nunique() == 2
    assert out["outer_id"].tolist() == ["miellerie-du-ventoux-MV-LAV-250", "miellerie-du-ventoux-MV-LAV-500",
                                        "miellerie-du-ventoux-MV-X"]
    assert out.loc[2, "description_html"] == "<p>七月采收。</p><p>产地 法国。</p>"

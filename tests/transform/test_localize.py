import pandas as pd

from pipeline.transform.localize import (
    assemble,
    copied_source_words,
    explode_segments,
    pending_table,
    vendor_chinese,
)

FIELDS = {"title": "title_zh", "description": "description_zh"}


def _rows():
    return pd.DataFrame({
        "vendor_id": ["v", "v", "w"], "sku": ["A", "B", "C"], "source_lang": ["fr", "fr", "en"],
        "opencc_config": ["t2s", "t2s", "tw2sp"],
        "title": ["Savon de Marseille", "Savon de Marseille", "Lavender oil"],
        "description": ["Fait main.\nSéché 6 semaines.", pd.NA, "Pure oil."],
        "title_zh": [pd.NA, pd.NA, "薰衣草精油 滑鼠"], "description_zh": [pd.NA, pd.NA, pd.NA]})


def test_vendor_chinese_is_converted_with_each_rows_config():
    out = vendor_chinese(_rows(), FIELDS)
    assert out.loc[2, "title_zh"] == "薰衣草精油 鼠标"          # tw2sp: Taiwanese vocabulary too
    assert out["description_zh"].isna().all()


def test_segments_are_paragraphs_of_fields_without_vendor_chinese():
    seg = explode_segments(_rows(), FIELDS)
    assert seg[["row", "field", "part", "source"]].values.tolist() == [
        [0, "title", 0, "Savon de Marseille"], [1, "title", 0, "Savon de Marseille"],
        [0, "description", 0, "Fait main."], [0, "description", 1, "Séché 6 semaines."],
        [2, "description", 0, "Pure oil."]]
    assert seg["source_lang"].tolist() == ["fr", "fr", "fr", "fr", "en"]


def test_assemble_fills_complete_rows_and_marks_incomplete_ones_pending():
    rows = _rows()
    seg = explode_segments(rows, FIELDS).assign(target=["马赛皂", "马赛皂", "手工制作。", None, "纯油。"],
                                               reason=[None, None, None, "provider unavailable", None])
    out = assemble(rows, seg, FIELDS)
    assert out.loc[1, "title_zh"] == "马赛皂" and pd.isna(out.loc[1, "pending_reason"])
    assert out.loc[0, "pending_reason"] == "description: provider unavailable"
    assert out.loc[2, "description_zh"] == "纯油。" and out.loc[2, "title_zh"] == "薰衣草精油 滑鼠"


def test_untranslated_output_is_caught_but_brand_words_are_allowed():
    sources = pd.Series(["Savon Marius Fabre au miel", "Savon au miel", "Savon au miel"])
    targets = pd.Series(["Marius Fabre 蜂蜜皂", "Savon au miel", "蜂蜜 savon"])
    assert copied_source_words(sources, targets, {"Marius Fabre"}, 4).tolist() == [False, True, True]


def test_pending_table_has_one_line_per_distinct_segment_with_its_skus():
    rows = _rows()
    seg = explode_segments(rows, FIELDS)
    seg = seg.assign(key=seg["source"], target=None, reason="no translator")
    table = pending_table(seg, rows, "zh-CN")
    assert list(table.columns) == ["source_lang", "target_lang", "field", "source", "target", "skus"]
    marseille = table[table["source"] == "Savon de Marseille"].iloc[0]
    assert marseille["skus"] == "v/A v/B" and marseille["field"] == "title" and marseille["target"] == ""
    assert len(table) == 4

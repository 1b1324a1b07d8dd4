import numpy as np
import pandas as pd

from pipeline.extract.opencc_dictionaries import converter
from pipeline.transform.segments import (
    assemble,
    copied_source_words,
    distinct_keys,
    distinct_texts,
    every_row,
    explode_segments,
    merge_pending,
    pending_table,
    rows_of_kinds,
    segment_keys,
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
    out = vendor_chinese(_rows(), FIELDS, converter)
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


def test_a_cell_shared_by_rows_is_split_once_and_repeated_with_each_rows_label():
    rows = pd.DataFrame({
        "source_lang": ["FR-fr", "fr", "en_GB", "fr"], "title": ["A\n\n  B  \n--", "A\n\n  B  \n--", "C", "  "],
        "title_zh": [pd.NA] * 4}, index=[30, 10, 20, 40])
    seg = explode_segments(rows, {"title": "title_zh"})
    assert seg[["row", "part", "source_lang", "source"]].values.tolist() == [
        [30, 0, "fr", "A"], [30, 1, "fr", "B"], [10, 0, "fr", "A"], [10, 1, "fr", "B"], [20, 0, "en", "C"]]
    assert seg["source"].dtype == "str" and seg["source_lang"].dtype == "str"


def test_segment_keys_are_normalised_once_per_distinct_source():
    sources = pd.Series(["Savon\u00a0 de  Marseille", "Fait main.", "Savon\u00a0 de  Marseille"], index=[5, 6, 7],
                        dtype="str")
    keys = segment_keys(sources)
    assert keys.tolist() == ["Savon de Marseille", "Fait main.", "Savon de Marseille"]
    assert keys.index.tolist() == [5, 6, 7]


def test_distinct_keys_are_sorted_and_each_segment_points_to_its_own():
    seg = pd.DataFrame({"source_lang": ["fr", "en", "fr", "fr"], "key": ["b", "z", "a", "b"]})
    distinct, position = distinct_keys(seg)
    assert distinct.values.tolist() == [["en", "z"], ["fr", "a"], ["fr", "b"]]
    assert distinct.iloc[position].values.tolist() == seg.values.tolist()


def test_assemble_reads_segments_in_row_field_part_order_whatever_their_order():
    rows = _rows()
    seg = explode_segments(rows, FIELDS).assign(target=["马赛皂", "马赛皂", "手工制作。", "晾干六周。", "纯油。"],
                                               reason=None)
    shuffled = seg.iloc[[3, 4, 1, 0, 2]]
    out = assemble(rows, shuffled, FIELDS)
    assert out.loc[0, "description_zh"] == "手工制作。\n晾干六周。"
    pd.testing.assert_frame_equal(out, assemble(rows, seg, FIELDS))


def test_the_pending_reason_is_the_first_missing_segment_by_field_name_then_part():
    rows = _rows()
    seg = explode_segments(rows, FIELDS).assign(target=[None, "马赛皂", None, None, "纯油。"],
                                               reason=["title down", None, pd.NA, "second", None])
    out = assemble(rows, seg, FIELDS)
    assert out.loc[0, "pending_reason"] == "description: untranslated"      # "description" sorts before "title"
    assert pd.isna(out.loc[0, "title_zh"]) and out.loc[1, "title_zh"] == "马赛皂"


def test_pending_table_lists_each_field_and_sku_once_in_order():
    rows = pd.DataFrame({"vendor_id": ["w", "v", "v"], "sku": ["C", "B", "A"], "source_lang": ["fr"] * 3,
                         "title": ["Miel", "Miel", "Miel\nSavon"], "description": ["Miel", pd.NA, "Miel"],
                         "title_zh": [pd.NA] * 3, "description_zh": [pd.NA] * 3})
    seg = explode_segments(rows, FIELDS)
    table = pending_table(seg.assign(key=seg["source"], target=None, reason="no translator"), rows, "zh-CN")
    assert table.values.tolist() == [
        ["fr", "zh-CN", "description title", "Miel", "", "v/A v/B w/C"],
        ["fr", "zh-CN", "title", "Savon", "", "v/A"]]


def test_distinct_texts_keeps_the_first_row_of_each_kind_and_where_every_row_belongs():
    rows = pd.DataFrame({"sku": ["A", "B", "C", "D"], "title": ["Savon", "Huile", "Savon", pd.NA],
                         "title_zh": [pd.NA, pd.NA, pd.NA, pd.NA]}, index=[10, 11, 12, 13])
    kinds, kind = distinct_texts(rows, ["title", "title_zh", "absent"])
    assert kinds["sku"].tolist() == ["A", "B", "D"] and kinds.index.tolist() == [0, 1, 2]
    assert kind.tolist() == [0, 1, 0, 2]                         # NA is one kind of its own


def test_every_row_takes_its_kinds_columns_and_keeps_its_own():
    rows = pd.DataFrame({"sku": ["A", "B", "C"], "title": ["Savon", "Huile", "Savon"]}, index=[5, 6, 7])
    kinds, kind = distinct_texts(rows, ["title"])
    done = kinds.assign(title_zh=["香皂", pd.NA], pending_reason=[pd.NA, "title: untranslated"])
    out = every_row(done, kind, rows, ["title_zh", "pending_reason"])
    assert out["title_zh"].tolist()[::2] == ["香皂", "香皂"] and pd.isna(out.loc[6, "title_zh"])
    assert out.loc[6, "pending_reason"] == "title: untranslated" and out["sku"].tolist() == ["A", "B", "C"]
    assert out.index.tolist() == [5, 6, 7] and "title_zh" not in rows


def test_rows_of_kinds_repeats_a_kinds_segments_for_each_row_of_that_kind():
    segments = pd.DataFrame({"row": [0, 1], "field": ["title", "title"], "key": ["savon", "huile"]})
    out = rows_of_kinds(segments, np.array([0, 1, 0]), pd.Index([5, 6, 7]))
    assert sorted(zip(out["row"], out["key"], strict=True)) == [(5, "savon"), (6, "huile"), (7, "savon")]
    assert rows_of_kinds(segments.iloc[:0], np.array([0]), pd.Index([5])).empty


def test_pending_lines_of_several_vendors_merge_per_segment():
    line = {"source_lang": "fr", "target_lang": "zh-CN", "source": "Savon doux", "target": ""}
    merged = merge_pending([pd.DataFrame([{**line, "field": "title", "skus": "a/1 a/2"}]),
                            pd.DataFrame([{**line, "field": "description title", "skus": "b/9"}]),
                            pd.DataFrame([{**line, "source": "Miel", "field": "title", "skus": "b/3"}])])
    assert merged.to_dict("records") == [
        {**line, "source": "Miel", "field": "title", "skus": "b/3"},
        {**line, "field": "description title", "skus": "a/1 a/2 b/9"}]

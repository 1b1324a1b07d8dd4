"""Tests of pipeline.transform.spreadsheet_safety: cells a spreadsheet would run as formulas get a leading '."""
import pandas as pd

from pipeline.transform.spreadsheet_safety import neutralise, neutralise_frame


def test_formula_like_cells_are_prefixed():
    cells = pd.Series(["=SUM(A1:A2)", "+33 4 90", "-cmd", "@import", "\tx", "\rx", "Savon", pd.NA])
    assert neutralise(cells).tolist()[:7] == ["'=SUM(A1:A2)", "'+33 4 90", "'-cmd", "'@import", "'\tx", "'\rx",
                                              "Savon"]
    assert pd.isna(neutralise(cells).iloc[7])


def test_plain_numbers_are_left_alone():
    assert neutralise(pd.Series(["-5", "+12.50", "-0.5", "12"])).tolist() == ["-5", "+12.50", "-0.5", "12"]


def test_frame_keeps_numeric_columns():
    frame = pd.DataFrame({"n": [-1, 2], "t": ["=1+1", "ok"]})
    out = neutralise_frame(frame)
    assert out["n"].tolist() == [-1, 2]
    assert out["t"].tolist() == ["'=1+1", "ok"]


def test_neutralise_is_idempotent():
    cells = pd.Series(['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "-5", "+33 6 12",
                       "Savon", "'=déjà neutre", pd.NA])
    once = neutralise(cells)
    assert neutralise(once).tolist()[:8] == once.tolist()[:8]
    assert once.tolist()[:8] == ['\'=HYPERLINK("http://x","y")', "'+cmd|' /C calc'!A0", "'@SUM(A1)", "'-2+3", "-5",
                                 "'+33 6 12", "Savon", "'=déjà neutre"]
    assert pd.isna(neutralise(once).iloc[8])


def test_a_cell_that_is_not_text_is_read_as_its_str():
    out = neutralise(pd.Series([-5, -1e-05, "=x", None], dtype=object))
    assert out.tolist()[:3] == [-5, "'-1e-05", "'=x"] and out.iloc[3] is None


def test_the_column_keeps_its_dtype_and_index():
    cells = pd.Series(["=x", pd.NA, "y"], index=[7, 7, 3], dtype="str")
    out = neutralise(cells)
    assert out.dtype == cells.dtype and out.index.tolist() == [7, 7, 3]
    assert out.iloc[0] == "'=x" and pd.isna(out.iloc[1]) and out.iloc[2] == "y"

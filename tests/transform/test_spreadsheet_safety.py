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

"""pipeline.transform.arrow_text: columns joined row by row, constant ones as literal text."""
import pyarrow as pa

from pipeline.transform.arrow_text import folded, joined_rows, sole_value


def _text(*values: str) -> pa.Array:
    return pa.array(values, pa.large_string())


def test_a_column_holding_one_value_becomes_literal_text_merged_with_its_neighbours():
    assert folded(["<", _text("a", "a"), "|", _text("", ""), ">"]) == ["<a|>"]
    varying = _text("x", "y")
    assert folded(["", varying, "-", _text("é", "é"), ""]) == [varying, "-é"]


def test_rows_joined_with_or_without_varying_columns():
    assert joined_rows(["[", _text("x", "yz"), "]"], 2).to_pylist() == ["[x]", "[yz]"]
    assert joined_rows([_text("x", "yz")], 2).to_pylist() == ["x", "yz"]
    assert joined_rows(["a", _text("b", "b")], 2).to_pylist() == ["ab", "ab"]
    assert joined_rows([], 3).to_pylist() == ["", "", ""]


def test_only_a_complete_column_of_equal_values_has_a_sole_value():
    assert sole_value(_text("ab", "ab", "ab")) == "ab"
    assert sole_value(_text("ab", "ba")) is None and sole_value(_text("a", "aa")) is None
    assert sole_value(_text()) is None and sole_value(pa.array(["a", None], pa.large_string())) is None

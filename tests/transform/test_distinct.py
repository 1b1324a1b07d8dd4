"""Tests of pipeline.transform.distinct: work once per distinct value, results laid back onto the rows."""
from __future__ import annotations

from unittest import mock

import pandas as pd
import pytest

from pipeline.transform import distinct
from pipeline.transform.distinct import distinct_rows, per_distinct


def long_texts(count: int) -> list[str]:
    return [f"Savon de Marseille à l'huile d'olive, lot {n}" for n in range(count)]


def test_per_distinct_aligns_rows_and_fills_missing_ones() -> None:
    s = pd.Series(["b", pd.NA, "a", "b"], index=[10, 11, 12, 13], dtype=object)
    seen: list[list[str]] = []

    def upper(values: pd.Series) -> pd.DataFrame:
        seen.append(values.tolist())
        return pd.DataFrame({"up": values.str.upper(), "n": pd.array(range(len(values)), dtype="Int64")})

    result = per_distinct(s, upper, fill={"up": None})
    assert seen == [["b", "a"]]
    assert result.index.tolist() == [10, 11, 12, 13]
    assert result["up"].tolist() == ["B", None, "A", "B"]
    assert result["n"].dtype == "Int64" and result["n"].isna().tolist() == [False, True, False, False]


@pytest.mark.parametrize("dtype", [object, "str"])
def test_per_distinct_passes_distinct_cells_as_objects_in_first_seen_order(dtype: object) -> None:
    s = pd.Series(["b", None, "a", float("nan"), "b", "a"], index=list("uvwxyz"), dtype=dtype)
    seen: list[pd.Series] = []

    def echo(values: pd.Series) -> pd.DataFrame:
        seen.append(values)
        return values.to_frame("v")

    result = per_distinct(s, echo)
    assert seen[0].tolist() == ["b", "a"] and seen[0].dtype == object and seen[0].index.tolist() == [0, 1]
    assert result["v"].tolist()[::2] == ["b", "a", "b"] and result["v"].isna().tolist()[1::2] == [True, True, False]


@pytest.mark.parametrize("values", [
    [*long_texts(3) * 600, None, pd.NA, float("nan")] * 2,       # long, repeated texts: numbered through a dict
    [*long_texts(3), "", " ", pd.NA] * 500,
    long_texts(2000),                                            # all distinct: pandas
    ["EUR", "CHF", None] * 700,                                   # short texts: pandas
    [pd.NA] * 50,
    [],
])
def test_factorize_cells_numbers_cells_as_pandas_does(values: list[object]) -> None:
    shared = pd.Series(values, dtype=object)
    fresh = pd.Series([v.encode().decode() if isinstance(v, str) else v for v in values], dtype=object)   # new strs

    for column in (shared, fresh, shared.astype("str")):
        codes, uniques = distinct.factorize_cells(column)
        expected_codes, expected_uniques = pd.factorize(column)
        assert codes.tolist() == expected_codes.tolist()
        assert list(uniques) == list(expected_uniques)


def test_factorize_cells_takes_the_dict_path_for_long_repeated_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    column = pd.Series(long_texts(4) * 500 + [None], dtype=object)
    monkeypatch.setattr(distinct.pd, "factorize", mock.Mock(side_effect=AssertionError("pandas was called")))

    codes, uniques = distinct.factorize_cells(column)

    assert codes.tolist() == [0, 1, 2, 3] * 500 + [-1]
    assert list(uniques) == long_texts(4)


def test_distinct_rows_number_rows_in_first_seen_order_with_missing_values_as_values():
    keys = pd.DataFrame({"a": ["x", "y", "x", None, None], "b": pd.array([1, 2, 1, None, None], dtype="Int64")})
    positions, distinct = distinct_rows(keys)
    assert positions.tolist() == [0, 1, 0, 2, 2]
    assert distinct["a"].tolist()[:2] == ["x", "y"] and distinct.index.tolist() == [0, 1, 2]

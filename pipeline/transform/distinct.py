"""Work once per distinct value: a column's cells numbered by their distinct values, a function run on the distinct
values (or distinct rows) only, and its results laid back onto the rows. Every step that parses, composes or looks
up cells does it through these."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


def factorize_cells(s: pd.Series, sample: int = 1_000, long_text: int = 32) -> tuple[np.ndarray, Any]:
    """pd.factorize(s): the code of each cell (-1 where missing) and the distinct cells in order of first
    appearance.

    pandas hashes the characters of every text cell. A column of long texts that repeat (descriptions,
    titles: a read sheet shares one str among equal cells) is numbered instead through a dict, which hashes
    each str object once and finds a shared one by identity. Judged on the first `sample` cells.
    """
    cells = s.to_numpy()
    head = dict.fromkeys(cells[:sample]) if cells.dtype == object else {}
    texts = [cell for cell in head if cell.__class__ is str]
    if len(head) == min(len(cells), sample) or not texts or sum(map(len, texts)) < long_text * len(texts):
        return pd.factorize(s)
    distinct = np.fromiter(dict.fromkeys(cells), dtype=object)
    if len(distinct) * 4 > len(cells):
        return pd.factorize(s)
    missing = pd.isna(distinct)
    number = dict(zip(distinct, np.where(missing, -1, np.cumsum(~missing) - 1).tolist(), strict=True))
    return np.fromiter(map(number.__getitem__, cells), dtype=np.intp, count=len(cells)), distinct[~missing]


def per_distinct(s: pd.Series, parse_values: Callable[[pd.Series], pd.DataFrame],
                 fill: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Run `parse_values` once on the distinct non-missing cells of `s` and align its rows back to `s`.

    `parse_values` receives the distinct cells as an object Series indexed 0..n-1 and returns one row per
    cell, same index. Rows where `s` is missing come out as pd.NA in every column, or as `fill[column]`.
    """
    positions, uniques = factorize_cells(s)       # one hashing pass; missing cells get -1
    values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    parsed = parse_values(values)
    aligned = pd.DataFrame({
        name: pd.Series(column.array.take(positions, allow_fill=True, fill_value=pd.NA), index=s.index,
                        dtype=column.dtype)
        for name, column in parsed.items()})
    for name, missing in (fill or {}).items():
        aligned[name] = aligned[name].where(positions >= 0, missing)
    return aligned


def first_of_each(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row of `keys`, the number of its distinct row (NA a value like any other, numbered in first-seen
    order); and the position of the first row of each."""
    ids = np.zeros(len(keys), dtype=np.intp)
    for column in keys.columns:
        codes, uniques = pd.factorize(keys[column], use_na_sentinel=False)
        ids, _ = pd.factorize(ids * len(uniques) + codes)          # < rows², no overflow up to 10⁹ rows
    _, first = np.unique(ids, return_index=True)                   # ids are numbered in first-seen order
    return ids, first


def distinct_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """For each row of `keys`, the position of its distinct row; and the distinct rows (NA a value like any
    other, in first-seen order, index 0..n-1)."""
    ids, first = first_of_each(keys)
    return ids, keys.iloc[first].reset_index(drop=True)


def map_distinct(keys: pd.DataFrame, fn: Callable[..., Any]) -> pd.Series:
    """fn(*row) once per distinct row of `keys` (NA included), aligned back to `keys`' index (object)."""
    positions, distinct = distinct_rows(keys)
    results = np.empty(len(distinct), dtype=object)
    for n, row in enumerate(distinct.itertuples(index=False, name=None)):
        results[n] = fn(*row)
    return pd.Series(results[positions], index=keys.index, dtype=object)


def texts_per_distinct(s: pd.Series, order: np.ndarray, format_values: Callable[[pd.Series], pd.Series]
                       ) -> pa.Array:
    """`format_values` (distinct values, missing included, as an object Series → text) once per distinct
    value of `s`, laid out in `order`."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    texts = format_values(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    return pa.array(texts, type=pa.large_string()).take(pa.array(codes[order]))

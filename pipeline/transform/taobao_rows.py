"""The Taobao Assistant rows of a feed: listings → one text cell per output-profile column, in its order.

Each profile column is filled `from` a listing column (formatted below), with a constant `value` (only
where the `when` column has a value, if given), or left empty. Cells are plain text, never NA: numbers as
digits ("123.40" for a price), empty cells as "". TAB, CR and LF inside a cell become spaces. Quoting and
spreadsheet neutralisation are the writer's (pipeline/load/feed_files.py). Rows are sorted by vendor_id
and sku, so the same listings always give the same rows. Columns are pandas' Arrow-backed `str`, built in
Arrow; prices and brands are formatted once per distinct value.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.transform.arrow_text import STR, arrow_text, holds_any, large
from pipeline.transform.distinct import texts_per_distinct

CENT = Decimal("0.01")
CONTROL = r"[\t\r\n]"
SORT_KEYS = ["vendor_id", "sku"]


def taobao_rows(listings: pd.DataFrame, profile: dict[str, Any]) -> pd.DataFrame:
    """One row per listing, one str column per profile column (English names, profile order)."""
    order = sorted_positions(listings)
    cells = {column["en"]: pd.array(_column_cells(listings, order, column, profile), dtype=STR)
             for column in profile["columns"]}
    return pd.DataFrame(cells, index=pd.RangeIndex(len(order)))


def sorted_positions(listings: pd.DataFrame) -> np.ndarray:
    """The positions of `listings`' rows in SORT_KEYS order (stable; code point order, as Python sorts)."""
    if not len(listings):
        return np.zeros(0, dtype=np.int64)
    keys = pa.table({key: arrow_text(listings[key]) for key in SORT_KEYS})
    return pc.sort_indices(keys, sort_keys=[(key, "ascending") for key in SORT_KEYS]).to_numpy()


def _column_cells(listings: pd.DataFrame, order: np.ndarray, column: dict[str, Any],
                  profile: dict[str, Any]) -> pa.Array:
    rows = len(order)
    if "from" in column:
        return FORMATTERS[column["from"]](listings[column["from"]], order, profile)
    if "value" in column:
        constant = pa.repeat(large(re.sub(CONTROL, " ", str(column["value"]))), rows)
        if "when" not in column:
            return constant
        present = pa.array(listings[column["when"]].notna().to_numpy()[order])
        return pc.if_else(present, constant, large(""))
    return pa.repeat(large(""), rows)


def _in_order(values: pa.Array, order: np.ndarray) -> pa.Array:
    return values if np.array_equal(order, np.arange(len(order))) else values.take(pa.array(order))


def _text(s: pd.Series, order: np.ndarray, profile: dict[str, Any]) -> pa.Array:
    """The text, "" when missing; TAB, CR and LF replaced in the distinct values that hold one."""
    cells = pc.fill_null(_in_order(arrow_text(s), order), "")
    if not holds_any(cells, b"\t\r\n"):
        return cells
    distinct = cells.dictionary_encode()
    return pc.replace_substring_regex(distinct.dictionary, CONTROL, " ").take(distinct.indices)


def _list_item(s: pd.Series, order: np.ndarray, profile: dict[str, Any]) -> pa.Array:
    """Text that goes into a comma-separated cell (inputValues): its own commas become spaces."""
    def values(distinct: pd.Series) -> pd.Series:
        text = distinct.where(distinct.notna(), "").astype(str).astype(object)
        return text.str.replace(r"\s*,\s*", " ", regex=True).str.replace(CONTROL, " ", regex=True)

    return texts_per_distinct(s, order, values)


def _category(s: pd.Series, order: np.ndarray, profile: dict[str, Any]) -> pa.Array:
    return _digits(s.astype("Int64").fillna(0), order)


def _stock(s: pd.Series, order: np.ndarray, profile: dict[str, Any]) -> pa.Array:
    num = s.astype("Int64").fillna(profile["num_when_stock_unknown"])
    outside = (num < 0) | (num > profile["num_max"])
    if outside.any():
        raise ValueError(f"stock outside 0..{profile['num_max']}: {num[outside].head(5).tolist()}")
    return _digits(num, order)


def _digits(num: pd.Series, order: np.ndarray) -> pa.Array:
    return pa.array(num.to_numpy(dtype=np.int64)[order]).cast(pa.large_string())


def _price(s: pd.Series, order: np.ndarray, profile: dict[str, Any]) -> pa.Array:
    """Two decimals from a Decimal price; a missing, negative, too large or unrounded price is an error."""
    if s.isna().any():
        raise ValueError(f"{int(s.isna().sum())} listings have no price_cny")
    cents = _cents(s, profile["price_max"])
    if cents is None:
        return texts_per_distinct(s, order,
                                  lambda values: values.map(lambda d: _two_decimals(d, profile["price_max"])))
    distinct = cents.dictionary_encode()
    texts = pa.array([f"{d:f}" for d in distinct.dictionary.to_pylist()], type=pa.large_string())
    return texts.take(_in_order(distinct.indices, order))


def _cents(s: pd.Series, price_max: int) -> pa.Array | None:
    """The prices as decimal128(38, 2) when every one is a Decimal with at most two decimals within 0..price_max
    (and none is -0); None otherwise (_two_decimals then says which price is wrong)."""
    if pd.api.types.infer_dtype(s, skipna=False) != "decimal":
        return None
    try:
        cents = pa.array(s.to_numpy(dtype=object), type=pa.decimal128(38, 2))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    low, high = pc.min_max(cents).values()
    if len(cents) and not (0 <= low.as_py() and high.as_py() <= price_max):
        return None
    zeros = pc.equal(cents, pa.scalar(Decimal(0), cents.type)).to_numpy(zero_copy_only=False)
    if zeros.any() and any(d.is_signed() for d in s.to_numpy(dtype=object)[zeros]):
        return None
    return cents


def _two_decimals(price: Decimal, price_max: int) -> str:
    if not isinstance(price, Decimal) or price != price.quantize(CENT) or not 0 <= price <= price_max:
        raise ValueError(f"price_cny {price!r} is not a Decimal with two decimals within 0..{price_max}")
    return f"{price.quantize(CENT):f}"


FORMATTERS: dict[str, Callable[[pd.Series, np.ndarray, dict[str, Any]], pa.Array]] = {
    "title_listing": _text,
    "description_html": _text,
    "outer_id": _text,
    "barcode": _text,
    "brand": _list_item,
    "category_id": _category,
    "price_cny": _price,
    "stock": _stock,
}

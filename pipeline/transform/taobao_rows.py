"""The Taobao Assistant rows of a feed: listings → one text cell per output-profile column, in its order.

Each profile column is filled `from` a listing column (formatted below), with a constant `value` (only
where the `when` column has a value, if given), or left empty. Cells are plain text, never NA: numbers as
digits ("123.40" for a price), empty cells as "". TAB, CR and LF inside a cell become spaces. Quoting and
spreadsheet neutralisation are the writer's (pipeline/load/feed_files.py). Rows are sorted by vendor_id
and sku, so the same listings always give the same rows.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd

from pipeline.transform.text import per_distinct

CENT = Decimal("0.01")
CONTROL = r"[\t\r\n]"
SORT_KEYS = ["vendor_id", "sku"]


def taobao_rows(listings: pd.DataFrame, profile: dict[str, Any]) -> pd.DataFrame:
    """One row per listing, one str column per profile column (English names, profile order)."""
    ordered = listings.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    cells = {column["en"]: _column_cells(ordered, column, profile) for column in profile["columns"]}
    return pd.DataFrame(cells, index=ordered.index, dtype=object)


def _column_cells(listings: pd.DataFrame, column: dict[str, Any], profile: dict[str, Any]) -> pd.Series:
    if "from" in column:
        cells = FORMATTERS[column["from"]](listings[column["from"]], profile)
        return cells.str.replace(CONTROL, " ", regex=True)
    if "value" in column:
        constant = pd.Series(re.sub(CONTROL, " ", str(column["value"])), index=listings.index, dtype=object)
        return constant.where(listings[column["when"]].notna(), "") if "when" in column else constant
    return pd.Series("", index=listings.index, dtype=object)


def _text(s: pd.Series, profile: dict[str, Any]) -> pd.Series:
    return s.astype(object).where(s.notna(), "").astype(str).astype(object)


def _list_item(s: pd.Series, profile: dict[str, Any]) -> pd.Series:
    """Text that goes into a comma-separated cell (inputValues): its own commas become spaces."""
    return _text(s, profile).str.replace(r"\s*,\s*", " ", regex=True)


def _category(s: pd.Series, profile: dict[str, Any]) -> pd.Series:
    return s.astype("Int64").fillna(0).astype(str).astype(object)


def _stock(s: pd.Series, profile: dict[str, Any]) -> pd.Series:
    num = s.astype("Int64").fillna(profile["num_when_stock_unknown"])
    outside = (num < 0) | (num > profile["num_max"])
    if outside.any():
        raise ValueError(f"stock outside 0..{profile['num_max']}: {num[outside].head(5).tolist()}")
    return num.astype(str).astype(object)


def _price(s: pd.Series, profile: dict[str, Any]) -> pd.Series:
    """Two decimals from a Decimal price; a missing, negative, too large or unrounded price is an error."""
    if s.isna().any():
        raise ValueError(f"{int(s.isna().sum())} listings have no price_cny")
    return per_distinct(s, lambda values: values.map(lambda d: _two_decimals(d, profile["price_max"]))
                        .to_frame("text"))["text"].astype(object)


def _two_decimals(price: Decimal, price_max: int) -> str:
    if not isinstance(price, Decimal) or price != price.quantize(CENT) or not 0 <= price <= price_max:
        raise ValueError(f"price_cny {price!r} is not a Decimal with two decimals within 0..{price_max}")
    return f"{price.quantize(CENT):f}"


FORMATTERS: dict[str, Callable[[pd.Series, dict[str, Any]], pd.Series]] = {
    "title_listing": _text,
    "description_html": _text,
    "outer_id": _text,
    "barcode": _text,
    "brand": _list_item,
    "category_id": _category,
    "price_cny": _price,
    "stock": _stock,
}

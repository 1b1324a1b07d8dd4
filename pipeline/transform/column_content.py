"""What a column's values look like, judged on a sample: shares of barcodes, prices, quantities, codes, names …

Each share is of the sample's filled cells (0.0 for a column with none), worked out once per distinct value;
the shares that need the pipeline's own parsers (money, quantity, GTIN), so that "looks like a price" means "the
price parser reads it", are judged on a column's first PARSED_VALUES distinct values, weighted by their counts.
pipeline.transform.column_roles turns these shares into decisions.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from pipeline.transform.gtin import parse_gtin
from pipeline.transform.money import parse_money
from pipeline.transform.quantity import parse_quantity, quantity_in_text
from pipeline.transform.text import object_column
from pipeline.transform.value_tables import ValueTables

SAMPLE_ROWS = 1_000             # rows of a sheet its columns are judged on (the first ones under the header)
READINGS = ("amount", "money", "currency", "gtin", "quantity", "inside")
PARSED_VALUES = 100             # distinct values of a column the parsers read (in order of first appearance)
LONG_TEXT = 80                  # characters from which a text is a description rather than a name
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/\-]{0,23}")
_URL = re.compile(r"(?:https?://|www\.)\S+$", re.IGNORECASE)
_IMAGE = re.compile(r"\S+\.(?:jpe?g|png|webp|gif|tiff?|bmp)(?:\?\S*)?$", re.IGNORECASE)
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[ T][\d:]+)?")
_LETTER = re.compile(r"[^\W\d_]")
_DECIMAL = re.compile(r"\d[.,]\d")
_DIGIT = re.compile(r"\d")
_BARCODE_ATTEMPT = re.compile(r"\d[\d ]{5,}\d|\d(?:[.,]\d+)?[eE]\+?\d+")


@dataclass(frozen=True)
class ContentProfile:
    """Shares of a column's filled sample cells (see the module doc)."""

    rows: int = 0               # sample rows
    filled: int = 0             # of them, non-empty (placeholders aside)
    placeholders: int = 0       # of them, a placeholder ("A créer", "N/A", "?"), left out of every share
    distinct: float = 0.0       # distinct values / filled cells
    gtin: float = 0.0           # valid GTIN-8/12/13/14 (right check digit)
    barcode_like: float = 0.0   # long digit strings or Excel's scientific notation: barcodes, right or wrong
    money: float = 0.0          # read by the price parser
    currency: float = 0.0       # … and naming a currency (12,50 €)
    decimals: float = 0.0       # numbers with a decimal mark
    integer: float = 0.0        # whole numbers
    zero: float = 0.0           # numbers equal to zero
    negative: float = 0.0
    fraction: float = 0.0       # numbers strictly between 0 and 1 (rates such as 0.055)
    year: float = 0.0           # whole numbers 1900 to 2100
    quantity: float = 0.0       # a whole cell read as net content (250 g, 75 cl)
    quantity_inside: float = 0.0    # a net content found inside the text (Pot verre 250 g)
    code: float = 0.0           # one short token with a digit or in capitals (SVL-100, 000042, ASC)
    text: float = 0.0           # holding letters
    words: float = 0.0          # mean words per cell
    length: float = 0.0         # mean characters per cell
    long: float = 0.0           # LONG_TEXT characters or more, or several lines
    url: float = 0.0
    image: float = 0.0          # a picture URL or file name
    date: float = 0.0

    @property
    def empty(self) -> bool:
        return self.filled == 0

    @property
    def fill(self) -> float:
        return self.filled / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class _Distinct:
    """A column's distinct filled values (placeholders aside) in order of first appearance, with their counts."""

    rows: int
    values: list[str]
    weights: np.ndarray
    digits: np.ndarray              # which values hold a digit
    placeholders: int

    @property
    def parsed(self) -> list[str]:
        """The values the parsers read: the first PARSED_VALUES, those with a digit."""
        return [v for v, digit in zip(self.values[:PARSED_VALUES], self.digits, strict=False) if digit]


def profile_columns(sample: pd.DataFrame, tables: ValueTables,
                    is_placeholder: Callable[[str], bool] = lambda _: False) -> dict[str, ContentProfile]:
    """The content profile of every column of a frame of text cells (str or NA); cells `is_placeholder` says
    mean nothing (it is asked of cells without a digit only) are counted apart. The parsers read the
    values of all columns at once."""
    columns = {name: _distinct(sample[name].tolist(), is_placeholder) for name in sample.columns}
    batch = [value for column in columns.values() for value in column.parsed]
    readings = _numeric_readings(object_column(np.array(batch, dtype=object)), tables)
    profiles, start = {}, 0
    for name, column in columns.items():
        end = start + len(column.parsed)
        profiles[name] = _profile(column, readings.iloc[start:end])
        start = end
    return profiles


def profile_column(cells: pd.Series, tables: ValueTables, is_placeholder: Callable[[str], bool] = lambda _: False
                   ) -> ContentProfile:
    """The content profile of one column of text cells (see profile_columns)."""
    return profile_columns(pd.DataFrame({"cells": cells}), tables, is_placeholder)["cells"]


def _distinct(cells: list, is_placeholder: Callable[[str], bool]) -> _Distinct:
    counts = Counter(c.strip() for c in cells if isinstance(c, str))
    counts.pop("", None)
    values, weights, digits, placeholders = [], [], [], 0
    for value, count in counts.items():
        digit = _DIGIT.search(value) is not None
        if not digit and is_placeholder(value):
            placeholders += count
            continue
        values.append(value)
        weights.append(count)
        digits.append(digit)
    return _Distinct(len(cells), values, np.array(weights, dtype=float), np.array(digits, dtype=bool), placeholders)


def _profile(column: _Distinct, readings: pd.DataFrame) -> ContentProfile:
    """The profile of a column from its distinct values and the parsers' readings of its parsed ones; shares of
    the first PARSED_VALUES distinct values, weighted by their counts."""
    if not column.values:
        return ContentProfile(rows=column.rows, placeholders=column.placeholders)
    head = min(len(column.values), PARSED_VALUES)
    values, weights, digits = column.values[:head], column.weights[:head], column.digits[:head]
    parsed = np.zeros((head, len(READINGS)), dtype=object)
    parsed[:, 0], parsed[:, 1:] = None, False
    parsed[digits] = readings.to_numpy(dtype=object)
    read = dict(zip(READINGS, parsed.T, strict=True))
    shapes = np.array([_shape(value) for value in values], dtype=float).T
    numbers = read["amount"]
    whole = np.array([a is not None and a == a.to_integral_value() for a in numbers], dtype=bool)
    total = float(weights.sum())

    def share(flags) -> float:
        return float(np.asarray(flags, dtype=bool) @ weights / total)

    def mean(amounts) -> float:
        return float(np.asarray(amounts, dtype=float) @ weights / total)

    return ContentProfile(
        rows=column.rows, filled=int(column.weights.sum()), placeholders=column.placeholders,
        distinct=len(column.values) / float(column.weights.sum()),
        gtin=share(read["gtin"]), barcode_like=share(shapes[0]), money=share(read["money"]),
        currency=share(read["currency"]), decimals=share(shapes[1].astype(bool) & read["money"].astype(bool)),
        integer=share(whole), zero=share([a is not None and a == 0 for a in numbers]),
        negative=share([a is not None and a < 0 for a in numbers]),
        fraction=share([a is not None and 0 < a < 1 for a in numbers]),
        year=share(whole & np.array([a is not None and 1900 <= a <= 2100 for a in numbers], dtype=bool)),
        quantity=share(read["quantity"]), quantity_inside=share(read["inside"]),
        code=share(shapes[2].astype(bool) & (digits | shapes[3].astype(bool))), text=share(shapes[4]),
        words=mean(shapes[5]), length=mean(shapes[6]), long=share(shapes[7]), url=share(shapes[8]),
        image=share(shapes[9]), date=share(shapes[10]),
    )


def _shape(value: str) -> tuple:
    """What one value looks like: (barcode attempt, decimal mark, code token, in capitals, letters, words,
    characters, long, URL, picture, date)."""
    return (_BARCODE_ATTEMPT.fullmatch(value) is not None, _DECIMAL.search(value) is not None,
            _CODE.fullmatch(value) is not None, value.upper() == value, _LETTER.search(value) is not None,
            len(value.split()), len(value), len(value) >= LONG_TEXT or "\n" in value,
            _URL.match(value) is not None, _IMAGE.fullmatch(value) is not None, _DATE.fullmatch(value) is not None)


def _numeric_readings(values: pd.Series, tables: ValueTables) -> pd.DataFrame:
    """Per value: its amount (or None), whether the price parser reads it, names a currency, it is a valid GTIN,
    a whole-cell net content, or holds a net content."""
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in READINGS})
    money, amounts = _money(values, tables)
    return pd.DataFrame({
        "amount": pd.Series(amounts, dtype=object),
        "money": (money["error"].isna() & money["amount"].notna()).to_numpy(dtype=bool),
        "currency": money["currency"].notna().to_numpy(dtype=bool),
        "gtin": parse_gtin(values)["gtin"].notna().to_numpy(dtype=bool),
        "quantity": parse_quantity(values, tables)["error"].isna().to_numpy(dtype=bool),
        "inside": quantity_in_text(values, tables).notna().to_numpy(dtype=bool),
    })


def _money(values: pd.Series, tables: ValueTables) -> tuple[pd.DataFrame, list[Decimal | None]]:
    """The price parser's reading of each value, and its amount (None where it reads none)."""
    money = parse_money(values, tables)
    amounts = [a if isinstance(a, Decimal) and a.is_finite() else None for a in money["amount"]]
    return money, amounts

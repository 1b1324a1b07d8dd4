"""What a column's values look like, judged on a sample: shares of barcodes, prices, quantities, codes, names …

Each share is of the sample's filled cells (0.0 for a column with none), worked out once per distinct value
with the pipeline's own parsers (money, quantity, GTIN, integers), so that "looks like a price" means "the
price parser reads it". pipeline.transform.column_roles turns these shares into decisions.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from pipeline.transform.gtin import parse_gtin
from pipeline.transform.money import parse_money
from pipeline.transform.quantity import parse_quantity, quantity_in_text
from pipeline.transform.text import object_column

SAMPLE_ROWS = 2_000             # rows of a sheet its columns are judged on (the first ones under the header)
LONG_TEXT = 80                  # characters from which a text is a description rather than a name
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/\-]{0,23}")
_URL = re.compile(r"(?:https?://|www\.)\S+$", re.IGNORECASE)
_IMAGE = re.compile(r"\S+\.(?:jpe?g|png|webp|gif|tiff?|bmp)(?:\?\S*)?$", re.IGNORECASE)
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[ T][\d:]+)?")
_LETTER = re.compile(r"[^\W\d_]")
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


def profile_columns(sample: pd.DataFrame, is_placeholder: Callable[[str], bool] = lambda _: False
                    ) -> dict[str, ContentProfile]:
    """The content profile of every column of a frame of text cells (str or NA)."""
    return {name: profile_column(sample[name], is_placeholder) for name in sample.columns}


def profile_column(cells: pd.Series, is_placeholder: Callable[[str], bool] = lambda _: False) -> ContentProfile:
    """The content profile of one column of text cells; cells `is_placeholder` says mean nothing are counted
    apart."""
    text = cells.astype("object").where(cells.notna(), None)
    stripped = pd.Series([c.strip() if isinstance(c, str) else "" for c in text], dtype=object)
    counts = stripped[stripped != ""].value_counts(sort=False)
    placeholder = np.fromiter(map(is_placeholder, counts.index), dtype=bool, count=len(counts))
    placeholders = int(counts[placeholder].sum())
    counts = counts[~placeholder]
    if counts.empty:
        return ContentProfile(rows=len(cells), placeholders=placeholders)
    values = object_column(counts.index.to_numpy(dtype=object))
    weights = counts.to_numpy(dtype=float)
    filled = float(weights.sum())

    def share(flags) -> float:
        return float(np.asarray(flags, dtype=bool) @ weights / filled)

    money, numbers = _money(values)
    gtin = parse_gtin(values)
    return ContentProfile(
        rows=len(cells), filled=int(filled), placeholders=placeholders, distinct=len(values) / filled,
        gtin=share(gtin["gtin"].notna()),
        barcode_like=share(values.str.fullmatch(_BARCODE_ATTEMPT.pattern)),
        money=share(money["error"].isna() & money["amount"].notna()),
        currency=share(money["currency"].notna()),
        decimals=share(values.str.contains(r"\d[.,]\d", regex=True) & money["amount"].notna()),
        integer=share([a is not None and a == a.to_integral_value() for a in numbers]),
        zero=share([a is not None and a == 0 for a in numbers]),
        negative=share([a is not None and a < 0 for a in numbers]),
        fraction=share([a is not None and 0 < a < 1 for a in numbers]),
        year=share([a is not None and a == a.to_integral_value() and 1900 <= a <= 2100 for a in numbers]),
        quantity=share(parse_quantity(values)["error"].isna()),
        quantity_inside=share(quantity_in_text(values).notna()),
        code=share(values.str.fullmatch(_CODE.pattern) & (values.str.contains(r"\d", regex=True)
                                                          | (values.str.upper() == values))),
        text=share(values.str.contains(_LETTER.pattern, regex=True)),
        words=float(values.str.split().str.len().to_numpy(dtype=float) @ weights / filled),
        length=float(values.str.len().to_numpy(dtype=float) @ weights / filled),
        long=share((values.str.len() >= LONG_TEXT) | values.str.contains("\n", regex=False)),
        url=share(values.str.match(_URL.pattern, case=False)),
        image=share(values.str.fullmatch(_IMAGE.pattern, case=False)),
        date=share(values.str.fullmatch(_DATE.pattern)),
    )


def _money(values: pd.Series) -> tuple[pd.DataFrame, list[Decimal | None]]:
    """The price parser's reading of each value, and its amount (None where it reads none)."""
    money = parse_money(values)
    amounts = [a if isinstance(a, Decimal) and a.is_finite() else None for a in money["amount"]]
    return money, amounts

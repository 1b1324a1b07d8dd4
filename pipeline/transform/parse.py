"""Text frame to typed frame: each field of schemas/vendor_product.yaml read from its source by its `parser`.

The typed frame holds the lineage columns, then every schema field typed (decimal: Decimal objects or None;
integer: Int64; boolean: boolean; string and text: str or NA), then, for every field whose parser can fail,
`<field>__raw` (the cell as sent), `<field>__error` (a rule of schemas/rules.yaml, or NA) and
`<field>__detail` (the rule's {detail}, or NA).

Rules of this step:
- A field with `unique_within` (the SKU) identifies its row: it is trimmed and otherwise kept exactly. One that
  still holds a control character (TAB, CR, LF, ESC …, C1, DEL) or a bidi mark, embedding, override or isolate
  (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) is an error, `sku_invalid` (its `detail`: the code points, e.g.
  "U+0009"): such a key would not be the same text in every output, nor read the same on screen. Its value is
  kept, so that the reject names it.
- Some parsers read more than their field (PARSER_EXTRAS): the currency a price cell names sets `currency`,
  its TTC/HT mention sets `price_includes_vat`, the unit of a net content sets `net_unit`. What the price
  cell says wins over those columns, without an error: it is the most specific statement ("18,90 CHF" is
  not 18,90 EUR), and the column mapper has already filled those columns with the vendor profile's
  currency and the header's price basis, so a vendor's own value cannot be told from a default here.
- Defaults (currency EUR, origin France, brand = vendor) are the column mapper's, not applied here.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipeline.transform.gtin import parse_gtin
from pipeline.transform.money import parse_money
from pipeline.transform.quantity import parse_quantity, parse_weight
from pipeline.transform.scalars import parse_boolean, parse_currency, parse_integer
from pipeline.transform.shelf_life import parse_shelf_life
from pipeline.transform.text import html_to_text, normalise_text, refused_characters, trim_text

if TYPE_CHECKING:
    from pipeline.transform.settings import Settings

# Each parser returns a frame with "value", plus "error" and "detail" when it can fail, plus its extras.
RAW_SUFFIX, ERROR_SUFFIX, DETAIL_SUFFIX = "__raw", "__error", "__detail"   # beside a field a parser can fail on:
HELPER_SUFFIXES = (RAW_SUFFIX, ERROR_SUFFIX, DETAIL_SUFFIX)   # the vendor's cell, the rule it fails, the detail
Parser = Callable[[pd.Series, datetime.date, "Settings"], pd.DataFrame]
PARSERS: dict[str, Parser] = {
    "key": lambda cells, run_date, settings: parse_key(cells),
    "text": lambda cells, run_date, settings: normalise_text(cells).to_frame("value"),
    "html_text": lambda cells, run_date, settings: html_to_text(cells).to_frame("value"),
    "money": lambda cells, run_date, settings: parse_money(cells, settings.values).rename(columns={"amount": "value"}),
    "currency": lambda cells, run_date, settings: parse_currency(cells, settings.values),
    "boolean": lambda cells, run_date, settings: parse_boolean(cells, settings.values),
    "quantity": lambda cells, run_date, settings: parse_quantity(cells, settings.values).rename(
        columns={"quantity": "value"}),
    "gtin": lambda cells, run_date, settings: parse_gtin(cells).rename(columns={"gtin": "value"}),
    "integer": lambda cells, run_date, settings: parse_integer(cells),
    "shelf_life": lambda cells, run_date, settings: parse_shelf_life(cells, run_date, settings.values).rename(
        columns={"days": "value"}),
    "weight": lambda cells, run_date, settings: parse_weight(cells, settings.values).rename(columns={"grams": "value"}),
    "mapper": lambda cells, run_date, settings: cells.notna().to_frame("value"),     # a flag: set (how) or NA
}
# parser → {extra output column: the field it sets where it found something}
PARSER_EXTRAS = {
    "money": {"currency": "currency", "includes_vat": "price_includes_vat"},
    "quantity": {"unit": "net_unit"},
}
KEY_INVALID = "sku_invalid"         # the rule of a key holding a control or bidi character (schemas/rules.yaml)
DTYPES = {"string": object, "text": object, "decimal": object, "date": object, "integer": "Int64",
          "boolean": "boolean"}


def parse_products(text: pd.DataFrame, run_date: datetime.date, settings: Settings) -> pd.DataFrame:
    """The typed frame (see module doc) of a text frame; `run_date` dates best-before shelf lives."""
    fields = settings.fields
    typed: dict[str, pd.Series] = {name: text[name] for name in settings.lineage}
    checks: dict[str, dict[str, pd.Series]] = {}       # field -> its __raw, __error and __detail columns
    extras: list[tuple[str, pd.Series]] = []
    for name, spec in fields.items():
        if spec["parser"] == "derived":
            typed[name] = pd.Series(pd.NA, index=text.index, dtype=object)
            continue
        cells = text[spec.get("source", name)]
        result = _parsed(PARSERS["key" if "unique_within" in spec else spec["parser"]], cells, run_date, settings)
        typed[name] = result["value"]
        if "error" in result:
            checks[name] = {RAW_SUFFIX: cells, ERROR_SUFFIX: result["error"], DETAIL_SUFFIX: result["detail"]}
        extras += [(target, result[extra]) for extra, target in PARSER_EXTRAS.get(spec["parser"], {}).items()]
    for target, found in extras:
        typed[target] = typed[target].mask(found.notna(), found)
    for name, spec in fields.items():
        if "max_decimals" in spec and name in checks:
            checks[name] = _flag_too_precise(typed[name], checks[name], spec["max_decimals"])
        if "fallback" in spec:                     # e.g. a distributor's title given in Chinese only
            typed[name] = typed[name].fillna(typed[spec["fallback"]])
    for name, spec in fields.items():
        typed[name] = typed[name].astype(DTYPES[spec["type"]])
    helpers = {name + suffix: column for name in fields if name in checks for suffix, column in checks[name].items()}
    return pd.DataFrame({**typed, **helpers}, index=text.index, copy=False)   # no copy into 2-D blocks


def parse_key(cells: pd.Series) -> pd.DataFrame:
    """The key of each row trimmed (value); KEY_INVALID (error) and the code points it should not hold (detail)
    where it holds a control or bidi character (module doc)."""
    value = trim_text(cells)
    detail = refused_characters(value)
    error = pd.Series(KEY_INVALID, index=cells.index, dtype=object).where(detail.notna(), pd.NA)
    return pd.DataFrame({"value": value, "error": error, "detail": detail})


def _parsed(parser: Parser, cells: pd.Series, run_date: datetime.date, settings: Settings) -> pd.DataFrame:
    """parser(cells, run_date, settings). Parsers read each cell on its own, so a column without any value (a field the
    sheet does not have) is parsed as its first cell, repeated."""
    if len(cells) > 1 and pd.isna(cells.iat[0]) and not cells.notna().any():
        first = parser(cells.iloc[:1], run_date, settings)
        return first.iloc[np.zeros(len(cells), dtype=np.intp)].set_axis(cells.index)
    return parser(cells, run_date, settings)


def _flag_too_precise(values: pd.Series, check: dict[str, pd.Series], max_decimals: int) -> dict[str, pd.Series]:
    """`too_many_decimals` where a parsed Decimal has more places than allowed (trailing zeros aside)."""
    codes, distinct = pd.factorize(values)      # equal Decimals ("1.5", "1.50") have as many places
    places = np.array([*map(_decimal_places, distinct), 0])[codes]
    flagged = (places > max_decimals) & check[ERROR_SUFFIX].isna().to_numpy()
    if not flagged.any():
        return check
    return {**check, ERROR_SUFFIX: check[ERROR_SUFFIX].mask(flagged, "too_many_decimals"),
            DETAIL_SUFFIX: check[DETAIL_SUFFIX].mask(flagged, str(max_decimals))}


def _decimal_places(value: object) -> int:
    if not isinstance(value, Decimal) or not value.is_finite():
        return 0
    return max(0, -value.normalize().as_tuple().exponent)

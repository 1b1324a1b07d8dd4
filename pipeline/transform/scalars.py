"""Scalar cells: numbers in French or English notation, integers, booleans and ISO 4217 currency codes.

Reading a number (decimal_from_text): a single mark, comma or dot, is the decimal mark: "12,5", "12.50",
".5", and also "1,234" and "1.234", both read as 1.234. Vendors are French and write decimal commas, and a
lone dot is how English sheets and ERPs write decimals ("0.7500"); reading "1,234" as a thousand would turn a
French 1,234 € into 1 234 €, so the ambiguous case takes the French reading. Thousands separators (space,
no-break space, narrow no-break space, apostrophe, dot or comma) are read only in groups of three digits and
only when there are several of them or a different decimal mark follows: "1 234,50", "1.234,50",
"1,234.50", "1'234.50", "1,234,567". Anything else ("12 5", "1.234.50") is not a number.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.transform.distinct import per_distinct
from pipeline.transform.text import clean_values, object_column

if TYPE_CHECKING:
    from pipeline.transform.value_tables import ValueTables

# A number as a cell writes it, loosely: sign, digits with any marks, exponent (decimal_from_text judges it).
NUMBER = r"[+-]?(?:\d[\d.,'’ ]*\d|\d|[.,]\d+)(?:[eE][+-]?\d+)?"

_ONE_MARK = re.compile(r"(?P<sign>[+-]?)(?P<whole>\d*)(?:[.,](?P<fraction>\d*))?"
                       r"(?P<exponent>[eE][+-]?\d{1,3})?")
_GROUPED = re.compile(r"(?P<sign>[+-]?)"
                      r"(?P<whole>\d{1,3}(?P<group>[ '’.,\u00a0\u202f])\d{3}(?:(?P=group)\d{3})*)"
                      r"(?:(?P<point>[.,])(?P<fraction>\d+))?")
INT64_LIMIT = 2**63


def decimal_from_text(number: str) -> Decimal | None:
    """The exact value of one number written in French or English notation (see module doc), else None."""
    parts = _number_parts(number)
    if parts is None:
        return None
    sign, whole, fraction, exponent = parts
    return Decimal(f"{sign}{whole or '0'}{'.' + fraction if fraction else ''}{exponent}")


def _number_parts(number: str) -> tuple[str, str, str, str] | None:
    if match := _ONE_MARK.fullmatch(number):
        if not (match["whole"] or match["fraction"]):
            return None
        return match["sign"], match["whole"], match["fraction"] or "", match["exponent"] or ""
    match = _GROUPED.fullmatch(number)
    if match is None or match["point"] == match["group"]:
        return None
    return match["sign"], match["whole"].replace(match["group"], ""), match["fraction"] or "", ""


def parse_integer(s: pd.Series) -> pd.DataFrame:
    """Whole numbers ("12", "12.0", "1 200", "-3") → value (Int64), else error integer_unreadable."""
    return per_distinct(s, _integers)


def _integers(values: pd.Series) -> pd.DataFrame:
    numbers = [decimal_from_text(text) for text in clean_values(values).fillna("")]
    whole = [int(n) if n is not None and n == n.to_integral_value() and abs(n) < INT64_LIMIT else None
             for n in numbers]
    return _value_or_error(pd.Series(whole, index=values.index, dtype="Int64"), "integer_unreadable")


def boolean_table(words: dict[str, list[str]]) -> dict[str, bool]:
    """Lower-case yes/no words (config/booleans.yaml, `truthy` and `falsy`) → True / False."""
    return {word: True for word in words["truthy"]} | {word: False for word in words["falsy"]}


def parse_boolean(s: pd.Series, tables: ValueTables) -> pd.DataFrame:
    """oui/non, yes/no, vrai/faux, true/false, 1/0, x → value (boolean), else error boolean_unreadable."""
    return per_distinct(s, partial(_booleans, tables=tables))


def _booleans(values: pd.Series, tables: ValueTables) -> pd.DataFrame:
    return _value_or_error(clean_values(values).str.lower().map(tables.boolean_words).astype("boolean"),
                           "boolean_unreadable")


def currency_table(iso4217: dict[str, Any], signs: dict[str, str]) -> dict[str, str]:
    """Lower-case ISO 4217 codes (config/iso4217.yaml), signs and words (config/money.yaml) → the code."""
    codes = {code.lower(): code for code in iso4217}
    return codes | {sign.lower(): code for sign, code in signs.items()}


def currency_of(words: pd.Series, tables: ValueTables) -> pd.Series:
    """The ISO 4217 code each currency word or sign names ("eur", "€", "Euros."), NA when unknown."""
    return object_column(words.str.lower().str.rstrip(".").map(tables.currency_codes))


def parse_currency(s: pd.Series, tables: ValueTables) -> pd.DataFrame:
    """ISO 4217 codes in any case, or a sign or word such as "€" → value (the code), else currency_unknown."""
    return per_distinct(s, partial(_currencies, tables=tables))


def _currencies(values: pd.Series, tables: ValueTables) -> pd.DataFrame:
    return _value_or_error(currency_of(clean_values(values), tables), "currency_unknown")


def _value_or_error(value: pd.Series, rule: str) -> pd.DataFrame:
    """The parsed values, with `rule` as the error wherever a value could not be read."""
    return pd.DataFrame({"value": value,
                         "error": object_column(np.where(value.isna(), rule, pd.NA), value.index),
                         "detail": object_column(pd.NA, value.index)})

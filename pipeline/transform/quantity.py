"""Net-content and weight cells: "50 cl", "4 x 100 g", "1,5 kg", "0.7500 LITRE" to grams or millilitres.

A cell is an optional pack count ("4 x", "4x", "4 ×", "4 *"), a number (read as in
pipeline.transform.scalars) and a unit from config/units.yaml, in French or English, any case; the EU
estimated sign ℮ is ignored. The result is count × number × the unit's factor, exact, without trailing
zeros ("0.7500 LITRE" → 750 ml).

parse_quantity (net content) needs a mass or volume unit: a bare number is quantity_unreadable (the unit
is unknowable), a unit that is neither ("2 pièces", "1 unité") is quantity_unit_unknown with the unit as
detail: pieces are not grams or millilitres. parse_weight reads mass only, and a bare number is grams
(Open Food Facts writes "42.3", "42,3" and "42.3 g"); every failure there is weight_unreadable.

quantity_in_text finds the net content inside free text (a title, a container cell): the first number
(one decimal mark, comma or dot) directly followed by a mass or volume unit word, optionally after a pack
count ("6 x 1 kg", "6 btles verre x 75 cl"), returned as a cell parse_quantity reads ("6 x 75 cl"). Not a
content: a number glued to a word or a decimal ("T.60", "A6"), a unit per area or after "/" ("80g/m²",
"80,00 / kg", "€/100 g"), a drained weight ("poids égoutté 150 g", "150 g égoutté"), a zero.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.transform.distinct import per_distinct
from pipeline.transform.scalars import NUMBER, decimal_from_text
from pipeline.transform.text import clean_values, object_column

if TYPE_CHECKING:
    from pipeline.transform.value_tables import ValueTables

_MEASURE = rf"^(?:(?P<count>\d+) ?[x×*] ?)?(?P<number>{NUMBER}) ?(?P<unit>[^\W\d_].*)?$"


def unit_spellings(units: dict[str, Any]) -> dict[str, dict[str, tuple[str, Decimal]]]:
    """Per kind of config/units.yaml (mass, volume, duration): lower-case spelling → (canonical unit, factor)."""
    return {kind: {spelling: (spec["unit"], Decimal(factor)) for spelling, factor in spec["factors"].items()}
            for kind, spec in units.items() if isinstance(spec, dict) and "factors" in spec}


def parse_quantity(s: pd.Series, tables: ValueTables) -> pd.DataFrame:
    """Net content → quantity (Decimal; None when missing or wrong), unit ('g' or 'ml'), error, detail."""
    return per_distinct(s, partial(_quantities, tables=tables), fill={"quantity": None})


def parse_weight(s: pd.Series, tables: ValueTables) -> pd.DataFrame:
    """Weight → grams (Decimal; None when missing or wrong), error (weight_unreadable), detail (the unit)."""
    return per_distinct(s, partial(_weights, tables=tables), fill={"grams": None})


def _quantities(values: pd.Series, tables: ValueTables) -> pd.DataFrame:
    measures = _measures(values, tables, ("mass", "volume"))
    error = object_column(np.select(
        [measures["amount"].isna() | (measures["word"] == ""), measures["unit"].isna()],
        ["quantity_unreadable", "quantity_unit_unknown"], default=pd.NA), values.index)
    return pd.DataFrame({"quantity": measures["converted"].where(error.isna(), None),
                         "unit": measures["unit"].where(error.isna(), pd.NA),
                         "error": error,
                         "detail": object_column(measures["word"].where(error == "quantity_unit_unknown"))})


def _weights(values: pd.Series, tables: ValueTables) -> pd.DataFrame:
    measures = _measures(values, tables, ("mass",), bare_unit="g")
    failed = measures["converted"].isna()
    unknown_unit = measures["amount"].notna() & measures["unit"].isna()
    return pd.DataFrame({"grams": measures["converted"],
                         "error": object_column(np.where(failed, "weight_unreadable", pd.NA), values.index),
                         "detail": object_column(measures["word"].where(unknown_unit))})


def _measures(values: pd.Series, tables: ValueTables, kinds: tuple[str, ...], bare_unit: str = "") -> pd.DataFrame:
    """Per cell: amount (count × number, None if unreadable), word (the unit as written, else `bare_unit`),
    unit and converted (the canonical unit and amount × factor, NA / None when the word is not a unit)."""
    parts = clean_values(values).fillna("").str.lower().str.extract(_MEASURE)
    word = parts["unit"].fillna("").str.replace(tables.ignored_unit_marks, "", regex=True).str.strip().str.rstrip(".")
    word = word.mask(word == "", bare_unit)
    found = word.map(tables.unit_factors(kinds))
    amount = [_amount(count, number) for count, number in zip(parts["count"], parts["number"], strict=True)]
    converted = [_tidy(a * f[1]) if a is not None and isinstance(f, tuple) else None
                 for a, f in zip(amount, found, strict=True)]
    return pd.DataFrame({"amount": pd.Series(amount, index=values.index, dtype=object),
                         "word": object_column(word),
                         "unit": object_column(found.str[0]),
                         "converted": pd.Series(converted, index=values.index, dtype=object)})


def _amount(count: str | float, number: str | float) -> Decimal | None:
    """count × number; the regex leaves NaN for a group that is absent."""
    value = decimal_from_text(number) if isinstance(number, str) else None
    if value is None or not isinstance(count, str):
        return value
    return value * int(count)


def _tidy(value: Decimal) -> Decimal:
    """Trailing zeros dropped without switching to exponent notation: 750.0000 → 750, 0.50 → 0.5."""
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()


def quantity_in_text(cells: pd.Series, tables: ValueTables) -> pd.Series:
    """The net content a text states, as text parse_quantity reads ("250 g", "6 x 1 kg", "1.5 l", "75 cl"), or NA."""
    return per_distinct(cells, partial(_quantities_in_text, pattern=tables.quantity_in_text))["text"]


def _quantities_in_text(values: pd.Series, pattern: re.Pattern[str]) -> pd.DataFrame:
    texts = clean_values(values).fillna("")
    return object_column([_first_quantity(text, pattern) for text in texts], values.index).to_frame("text")


def _first_quantity(text: str, pattern: re.Pattern[str]) -> str | None:
    for match in pattern.finditer(text):
        drained = match["drained_before"] or match["drained_after"]
        if not drained and decimal_from_text(match["number"]):      # a zero is no content
            count = f"{match['count']} x " if match["count"] else ""
            return f"{count}{match['number']} {match['unit'].lower()}"
    return None


def quantity_in_text_pattern(spellings: dict[str, Any]) -> re.Pattern[str]:
    """A quantity in running text (see module doc), given the mass and volume unit spellings; longest spellings
    first, so "gr" is not read as "g"."""
    units = "|".join(map(re.escape, sorted(spellings, key=len, reverse=True)))
    return re.compile(
        r"(?P<drained_before>[ée]goutt\w*\W{0,3})?"
        r"(?<![\w.])(?<!\d,)(?<!/)(?<!/ )"                       # not "T.60", "A6", "1,5", "€/100 g"
        r"(?:(?P<count>\d{1,3})(?: [^\W\d_]+\.?){0,3}? ?[x×*] ?)?"   # "6 x ", "6x", "6 btles verre x "
        rf"(?P<number>\d+(?:[.,]\d+)?) ?(?P<unit>{units})(?![^\W_]|/)"
        r"(?P<drained_after>(?: net)? [ée]goutt)?",
        re.IGNORECASE)

"""Shelf-life cells: a duration ("18 mois", "540 jours", "2 ans") or a best-before date (DDM) to days.

Durations use the units and the convention of config/units.yaml (1 month = 30 days, 1 year = 365 days),
rounded half up to whole days ("1,5 an" → 548). A date is "31/12/2027" (also with "-" or "."; a two-digit
year is 20xx), "2027-12-31" (optionally with a midnight time, as a spreadsheet date turned into text) or
"12/2027" (the last day of that month), and counts the days from the run date to it: a past date gives 0
or fewer days, kept as such for the minimum-shelf-life check to reject. A bare number is unreadable: the
cell does not say whether it means days or months. Everything unreadable is shelf_life_unreadable.
"""
from __future__ import annotations

import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipeline.transform.distinct import per_distinct
from pipeline.transform.scalars import NUMBER, decimal_from_text
from pipeline.transform.text import clean_values, object_column

if TYPE_CHECKING:
    from pipeline.transform.value_tables import ValueTables

MAX_DURATION = 10**9   # in any unit: far beyond a shelf life, and keeps the day count exact and within Int64
_DURATION = rf"^(?P<number>{NUMBER}) ?(?P<unit>[^\W\d_].*)$"
_DATES = [
    r"^(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4}|\d{2})$",
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[ T]00:00(?::00)?)?$",
    r"^(?P<month>\d{1,2})[/.-](?P<year>\d{4})$",
]


def parse_shelf_life(s: pd.Series, run_date: datetime.date, tables: ValueTables) -> pd.DataFrame:
    """Shelf-life text → days (Int64), error (shelf_life_unreadable) and detail (an unknown unit)."""
    durations = tables.unit_factors(("duration",))
    return per_distinct(s, lambda values: _shelf_lives(values, run_date, durations))


def _shelf_lives(values: pd.Series, run_date: datetime.date, durations: dict) -> pd.DataFrame:
    text = clean_values(values).fillna("").str.lower()
    dated = (_best_before(text) - pd.Timestamp(run_date)).dt.days.astype("Int64")
    lasting = _duration_days(text, durations)
    days = dated.where(dated.notna(), lasting["days"])
    return pd.DataFrame({"days": days,
                         "error": object_column(np.where(days.isna(), "shelf_life_unreadable", pd.NA),
                                                values.index),
                         "detail": lasting["unknown_unit"]})


def _best_before(text: pd.Series) -> pd.Series:
    """The date each cell names (NaT if none or impossible, e.g. 31/02); a month alone means its last day."""
    matches = [text.str.extract(pattern) for pattern in _DATES]
    parts = functools.reduce(pd.DataFrame.combine_first, matches).apply(pd.to_numeric)
    year = parts["year"].where(parts["year"] >= 100, parts["year"] + 2000)
    day = parts["day"].fillna(1)
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": parts["month"], "day": day}), errors="coerce")
    return first.where(parts["day"].notna(), first + pd.offsets.MonthEnd(0))


def _duration_days(text: pd.Series, durations: dict) -> pd.DataFrame:
    """Days of each duration cell (NA if not one), and the unit as written where it is not a duration unit."""
    parts = text.str.extract(_DURATION)
    factors = parts["unit"].str.rstrip(".").map(durations)
    days = [_whole_days(number, factor) for number, factor in zip(parts["number"], factors, strict=True)]
    unknown = parts["unit"].notna() & factors.isna()
    return pd.DataFrame({"days": pd.Series(days, index=text.index, dtype="Int64"),
                         "unknown_unit": object_column(parts["unit"].where(unknown))})


def _whole_days(number: str | float, factor: tuple[str, Decimal] | float) -> int | None:
    value = decimal_from_text(number) if isinstance(number, str) and isinstance(factor, tuple) else None
    if value is None or abs(value) > MAX_DURATION:
        return None
    return int((value * factor[1]).quantize(Decimal(1), rounding=ROUND_HALF_UP))

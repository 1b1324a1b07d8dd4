"""Tests of pipeline.transform.shelf_life: durations and best-before dates to days."""
from __future__ import annotations

import datetime
from unittest import mock

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform import shelf_life
from pipeline.transform.shelf_life import parse_shelf_life

VALUES = config.settings().values

RUN_DATE = datetime.date(2026, 11, 26)


def first_row(cell: object) -> dict:
    frame = parse_shelf_life(pd.Series([cell], dtype=object), RUN_DATE, VALUES)
    return {column: frame[column].iloc[0] for column in frame}


@pytest.mark.parametrize(("cell", "days"), [
    ("18 mois", 540), ("24 months", 720), ("2 ans", 730), ("1 an.", 365), ("540 jours", 540), ("540 j", 540),
    ("365 days", 365), ("12 m", 360), ("6 semaines", 42), ("1,5 an", 548), ("18\u00a0Mois", 540),
    ("31/12/2027", 400), ("2027-12-31", 400), ("2027-12-31 00:00:00", 400), ("31.12.27", 400),
    ("12/2027", 400),                                     # end of that month
    ("02/2028", 460),                                     # 29 February 2028
    ("26/11/2026", 0), ("31/12/2025", -330),              # past dates kept for the minimum check
])
def test_readable_shelf_lives(cell: str, days: int) -> None:
    assert first_row(cell) == {"days": days, "error": pd.NA, "detail": pd.NA}


@pytest.mark.parametrize(("cell", "detail"), [
    ("540", pd.NA),                 # a bare number: days or months?
    ("31/02/2027", pd.NA), ("13/2027", pd.NA), ("longue", pd.NA), ("1e999 mois", pd.NA),
    ("18 lunes", "lunes"),
])
def test_unreadable_shelf_lives(cell: str, detail: object) -> None:
    assert first_row(cell) == {"days": pd.NA, "error": "shelf_life_unreadable", "detail": detail}


def test_missing_cell_and_dtypes() -> None:
    result = parse_shelf_life(pd.Series([pd.NA, "18 mois"], dtype=object), RUN_DATE, VALUES)
    assert result["days"].dtype == "Int64"
    assert [result[column].iloc[0] for column in result] == [pd.NA, pd.NA, pd.NA]


def test_each_distinct_cell_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series(["18 mois", "540 jours", "2 ans"], dtype=object).sample(
        10_000, replace=True, random_state=1)
    read = mock.Mock(wraps=shelf_life.decimal_from_text)
    monkeypatch.setattr(shelf_life, "decimal_from_text", read)
    result = parse_shelf_life(s, RUN_DATE, VALUES)
    assert read.call_count == 3
    assert (result["days"] == 730).sum() == (s == "2 ans").sum()

"""Tests of pipeline.transform.scalars: number notation, integers, booleans and currency codes."""
from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform import scalars
from pipeline.transform.scalars import decimal_from_text, parse_boolean, parse_currency, parse_integer

VALUES = config.settings().values


def cells(*values: object) -> pd.Series:
    return pd.Series(values, dtype=object)


@pytest.mark.parametrize(("number", "expected"), [
    ("12", Decimal("12")), ("12,5", Decimal("12.5")), ("12.50", Decimal("12.50")), (".5", Decimal("0.5")),
    (",5", Decimal("0.5")), ("-5", Decimal("-5")), ("+3", Decimal("3")), ("12.", Decimal("12")),
    ("1,234", Decimal("1.234")), ("1.234", Decimal("1.234")),          # one mark: always the decimal mark
    ("1 234", Decimal("1234")), ("1\u00a0234,50", Decimal("1234.50")), ("1\u202f234,50", Decimal("1234.50")),
    ("1.234,50", Decimal("1234.50")), ("1,234.50", Decimal("1234.50")), ("1'234.50", Decimal("1234.50")),
    ("1,234,567", Decimal("1234567")), ("1.234.567", Decimal("1234567")),
    ("1 234 567,8", Decimal("1234567.8")),
    ("1e30", Decimal("1E+30")), ("1,5E3", Decimal("1500")),
    ("12 5", None), ("1.234.50", None), ("1,23,456", None), ("1 2345", None), ("", None), (",", None),
    ("-", None), ("1e9999", None), ("NaN", None), ("inf", None),
])
def test_decimal_from_text(number: str, expected: Decimal | None) -> None:
    assert decimal_from_text(number) == expected


@pytest.mark.parametrize(("cell", "value", "error"), [
    ("12", 12, pd.NA), ("12.0", 12, pd.NA), ("1 200", 1200, pd.NA), ("0", 0, pd.NA), ("-3", -3, pd.NA),
    (" 7 ", 7, pd.NA), ("douze", pd.NA, "integer_unreadable"), ("2.5", pd.NA, "integer_unreadable"),
    ("1,200", pd.NA, "integer_unreadable"),       # the decimal 1.2, not twelve hundred
    ("99999999999999999999", pd.NA, "integer_unreadable"), (pd.NA, pd.NA, pd.NA),
])
def test_parse_integer(cell: object, value: object, error: object) -> None:
    result = parse_integer(cells(cell))
    assert result["value"].dtype == "Int64"
    assert result["value"].iloc[0] is pd.NA if value is pd.NA else result["value"].iloc[0] == value
    assert result["error"].iloc[0] is pd.NA if error is pd.NA else result["error"].iloc[0] == error


@pytest.mark.parametrize(("cell", "value"), [
    ("oui", True), ("Oui", True), ("YES", True), ("true", True), ("TRUE", True), ("vrai", True), ("1", True),
    ("x", True), ("X", True), ("non", False), ("NO", False), ("False", False), ("faux", False), ("0", False),
])
def test_parse_boolean(cell: str, value: bool) -> None:
    result = parse_boolean(cells(cell), VALUES)
    assert result["value"].dtype == "boolean"
    assert result["value"].iloc[0] == value and result["error"].iloc[0] is pd.NA


@pytest.mark.parametrize("cell", ["TTC", "HT", "peut-être", "2"])
def test_parse_boolean_rejects_other_words(cell: str) -> None:
    result = parse_boolean(cells(cell), VALUES)
    assert result["value"].iloc[0] is pd.NA and result["error"].iloc[0] == "boolean_unreadable"


@pytest.mark.parametrize(("cell", "value"), [
    ("EUR", "EUR"), ("eur", "EUR"), (" chf ", "CHF"), ("€", "EUR"), ("Euros", "EUR"), ("£", "GBP"),
    ("$", "USD"), ("XCG", "XCG"),
])
def test_parse_currency(cell: str, value: str) -> None:
    result = parse_currency(cells(cell), VALUES)
    assert result["value"].iloc[0] == value and result["error"].iloc[0] is pd.NA


@pytest.mark.parametrize("cell", ["XYZ", "EURO DOLLAR", "XXX", "ANG", "¥"])
def test_parse_currency_rejects_unknown(cell: str) -> None:
    result = parse_currency(cells(cell), VALUES)
    assert result["value"].iloc[0] is pd.NA and result["error"].iloc[0] == "currency_unknown"


def test_iso4217_list_is_codes_to_names() -> None:
    codes = config.config_file("iso4217.yaml")
    assert {"EUR", "CHF", "GBP", "USD", "CNY"} <= set(codes)
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in codes)


def test_each_distinct_cell_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = cells("12", "1 200", "douze").sample(10_000, replace=True, random_state=1)
    read = mock.Mock(wraps=decimal_from_text)
    monkeypatch.setattr(scalars, "decimal_from_text", read)
    clean = mock.Mock(wraps=scalars.clean_values)
    monkeypatch.setattr(scalars, "clean_values", clean)
    assert parse_integer(s)["value"].notna().sum() == (s != "douze").sum()
    parse_boolean(s.replace({"12": "oui"}), VALUES)
    parse_currency(s, VALUES)
    assert read.call_count == 3
    assert [len(call.args[0]) for call in clean.call_args_list] == [3, 3, 3]

"""Tests of pipeline.transform.money: price text to amount, currency and tax mention."""
from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform import money
from pipeline.transform.money import parse_money

VALUES = config.settings().values


def parsed(cell: object) -> dict:
    frame = parse_money(pd.Series([cell], dtype=object), VALUES)
    return {column: frame[column].iloc[0] for column in frame}


@pytest.mark.parametrize(("cell", "amount", "currency"), [
    ("4,20 €", Decimal("4.20"), "EUR"),
    ("1 234,50 €", Decimal("1234.50"), "EUR"),
    ("1\u00a0234,50 €", Decimal("1234.50"), "EUR"),
    ("1\u202f234,50\u00a0€", Decimal("1234.50"), "EUR"),
    ("12.50 EUR", Decimal("12.50"), "EUR"),
    ("€12.50", Decimal("12.50"), "EUR"),
    ("EUR 12,50", Decimal("12.50"), "EUR"),
    ("12,5", Decimal("12.5"), pd.NA),
    ("12", Decimal("12"), pd.NA),
    ("1.234,50", Decimal("1234.50"), pd.NA),
    ("1,234.50", Decimal("1234.50"), pd.NA),
    ("CHF 18.90", Decimal("18.90"), "CHF"),
    ("18,90 CHF", Decimal("18.90"), "CHF"),
    ("£5", Decimal("5"), "GBP"),
    ("$5.00", Decimal("5.00"), "USD"),
    (".5", Decimal("0.5"), pd.NA),
    ("1e30", Decimal("1E+30"), pd.NA),
    ("-5", Decimal("-5"), pd.NA),
    ("1,234", Decimal("1.234"), pd.NA),        # documented: a lone comma is a decimal comma
    ("12€50", Decimal("12.50"), "EUR"),
    ("12 euros", Decimal("12"), "EUR"),
    ("12,50 eur.", Decimal("12.50"), "EUR"),
])
def test_readable_prices(cell: str, amount: Decimal, currency: object) -> None:
    result = parsed(cell)
    assert result["amount"] == amount and isinstance(result["amount"], Decimal)
    assert result["currency"] is currency if currency is pd.NA else result["currency"] == currency
    assert result["error"] is pd.NA and result["detail"] is pd.NA


@pytest.mark.parametrize(("cell", "includes_vat"), [
    ("12,50 € TTC", True), ("12,50 € ttc", True), ("12,50 € T.T.C.", True), ("12,50 € HT", False),
    ("12 HT", False), ("12,50 €", pd.NA),
])
def test_tax_mention(cell: str, includes_vat: object) -> None:
    result = parsed(cell)
    assert result["error"] is pd.NA
    stated = result["includes_vat"]
    assert stated is pd.NA if includes_vat is pd.NA else stated == includes_vat


@pytest.mark.parametrize(("cell", "error", "detail"), [
    ("sur demande", "money_unreadable", pd.NA),
    ("N/A", "money_unreadable", pd.NA),
    ("prix sur demande", "money_unreadable", pd.NA),
    ("12 € - 15 €", "money_unreadable", pd.NA),
    ("EUR 12 €", "money_unreadable", pd.NA),
    ("12 5 €", "money_unreadable", pd.NA),
    ("#DIV/0!", "money_unreadable", pd.NA),
    ("NaN", "money_not_a_number", pd.NA),
    ("nan", "money_not_a_number", pd.NA),
    ("inf", "money_not_a_number", pd.NA),
    ("-Infinity", "money_not_a_number", pd.NA),
    ("12 XYZ", "money_currency_unknown", "XYZ"),
    ("₹ 12", "money_currency_unknown", "₹"),
])
def test_unreadable_prices(cell: str, error: str, detail: object) -> None:
    result = parsed(cell)
    assert result["amount"] is None and result["currency"] is pd.NA
    assert result["error"] == error
    assert result["detail"] is detail if detail is pd.NA else result["detail"] == detail


def test_missing_cell_gives_no_amount_and_no_error() -> None:
    result = parsed(pd.NA)
    assert result["amount"] is None and result["error"] is pd.NA and result["currency"] is pd.NA


def test_columns_and_dtypes() -> None:
    result = parse_money(pd.Series(["4,20 €", pd.NA, "x"], index=[5, 6, 7], dtype=object), VALUES)
    assert list(result.columns) == ["amount", "currency", "includes_vat", "error", "detail"]
    assert result.dtypes.astype(str).tolist() == ["object", "object", "boolean", "object", "object"]
    assert result.index.tolist() == [5, 6, 7]


def test_each_distinct_cell_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series(["4,20 €", "12 XYZ", "1 234,50"], dtype=object).sample(10_000, replace=True, random_state=1)
    read = mock.Mock(wraps=money.decimal_from_text)
    monkeypatch.setattr(money, "decimal_from_text", read)
    result = parse_money(s, VALUES)
    assert read.call_count == 3
    assert (result["amount"] == Decimal("4.20")).sum() == (s == "4,20 €").sum()

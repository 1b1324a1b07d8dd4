"""Tests of pipeline.transform.quantity: net content to g / ml, and weights to grams."""
from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pandas as pd
import pytest

from pipeline.transform import quantity
from pipeline.transform.quantity import parse_quantity, parse_weight


def first_row(frame: pd.DataFrame) -> dict:
    return {column: frame[column].iloc[0] for column in frame}


@pytest.mark.parametrize(("cell", "amount", "unit"), [
    ("50 cl", "500", "ml"), ("1 L", "1000", "ml"), ("1l", "1000", "ml"), ("1 litre", "1000", "ml"),
    ("75cl", "750", "ml"), ("0,75 L", "750", "ml"), ("4 x 100 g", "400", "g"), ("4x100g", "400", "g"),
    ("4 × 100 g", "400", "g"), ("6 X 25 cl", "1500", "ml"), ("1,5 kg", "1500", "g"), ("200g", "200", "g"),
    ("250 gr", "250", "g"), ("250 gr.", "250", "g"), ("500 grammes", "500", "g"), ("15ml", "15", "ml"),
    ("1 kg", "1000", "g"), ("0.7500 LITRE", "750", "ml"), ("500 g ℮", "500", "g"),
    ("0,5 Litres", "500", "ml"), ("1 lb", "453.59237", "g"),
])
def test_readable_quantities(cell: str, amount: str, unit: str) -> None:
    result = first_row(parse_quantity(pd.Series([cell], dtype=object)))
    assert result["quantity"] == Decimal(amount) and str(result["quantity"]) == amount
    assert result["unit"] == unit and result["error"] is pd.NA


@pytest.mark.parametrize(("cell", "error", "detail"), [
    ("500", "quantity_unreadable", pd.NA),
    ("bouteille", "quantity_unreadable", pd.NA),
    ("1 2 g", "quantity_unreadable", pd.NA),
    ("12/2027", "quantity_unreadable", pd.NA),
    ("2 pièces", "quantity_unit_unknown", "pièces"),
    ("1 unité", "quantity_unit_unknown", "unité"),
    ("1.0000 UNITE", "quantity_unit_unknown", "unite"),
])
def test_unreadable_quantities(cell: str, error: str, detail: object) -> None:
    result = first_row(parse_quantity(pd.Series([cell], dtype=object)))
    assert result["quantity"] is None and result["unit"] is pd.NA and result["error"] == error
    assert result["detail"] is detail if detail is pd.NA else result["detail"] == detail


@pytest.mark.parametrize(("cell", "grams"), [
    ("42.3", "42.3"), ("42,3", "42.3"), ("42.3 g", "42.3"), ("42.30", "42.3"), ("1,2 kg", "1200"),
    (".5", "0.5"),
])
def test_weights(cell: str, grams: str) -> None:
    result = first_row(parse_weight(pd.Series([cell], dtype=object)))
    assert str(result["grams"]) == grams and result["error"] is pd.NA


@pytest.mark.parametrize(("cell", "detail"), [("1 l", "l"), ("abc", pd.NA), ("2 pièces", "pièces")])
def test_unreadable_weights(cell: str, detail: object) -> None:
    result = first_row(parse_weight(pd.Series([cell], dtype=object)))
    assert result["grams"] is None and result["error"] == "weight_unreadable"
    assert result["detail"] is detail if detail is pd.NA else result["detail"] == detail


def test_missing_cells_stay_missing() -> None:
    assert first_row(parse_quantity(pd.Series([pd.NA], dtype=object))) == {
        "quantity": None, "unit": pd.NA, "error": pd.NA, "detail": pd.NA}
    assert first_row(parse_weight(pd.Series([pd.NA], dtype=object))) == {
        "grams": None, "error": pd.NA, "detail": pd.NA}


def test_open_food_facts_weights(real_fixtures) -> None:
    sheet = pd.read_csv(real_fixtures / "off-import_csv_file-test.tsv", sep="\t", dtype=object,
                        keep_default_na=False)
    weights = sheet["packagings_1_weight_specified"].replace("", pd.NA).dropna()
    assert weights.head(3).tolist() == ["42.3", "42,3", "42.3 g"]
    result = parse_weight(weights)
    assert result["error"].isna().all()
    assert result["grams"].head(3).tolist() == [Decimal("42.3")] * 3


def test_each_distinct_cell_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series(["50 cl", "4 x 100 g", "2 pièces"], dtype=object).sample(
        10_000, replace=True, random_state=1)
    read = mock.Mock(wraps=quantity.decimal_from_text)
    monkeypatch.setattr(quantity, "decimal_from_text", read)
    result = parse_quantity(s)
    assert read.call_count == 3
    assert (result["unit"] == "ml").sum() == (s == "50 cl").sum()

"""Tests of pipeline.transform.quantity: net content to g / ml, and weights to grams."""
from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform import quantity
from pipeline.transform.quantity import parse_quantity, parse_weight, quantity_in_text

VALUES = config.settings().values


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
    result = first_row(parse_quantity(pd.Series([cell], dtype=object), VALUES))
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
    result = first_row(parse_quantity(pd.Series([cell], dtype=object), VALUES))
    assert result["quantity"] is None and result["unit"] is pd.NA and result["error"] == error
    assert result["detail"] is detail if detail is pd.NA else result["detail"] == detail


@pytest.mark.parametrize(("cell", "grams"), [
    ("42.3", "42.3"), ("42,3", "42.3"), ("42.3 g", "42.3"), ("42.30", "42.3"), ("1,2 kg", "1200"),
    (".5", "0.5"),
])
def test_weights(cell: str, grams: str) -> None:
    result = first_row(parse_weight(pd.Series([cell], dtype=object), VALUES))
    assert str(result["grams"]) == grams and result["error"] is pd.NA


@pytest.mark.parametrize(("cell", "detail"), [("1 l", "l"), ("abc", pd.NA), ("2 pièces", "pièces")])
def test_unreadable_weights(cell: str, detail: object) -> None:
    result = first_row(parse_weight(pd.Series([cell], dtype=object), VALUES))
    assert result["grams"] is None and result["error"] == "weight_unreadable"
    assert result["detail"] is detail if detail is pd.NA else result["detail"] == detail


def test_missing_cells_stay_missing() -> None:
    assert first_row(parse_quantity(pd.Series([pd.NA], dtype=object), VALUES)) == {
        "quantity": None, "unit": pd.NA, "error": pd.NA, "detail": pd.NA}
    assert first_row(parse_weight(pd.Series([pd.NA], dtype=object), VALUES)) == {
        "grams": None, "error": pd.NA, "detail": pd.NA}


def test_open_food_facts_weights(real_fixtures) -> None:
    sheet = pd.read_csv(real_fixtures / "off-import_csv_file-test.tsv", sep="\t", dtype=object,
                        keep_default_na=False)
    weights = sheet["packagings_1_weight_specified"].replace("", pd.NA).dropna()
    assert weights.head(3).tolist() == ["42.3", "42,3", "42.3 g"]
    result = parse_weight(weights, VALUES)
    assert result["error"].isna().all()
    assert result["grams"].head(3).tolist() == [Decimal("42.3")] * 3


def test_each_distinct_cell_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series(["50 cl", "4 x 100 g", "2 pièces"], dtype=object).sample(
        10_000, replace=True, random_state=1)
    read = mock.Mock(wraps=quantity.decimal_from_text)
    monkeypatch.setattr(quantity, "decimal_from_text", read)
    result = parse_quantity(s, VALUES)
    assert read.call_count == 3
    assert (result["unit"] == "ml").sum() == (s == "50 cl").sum()


def read_in_text(text: object) -> tuple[object, object]:
    """quantity_in_text on one cell, read back by parse_quantity: (quantity, unit)."""
    found = quantity_in_text(pd.Series([text], dtype=object), VALUES)
    result = first_row(parse_quantity(found, VALUES))
    return result["quantity"], result["unit"]


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("Cafe vert d'altitude 250 gr", "250", "g"), ("6 x 1 kg vrac Ethiopie Sidamo", "6000", "g"),
    ("Coca Cola 1.5L", "1500", "ml"), ("25CL RED BULL GREEN ED.FR.DRAG", "250", "ml"),
    ("Eau de parfum Kenzie 100 ml", "100", "ml"), ("Btle verre 75 cl", "750", "ml"),
    ("6 btles verre x 75 cl", "4500", "ml"), ("Bocal verre 250 g, 150 g égoutté", "250", "g"),
    ("Pot verre 375 g", "375", "g"), ("Miel de lavande 500g (2 x 250 g)", "500", "g"),
    ("Thé vert 100g", "100", "g"), ("Thé (100 G)", "100", "g"), ("BIB 10L", "10000", "ml"),
    ("27,5 cl", "275", "ml"), ("Poches Kraft 250 gr avec fermoirs (carton de 1000 )", "250", "g"),
    ("Pack 6x33cl", "1980", "ml"), ("Lot de 4 × 125 g", "500", "g"), ("Vin rouge 13,5% vol. 75cl", "750", "ml"),
    ("Poids net égoutté : 150 g, poids net 250 g", "250", "g"), ("POIDS ÉGOUTTÉ 200 G - 400 G", "400", "g"),
    ("Confiture 12,50 €/100 g, pot 370 g", "370", "g"), ("0 g de sucre ajouté, 1 l", "1000", "ml"),
    ("Huile d'olive 0,5 litre", "500", "ml"), ("Riz 1 kilo", "1000", "g"), ("A6 250g", "250", "g"),
    ("Thé vert\u00a0100\u00a0g", "100", "g"),
])
def test_quantities_in_text(text: str, amount: str, unit: str) -> None:
    assert read_in_text(text) == (Decimal(amount), unit)


@pytest.mark.parametrize("text", [
    "Papier mat 80g/m²", "Format 10x15 cm", "Vase Jarre (15 CM)", "Lomo 80,00 / kg", "30 € le kg", "prix au kg",
    "Qamis 1 - Blanc - T.60", "Assemblage Viura 80% et Malvasia 20%", "Vin rouge (10,5º al.)", "", " ", pd.NA,
    "Cahier A6", "Ref 3060", "Olives 150 g égouttées", "2,50 € / 100 g", "3 lots", "Sac 5 litrons",
])
def test_texts_without_quantity(text: object) -> None:
    assert quantity_in_text(pd.Series([text], dtype=object), VALUES).iloc[0] is pd.NA


@pytest.mark.parametrize(("spelling", "factor"), sorted(
    (spelling, factor) for spelling, (_, factor) in VALUES.unit_factors(("mass", "volume")).items()))
def test_every_unit_spelling_is_found_in_text(spelling: str, factor: Decimal) -> None:
    for text in (f"Produit 2 {spelling} bio", f"Produit 2{spelling.upper()}"):
        amount, _ = read_in_text(text)
        assert amount == 2 * factor, text


def test_quantity_in_text_keeps_the_index_and_reads_each_distinct_text_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series(["Thé 100 g", "Eau 1,5 L", "Vase", pd.NA], dtype=object).sample(
        1_000, replace=True, random_state=1)
    first = mock.Mock(wraps=quantity._first_quantity)
    monkeypatch.setattr(quantity, "_first_quantity", first)
    result = quantity_in_text(s, VALUES)
    assert first.call_count == 3
    assert result.dtype == object and result.index.equals(s.index)
    found = {"Thé 100 g": "100 g", "Eau 1,5 L": "1,5 l"}
    assert result.tolist() == [found.get(text, pd.NA) for text in s]

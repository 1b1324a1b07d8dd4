"""Tests of pipeline.transform.parse: a text frame becomes the typed frame the schema describes."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.parse import PARSERS, _parsed, parse_key, parse_products
from pipeline.transform.validate import validate

SETTINGS = config.settings()

RUN_DATE = datetime.date(2026, 11, 26)
LINEAGE = ["vendor_id", "source_file", "source_row"]
ROWS = [
    {"sku": " SAV-01 ", "title": "Savon  à la lavande\u00a0", "price": "4,20 €", "currency": "EUR",
     "price_includes_vat": "oui", "net_content": "100 g", "barcode": "3368954957571", "stock": "12",
     "shelf_life": "18 mois", "weight": "110",
     "description": "<p>Savon &eacute;l&eacute;gant</p><p>Doux</p>"},
    {"sku": "sav-02  b", "title": "Huile d'olive", "price": "18,90 CHF", "currency": "EUR",
     "price_includes_vat": "true", "net_content": "50 cl", "barcode": "4.6347E+11", "stock": "douze",
     "shelf_life": "31/12/2027", "weight": "0,6 kg"},
    {"sku": "SAV-03", "title": "Miel", "price": "sur demande", "currency": "XYZ",
     "price_includes_vat": "peut-être", "net_content": "2 pièces", "barcode": "123", "stock": "-3",
     "shelf_life": "540", "weight": "1 l"},
    {"sku": "SAV-04", "title": "Nougat", "price": "9,90 € HT", "price_includes_vat": "true",
     "net_content": "4 x 100 g"},
]


@pytest.fixture
def text() -> pd.DataFrame:
    """A four-row text frame as the column mapper hands it over (every source column, str or NA)."""
    sources = [spec.get("source", name) for name, spec in config.schema_fields().items()
               if spec["parser"] != "derived"]
    frame = pd.DataFrame([{column: row.get(column, pd.NA) for column in sources} for row in ROWS],
                         dtype=object)
    lineage = pd.DataFrame({"vendor_id": "savonnerie", "source_file": "savonnerie/catalogue.csv",
                            "source_row": range(2, 6)}, dtype=object).astype({"source_row": "int64"})
    return pd.concat([lineage, frame], axis=1)


def test_columns_and_dtypes(text: pd.DataFrame) -> None:
    typed = parse_products(text, RUN_DATE, SETTINGS)
    fields = config.schema_fields()
    fallible = ["sku", "price", "currency", "price_includes_vat", "net_content", "barcode", "stock",
                "shelf_life_days", "weight_g"]
    helpers = [f"{field}__{part}" for field in fallible for part in ("raw", "error", "detail")]
    assert list(typed.columns) == [*LINEAGE, *fields, *helpers]
    expected = {"integer": "Int64", "boolean": "boolean"}
    assert fields
    for name, spec in fields.items():
        assert str(typed[name].dtype) == expected.get(spec["type"], "object"), name
    assert all(typed[column].dtype == object for column in helpers)


def test_values(text: pd.DataFrame) -> None:
    typed = parse_products(text, RUN_DATE, SETTINGS)
    assert typed["sku"].tolist() == ["SAV-01", "sav-02  b", "SAV-03", "SAV-04"]   # trimmed, nothing else
    assert typed["title"].iloc[0] == "Savon à la lavande"
    assert typed["description"].iloc[0] == "Savon élégant\nDoux"
    assert typed["price"].tolist() == [Decimal("4.20"), Decimal("18.90"), None, Decimal("9.90")]
    assert typed["net_content"].tolist() == [Decimal(100), Decimal(500), None, Decimal(400)]
    assert typed["net_unit"].tolist() == ["g", "ml", pd.NA, "g"]
    assert typed["stock"].tolist() == [12, pd.NA, -3, pd.NA]
    assert typed["shelf_life_days"].tolist() == [540, 400, pd.NA, pd.NA]
    assert typed["weight_g"].tolist() == [Decimal(110), Decimal(600), None, None]
    assert typed["barcode"].tolist() == ["3368954957571", pd.NA, pd.NA, pd.NA]


def test_price_cell_states_currency_and_tax_basis(text: pd.DataFrame) -> None:
    typed = parse_products(text, RUN_DATE, SETTINGS)
    assert typed["currency"].tolist() == ["EUR", "CHF", pd.NA, "EUR"]           # 18,90 CHF is not 18,90 EUR
    assert typed["currency__error"].tolist() == [pd.NA, pd.NA, "currency_unknown", pd.NA]
    assert typed["price_includes_vat"].tolist() == [True, True, pd.NA, False]   # "9,90 € HT"


def test_errors_keep_the_cell_as_sent(text: pd.DataFrame) -> None:
    typed = parse_products(text, RUN_DATE, SETTINGS)
    row = typed.iloc[2]
    assert [row[f"{f}__error"] for f in ("price", "price_includes_vat", "net_content", "barcode",
                                         "shelf_life_days", "weight_g")] == [
        "money_unreadable", "boolean_unreadable", "quantity_unit_unknown", "gtin_length",
        "shelf_life_unreadable", "weight_unreadable"]
    assert row["barcode__raw"] == "123" and row["barcode__detail"] == "3"
    assert row["net_content__raw"] == "2 pièces" and row["net_content__detail"] == "pièces"
    assert typed["stock__error"].tolist() == [pd.NA, "integer_unreadable", pd.NA, pd.NA]
    assert typed["barcode__error"].iloc[1] == "gtin_scientific"
    assert typed["barcode__raw"].iloc[1] == "4.6347E+11"
    assert typed["weight_g__error"].isna().tolist() == [True, True, False, True]


def test_every_rule_named_exists(text: pd.DataFrame) -> None:
    typed = parse_products(text, RUN_DATE, SETTINGS)
    named = pd.concat([typed[c] for c in typed.columns if c.endswith("__error")]).dropna()
    assert set(named) <= set(config.rules())


@pytest.mark.parametrize("sku", ["A\tB", "A\nB", "ABC\u202e"], ids=["tab", "line-feed", "right-to-left-override"])
def test_a_sku_holding_a_control_or_bidi_character_is_rejected_as_sku_invalid(text: pd.DataFrame, sku: str) -> None:
    typed = parse_products(text.assign(sku=[sku, "SAV-02", "SAV-03", "SAV-04"]), RUN_DATE, SETTINGS)

    valid, rejects = validate(typed, settings=SETTINGS)

    assert typed["sku__error"].tolist() == ["sku_invalid", pd.NA, pd.NA, pd.NA]
    on_sku = rejects[rejects["field"] == "sku"]
    assert on_sku[["source_row", "rule", "value"]].values.tolist() == [[2, "sku_invalid", sku]]
    assert "qu'une référence ne peut pas contenir" in on_sku["message_fr"].iloc[0]
    assert 2 not in valid["source_row"].tolist()


def test_an_invalid_sku_names_the_characters_and_keeps_its_value() -> None:
    parsed = parse_key(pd.Series(["A\tB\u202eC\t", "SAV-01"], dtype=object))
    assert parsed["value"].tolist() == ["A\tB\u202eC", "SAV-01"]
    assert parsed["error"].tolist() == ["sku_invalid", pd.NA]
    assert parsed["detail"].tolist() == ["U+0009, U+202E", pd.NA]


@pytest.mark.parametrize("sku", ["\x1b[31mA", "A\x00", "A\x7f", "A\x85B", "A\u200eB", "A\u2066B\u2069"])
def test_other_controls_and_bidi_characters_in_a_sku_are_refused(sku: str) -> None:
    assert parse_key(pd.Series([sku], dtype=object))["error"].tolist() == ["sku_invalid"]


def test_whitespace_around_a_sku_is_trimmed_not_refused() -> None:
    parsed = parse_key(pd.Series(["\tSAV-01\r\n", "SAV 02", "Savon-é-中"], dtype=object))
    assert parsed["value"].tolist() == ["SAV-01", "SAV 02", "Savon-é-中"]
    assert parsed["error"].isna().all()


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_a_column_without_any_value_parses_as_its_cells_would(parser: str) -> None:
    cells = pd.Series([pd.NA, None, float("nan"), pd.NA], index=[3, 5, 7, 9], dtype=object)

    shortcut = _parsed(PARSERS[parser], cells, RUN_DATE, SETTINGS)

    pd.testing.assert_frame_equal(shortcut, PARSERS[parser](cells, RUN_DATE, SETTINGS))
    assert [type(v) for v in shortcut.to_numpy().ravel()] == [
        type(v) for v in PARSERS[parser](cells, RUN_DATE, SETTINGS).to_numpy().ravel()]


@pytest.mark.parametrize(("sku", "detail"), [("=HYPERLINK(1)", "U+003D"), ("+cmd", "U+002B"), ("@SUM(A1)", "U+0040"),
                                             ("<script>", "U+003C, U+003E"), ('A"B', "U+0022")])
def test_a_sku_holding_markup_or_starting_like_a_formula_is_rejected_as_sku_invalid(sku, detail):
    found = parse_key(pd.Series([sku, "SAV-01", "A=B"]))
    assert found["error"].tolist() == ["sku_invalid", pd.NA, pd.NA]
    assert found["detail"].iloc[0] == detail

"""Tests of pipeline.transform.reading_report: what a vendor is told about how a sheet was read."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pipeline import config
from pipeline.transform.column_plan import ColumnPlan
from pipeline.transform.column_roles import decide_columns
from pipeline.transform.reading_report import (
    SHOWN_CHARS,
    SHOWN_HEADERS,
    headers_seen,
    missing_column_rejects,
    missing_reason,
    needs_profile,
    reading_record,
    shown,
    suggested_profile,
    suggested_profiles,
)
from pipeline.transform.rejects import REJECT_COLUMNS

SETTINGS = config.settings()

VENDOR = "savonnerie-marius"
PATH = "savonnerie-marius/tarifs-2026.csv"
TITLES = ["Savon lavande", "Savon miel", "Savon rose", "Savon ortie"]
REFERENCES = ["SAV-001", "SAV-002", "SAV-003", "SAV-004"]
PRICES = ["4,50", "5,00", "6,00", "7,00"]


def plan_of(headerless: bool = False, **columns: list) -> ColumnPlan:
    return decide_columns(pd.DataFrame(columns, dtype=object), SETTINGS.reading, headerless=headerless)


@pytest.fixture(scope="module")
def no_price() -> ColumnPlan:
    return plan_of(Référence=REFERENCES, Désignation=TITLES, Catégorie=["Savons"] * 4)


@pytest.fixture(scope="module")
def well_named() -> ColumnPlan:
    return plan_of(Référence=REFERENCES, Désignation=TITLES, **{"Prix HT": PRICES})


@pytest.fixture(scope="module")
def guessed() -> ColumnPlan:
    """A price and a barcode column whose headers name nothing: taken for their content."""
    return plan_of(Produit=TITLES[:3], Valeur=["4,50 €", "5,00 €", "6,00 €"],
                   Truc=["3760123450010", "4006381333931", "5901234123457"])


def record_of(plan: ColumnPlan, path: str = PATH, **extra) -> dict:
    return {**reading_record(plan, 1), "path": path, "vendor_id": VENDOR, **extra}


# --- missing columns ------------------------------------------------------------------------------------------

def test_a_sheet_without_a_price_column_misses_the_price(no_price: ColumnPlan) -> None:
    assert no_price.missing == ("price",)


def test_missing_column_rejects_gives_one_file_level_reject(no_price: ColumnPlan) -> None:
    rejects = missing_column_rejects(no_price, VENDOR, PATH, SETTINGS)
    assert list(rejects.columns) == REJECT_COLUMNS
    assert len(rejects) == 1
    reject = rejects.iloc[0]
    assert (reject["vendor_id"], reject["source_file"], reject["source_row"]) == (VENDOR, PATH, 0)
    assert (reject["rule"], reject["field"]) == ("missing_column", "price")
    assert pd.isna(reject["sku"])


def test_the_missing_column_message_names_the_headers_seen(no_price: ColumnPlan) -> None:
    reject = missing_column_rejects(no_price, VENDOR, PATH, SETTINGS).iloc[0]
    assert reject["value"] == "« Référence », « Désignation », « Catégorie »"
    assert reject["message_fr"].startswith("Aucune colonne de ce fichier ne donne « Prix »")
    assert "Colonnes vues : « Référence », « Désignation », « Catégorie »" in reject["message_fr"]
    assert "« Prix HT »" in reject["message_fr"] and '{"Votre colonne": price}' in reject["message_fr"]
    assert reject["message_en"].startswith("No column of this file gives 'Price'")


def test_one_reject_per_missing_field() -> None:
    plan = plan_of(**{"Quantité commandée": ["1", "2", "1", "3"]})
    assert plan.missing == ("title", "price")
    assert missing_column_rejects(plan, VENDOR, PATH, SETTINGS)["field"].tolist() == ["title", "price"]


def test_no_reject_when_nothing_is_missing(well_named: ColumnPlan) -> None:
    rejects = missing_column_rejects(well_named, VENDOR, PATH, SETTINGS)
    assert rejects.empty and list(rejects.columns) == REJECT_COLUMNS


def test_missing_reason_in_french_and_english(no_price: ColumnPlan) -> None:
    fr, en = missing_reason(no_price, SETTINGS)
    assert fr == missing_column_rejects(no_price, VENDOR, PATH, SETTINGS).iloc[0]["message_fr"]
    assert en.startswith("No column of this file gives 'Price'")


# --- headers_seen and shown -----------------------------------------------------------------------------------

def test_headers_seen_is_bounded() -> None:
    plan = plan_of(**{f"Colonne numéro {n} avec un intitulé vraiment très long": ["x"] for n in range(40)})
    seen = headers_seen(plan)
    names = seen.split(" (+")[0].split(", ")
    assert len(names) == SHOWN_HEADERS
    assert all(len(name.removeprefix("« ").removesuffix(" »")) <= SHOWN_CHARS for name in names)
    assert names[0] == "« Colonne numéro 0 avec un intitulé vraim… »"
    assert seen.endswith(f" (+{40 - SHOWN_HEADERS})")


@pytest.mark.parametrize(("text", "result"), [
    ("Prix HT", "Prix HT"),
    ("  Prix\nHT \t(€) ", "Prix HT (€)"),
    ("x" * 40, "x" * 40),
    ("x" * 41, "x" * 39 + "…"),
])
def test_shown(text: str, result: str) -> None:
    assert shown(text) == result


# --- reading_record -------------------------------------------------------------------------------------------

def test_reading_record(well_named: ColumnPlan) -> None:
    record = reading_record(well_named, 3, "Tarifs")
    assert record["header_row"] == 3 and record["sheet"] == "Tarifs"
    assert record["columns"]["price"] == {"column": "Prix HT", "position": 3, "method": "synonym",
                                          "confidence": 1.0, "includes_vat": False, "kind": "regular"}
    assert record["columns"]["sku"]["column"] == "Référence"
    assert (record["columns_unused"], record["columns_filled_down"]) == ([], [])
    assert "columns_overruled" not in record


def test_reading_record_without_header_or_sheet(well_named: ColumnPlan) -> None:
    record = reading_record(well_named, None)
    assert record["header_row"] is None and "sheet" not in record


def test_reading_record_names_unused_and_overruled_columns() -> None:
    plan = plan_of(**{"Réf.": ["SAV"] * 4, "Désignation": TITLES, "Prix HT": PRICES,
                      "Remarque interne pour le commercial qui remplit la feuille": ["ok", "ok", "non", "ok"]})
    record = reading_record(plan, 1, "Tarifs " * 20)
    assert record["columns_unused"] == ["Réf.", "Remarque interne pour le commercial qui…"]
    assert list(record["columns_overruled"]) == ["Réf."]
    assert "se répètent" in record["columns_overruled"]["Réf."]
    assert record["columns"]["sku"]["method"] == "derived"
    assert len(record["sheet"]) == SHOWN_CHARS


def test_reading_record_does_not_share_the_plans_decisions(well_named: ColumnPlan) -> None:
    record = reading_record(well_named, 1)
    record["columns"]["extra"] = {}
    assert "extra" not in well_named.decisions


# --- suggested_profile ----------------------------------------------------------------------------------------

def test_no_profile_when_nothing_was_guessed(well_named: ColumnPlan) -> None:
    assert not needs_profile(record_of(well_named))
    assert suggested_profile(VENDOR, [record_of(well_named)]) is None


def test_no_profile_without_records_or_columns() -> None:
    assert suggested_profile(VENDOR, []) is None
    assert suggested_profile(VENDOR, [{"path": PATH, "missing_columns": ["price"]}]) is None


def test_a_profile_maps_the_headers_read(guessed: ColumnPlan) -> None:
    text = suggested_profile(VENDOR, [record_of(guessed)])
    assert yaml.safe_load(text) == {"columns": {"Produit": "title", "Valeur": "price", "Truc": "barcode"}}
    assert text.startswith(f"# Profil proposé pour « {VENDOR} »")


def test_a_profile_asks_to_confirm_what_was_guessed(guessed: ColumnPlan) -> None:
    text = suggested_profile(VENDOR, [record_of(guessed)])
    assert f"# price: « Valeur » choisie d'après son contenu, à confirmer (confiance 0.8) ({PATH})" in text
    assert "# barcode: « Truc »" in text


def test_a_profile_asks_for_a_missing_column(no_price: ColumnPlan) -> None:
    text = suggested_profile(VENDOR, [record_of(no_price, missing_columns=["price"])])
    assert yaml.safe_load(text) == {"columns": {"Référence": "sku", "Désignation": "title", "Catégorie": "category"}}
    assert f'# price: aucune colonne trouvée dans {PATH} ; ajoutez ici  "Votre colonne": price' in text


def test_a_derived_reference_is_asked_for_but_not_mapped() -> None:
    plan = plan_of(Désignation=TITLES, **{"Prix HT": PRICES})
    text = suggested_profile(VENDOR, [record_of(plan)])
    assert yaml.safe_load(text) == {"columns": {"Désignation": "title", "Prix HT": "price"}}
    assert "# sku: pas de colonne de référence : une référence est calculée d'après la désignation" in text


def test_a_profile_for_a_sheet_without_header_names_columns_by_position() -> None:
    plan = plan_of(headerless=True, **{"colonne 1": REFERENCES[:3],
                                       "colonne 2": ["Savon à la lavande", "Savon au miel", "Savon à la rose"],
                                       "colonne 3": PRICES[:3]})
    record = {**reading_record(plan, None), "path": PATH}
    assert record["columns"]["price"]["column"] is None
    assert yaml.safe_load(suggested_profile(VENDOR, [record])) == {
        "columns": {"colonne 1": "sku", "colonne 2": "title", "colonne 3": "price"}}


def test_headers_yaml_would_misread_are_quoted() -> None:
    plan = plan_of(**{"Prix: HT #1": PRICES, "- Nom: 'complet'": TITLES})
    columns = yaml.safe_load(suggested_profile(VENDOR, [record_of(plan)]))["columns"]
    assert columns == {"Prix: HT #1": "price", "- Nom: 'complet'": "title"}


def test_the_first_file_read_pins_a_column() -> None:
    first = {"path": "a.csv", "columns": {"price": {"column": "Valeur", "method": "content", "confidence": 0.8}}}
    second = {"path": "b.csv", "columns": {"stock": {"column": "Valeur", "method": "content", "confidence": 0.6}}}
    text = suggested_profile(VENDOR, [first, second])
    assert yaml.safe_load(text) == {"columns": {"Valeur": "price"}}
    assert "# stock: « Valeur » choisie d'après son contenu, à confirmer (confiance 0.6) (b.csv)" in text


def test_suggested_profiles_one_per_vendor_that_needs_one(guessed: ColumnPlan, well_named: ColumnPlan) -> None:
    records = [record_of(guessed), {**record_of(well_named), "vendor_id": "rucher-bleu"},
               {**record_of(guessed), "vendor_id": None}]
    profiles = suggested_profiles(records)
    assert [vendor for vendor, _ in profiles] == [VENDOR]
    assert profiles[0][1] == suggested_profile(VENDOR, [records[0]])

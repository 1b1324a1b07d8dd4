"""Tests for pipeline/transform/columns.py: vendor headers onto canonical source columns."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.columns import map_columns, text_cells
from pipeline.transform.reading_tables import header_recogniser, normalise_header

SETTINGS = config.settings()


def read_sheet(path: Path, delimiter: str = ";") -> pd.DataFrame:
    """A minimal stand-in for the project reader: header on the first line, cells str or pd.NA,
    a repeated header suffixed " (2)", lineage columns as the run adds them."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header, *records = csv.reader(fh, delimiter=delimiter)
    names = [h.strip() for h in header]
    names = [n if names[:i].count(n) == 0 else f"{n} ({names[:i].count(n) + 1})" for i, n in enumerate(names)]
    frame = pd.DataFrame(records, columns=names, dtype=object)
    frame = frame.mask(frame.apply(lambda c: c.str.strip().eq("")), pd.NA)
    frame["source_row"] = range(2, len(frame) + 2)
    return frame.assign(vendor_id="savonnerie-marius", source_file=f"savonnerie-marius/{path.name}")


@pytest.fixture
def sheets(fixtures_dir: Path) -> Path:
    return fixtures_dir / "platforms"


@pytest.mark.parametrize(("header", "normalised"), [
    ("Réf.", "ref"),
    ("  Prix (€ HT) ", "prix ht"),
    ("Pays d'origine", "pays d origine"),
    ("Qté", "qte"),
    ("Code-barres", "code barres"),
    ("title_zh", "title zh"),
    ("中文名称", "中文名称"),
    ("DÉSIGNATION", "designation"),
])
def test_normalise_header(header, normalised):
    assert normalise_header(header) == normalised


def test_french_synonyms_fill_every_canonical_column(sheets):
    frame = read_sheet(sheets / "vendor-sheet-french-synonyms.csv")
    text, mapping, conflicts = map_columns(frame, SETTINGS.reading, platform=None)
    assert list(text.columns) == ["vendor_id", "source_file", "source_row", *SETTINGS.reading.text_columns]
    first = text.iloc[0]
    assert tuple(first[["sku", "title", "brand", "category", "price", "currency"]]) == (
        "SAV-LAV-100", "Savon à la lavande", "Savonnerie Marius", "Savons", "4,50 €", "EUR")
    assert tuple(first[["net_content", "barcode", "stock", "shelf_life", "origin", "weight"]]) == (
        "100 g", "3760123450010", "40", "36 mois", "France", "120 g")
    assert (first["title_zh"], first["description_zh"]) == ("薰衣草香皂", "冷制马赛皂")
    assert first["ingredients"].startswith("Sodium Olivate")
    assert first["image_urls"] == "https://savonnerie-marius.fr/img/savon-lavande.jpg"
    assert text.loc[1, ["stock", "description", "title_zh"]].isna().all()
    assert text.loc[1, "weight"] == "115 g"                  # a value with its unit keeps it
    assert mapping.used["sku"] == ["Réf."] and mapping.unmapped == ["Remarque"]
    assert mapping.price_includes_vat is None and text["price_includes_vat"].isna().all()
    assert conflicts.empty
    cells = text.drop(columns="source_row").to_numpy().ravel()
    assert all(isinstance(c, str) or c is pd.NA for c in cells)


def test_ht_price_is_preferred_and_the_basis_follows_each_row(sheets):
    frame = read_sheet(sheets / "vendor-sheet-prix-ht-and-ttc.csv")
    text, mapping, conflicts = map_columns(frame, SETTINGS.reading, platform=None)
    assert list(text["price"]) == ["3,50", "8,40", "12,00"]
    assert list(text["price_includes_vat"]) == ["false", "true", "false"]
    assert mapping.used["price"] == ["Prix HT", "Prix TTC"]
    assert mapping.price_includes_vat is False
    assert conflicts.empty                       # an HT and a TTC price differ by design


def test_disagreeing_columns_are_conflicts(sheets):
    text, mapping, conflicts = map_columns(read_sheet(sheets / "vendor-sheet-conflicting-columns.csv"),
                                           SETTINGS.reading, platform=None)
    assert list(text["sku"]) == ["CAL-12", "CAL-24", "CAL-36"]
    assert list(text["price"]) == ["9,50", "17,00", "24,00"]
    assert mapping.used["price"] == ["Prix", "Prix (2)"]
    assert conflicts.to_dict("records") == [
        {"source_row": 3, "field": "sku", "value": "CAL-24",
         "detail": "« Référence » (CAL-24), « Ref. » (CAL-024)"},
        {"source_row": 3, "field": "price", "value": "17,00",
         "detail": "« Prix » (17,00), « Prix (2) » (18,00)"},
    ]
    assert text.loc[1, "description"] == "Calissons"     # a short description only stands in


def test_overrides_win_over_synonyms(sheets):
    frame = read_sheet(sheets / "vendor-sheet-custom-headers.csv")
    text, mapping, conflicts = map_columns(frame, SETTINGS.reading, platform=None,
                                           overrides={"Code interne": "sku", "nom court": "title"})
    assert list(text["sku"]) == ["HUI-750", "HUI-500"]
    assert list(text["title"]) == ["Huile d'olive 75 cl", "Huile d'olive 50 cl"]
    assert set(mapping.unmapped) == {"Référence", "Réf. fournisseur"}
    assert list(text["price_includes_vat"]) == ["false", "false"]     # "Prix public HT"
    assert conflicts.empty


def test_defaults_fill_only_empty_cells(sheets):
    frame = read_sheet(sheets / "vendor-sheet-custom-headers.csv")
    defaults = {"brand": "Savonnerie Marius", "currency": "EUR", "origin": "France"}
    text, _, _ = map_columns(frame, SETTINGS.reading, platform=None, defaults=defaults)
    assert list(text["brand"]) == ["Moulin du Calanquet", "Savonnerie Marius"]
    assert list(text["currency"]) == ["EUR", "EUR"] and list(text["origin"]) == ["France", "France"]


def test_profile_price_basis_replaces_the_platform_default_but_not_a_stated_one():
    shopify = pd.DataFrame({"Handle": ["savon"], "Title": ["Savon"], "Body (HTML)": [pd.NA],
                            "Variant Price": ["4.50"]}, dtype=object)
    assert map_columns(shopify, SETTINGS.reading, platform="shopify")[1].price_includes_vat is True
    text, mapping, _ = map_columns(shopify, SETTINGS.reading, platform="shopify",
                                   defaults={"price_includes_vat": "false"})
    assert (mapping.price_includes_vat, text.loc[0, "price_includes_vat"]) == (False, "false")
    stated = pd.DataFrame({"Réf.": ["A"], "Prix TTC": ["5,00"]}, dtype=object)
    text, _, _ = map_columns(stated, SETTINGS.reading, platform=None, defaults={"price_includes_vat": "false"})
    assert text.loc[0, "price_includes_vat"] == "true"


def test_unknown_canonical_names_are_refused():
    frame = pd.DataFrame({"Réf.": ["A"]}, dtype=object)
    with pytest.raises(ValueError, match="prix"):
        map_columns(frame, SETTINGS.reading, platform=None, overrides={"Réf.": "prix"})
    with pytest.raises(ValueError, match="marque"):
        map_columns(frame, SETTINGS.reading, platform=None, defaults={"marque": "X"})


def test_a_sheet_without_sku_column_gets_a_derived_sku_marked_so():
    frame = pd.DataFrame({"Désignation": ["Savon", "Miel"], "Prix": ["4,50", "8,00"], "EAN": [pd.NA, "3760123450010"]},
                         dtype=object)
    text, mapping, _ = map_columns(frame, SETTINGS.reading, platform=None)
    assert text.loc[0, "sku"].startswith("auto-") and text.loc[1, "sku"] == "3760123450010"
    assert list(text["sku_derived"]) == ["key", "barcode"] and "sku" not in mapping.used


def test_a_reference_column_wins_and_only_its_empty_cells_are_derived():
    frame = pd.DataFrame({"Réf.": ["S1", "A créer"], "Désignation": ["Savon", "Miel"], "Prix": ["4,50", "8,00"]},
                         dtype=object)
    text, _, _ = map_columns(frame, SETTINGS.reading, platform=None)
    assert text.loc[0, "sku"] == "S1" and text.loc[1, "sku"].startswith("auto-")
    assert text["sku_derived"].tolist() == [pd.NA, "key"]


def test_whitespace_only_cells_are_empty():
    frame = pd.DataFrame({"Réf.": ["  ", "B"], "Ref": ["A", "B"]}, dtype=object)
    text, _, conflicts = map_columns(frame, SETTINGS.reading, platform=None, overrides={"Réf.": "sku", "Ref": "sku"})
    assert list(text["sku"]) == ["A", "B"] and conflicts.empty


@pytest.mark.parametrize(("cell", "recognised"), [
    ("Produit", True),
    ("Prix TTC", True),
    ("Remarque", False),
    ("Savon à la lavande", False),
    ("Handle", True),                      # a platform export's column
    ("UGC_libEcommerce", True),
    ("商品名称", True),
    ("Prix unitaire HT (EUR)", True),
    ("N° produit (1-999999999)", True),
])
def test_header_recogniser_knows_header_words_synonyms_and_platform_columns(cell, recognised):
    assert header_recogniser(SETTINGS.reading)(cell) is recognised


def test_header_recogniser_knows_the_headers_a_profile_maps():
    assert header_recogniser(SETTINGS.reading)("Bidule interne") is False
    assert header_recogniser(SETTINGS.reading, also_known=["bidule interne"])("Bidule interne") is True


def test_each_synonym_is_listed_once():
    synonyms = config.config_file("column_synonyms.yaml")
    assert set(synonyms) <= set(SETTINGS.reading.text_columns)
    seen: dict[str, str] = {}
    assert synonyms
    for target, entries in synonyms.items():
        assert entries, target
        for entry in entries:
            header = normalise_header(entry["header"] if isinstance(entry, dict) else entry)
            assert header not in seen, f"{header!r} is listed under {seen[header]} and {target}"
            seen[header] = target


def test_platform_column_maps_name_canonical_columns():
    platforms = config.config_file("platforms.yaml")
    assert platforms
    for name, spec in platforms.items():
        assert set(spec["columns"]) <= set(SETTINGS.reading.text_columns), name
        assert spec["source"] and spec["signature"], name


@pytest.mark.parametrize("cells", [
    pd.Series(["a", " ", None, float("nan"), pd.NA, "\x1c", "\u00a0x", "b ", ""], dtype=object),
    pd.Series(["1", 1, 2.5, None, True], dtype=object),      # not all text: each cell written as text
    pd.Series([None, float("nan")], dtype=object),
    pd.Series([], dtype=object),
    pd.Series(["a", None, " "], dtype="str"),
    pd.Series([1.0, float("nan")]),
])
def test_text_cells_are_str_or_na_and_whitespace_only_is_na(cells):
    text = text_cells(cells)

    assert text.dtype == object and text.index.equals(cells.index)
    expected = [pd.NA if pd.isna(c) or not str(c).strip() else (c if isinstance(c, str) else str(c)) for c in cells]
    assert text.tolist() == expected
    assert all(isinstance(c, str) or c is pd.NA for c in text)


@pytest.mark.parametrize("cells", [
    pd.Series(["Savon", "Miel", pd.NA] * 800, dtype=object),                  # as a read sheet: kept as they are
    pd.Series(["Savon", "Miel", " "] * 800, dtype=object),                    # whitespace only: NA
    pd.Series(["Savon", "Miel", ""] * 800, dtype=object),
    pd.Series(["Savon", None, float("nan")] * 800, dtype=object),             # other missing values: NA
])
def test_text_cells_of_repeated_values_are_judged_once_per_distinct_value(cells):
    text = text_cells(cells)

    expected = [c if isinstance(c, str) and c.strip() else pd.NA for c in cells]
    assert text.dtype == object and text.tolist() == expected
    assert all(isinstance(c, str) or c is pd.NA for c in text)


def test_a_sheet_without_rows_maps_to_empty_text_columns():
    frame = pd.DataFrame({"Référence": pd.Series(dtype=object), "Prix TTC": pd.Series(dtype=object),
                          "source_row": pd.Series(dtype="int64")}).assign(vendor_id="v", source_file="v/f.csv")

    text, mapping, conflicts = map_columns(frame, SETTINGS.reading, platform=None)

    assert text.empty and conflicts.empty and mapping.used == {"sku": ["Référence"], "price": ["Prix TTC"]}
    assert text["sku"].dtype == "object" and text["price"].dtype == "object"   # text, so parsers can read it

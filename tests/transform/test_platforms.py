"""Tests for pipeline/transform/platforms.py: recognising platform exports and folding them to units."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.columns import map_columns
from pipeline.transform.platforms import detect_platform, fold

SETTINGS = config.settings()


def read_sheet(path: Path, delimiter: str) -> pd.DataFrame:
    """A minimal stand-in for the project reader: header on the first line, cells str or pd.NA,
    a repeated header suffixed " (2)", cells beyond the header dropped (the real files only have
    empty ones there), source_row from 2."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header, *records = csv.reader(fh, delimiter=delimiter)
    names = [h.strip() for h in header]
    names = [n if names[:i].count(n) == 0 else f"{n} ({names[:i].count(n) + 1})" for i, n in enumerate(names)]
    cells = [(r + [""] * len(names))[:len(names)] for r in records]
    frame = pd.DataFrame(cells, columns=names, dtype=object)
    frame = frame.mask(frame.apply(lambda c: c.str.strip().eq("")), pd.NA)
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


def units_of(path: Path, delimiter: str) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """(raw sheet, folded units, platform) as the run chains them."""
    raw = read_sheet(path, delimiter)
    platform = detect_platform([c for c in raw.columns if c != "source_row"], SETTINGS.reading.platforms)
    return raw, (fold(raw, platform, SETTINGS.reading.platforms) if platform else raw), platform


REAL_FILES = [   # file, delimiter, platform, raw rows, sellable units
    ("woocommerce-8.3.1-sample_products.csv", ",", "woocommerce", 25, 22),
    ("woocommerce-8.3.1-experimental_sample_9_products.csv", ",", "woocommerce", 9, 6),
    ("shopify-product_template-2023.csv", ",", "shopify", 17, 16),
    ("shopify-product_template-legacy.csv", ",", "shopify", 3, 3),
    ("prestashop-9.1-products_import.csv", ";", "prestashop", 7, 7),
    ("prestashop-1.4-products_import.csv", ";", "prestashop", 2, 2),
    ("prestashop-9.1-combinations_import.csv", ";", "prestashop_combinations", 27, 27),
    ("magento2-1.0.0-beta6-catalog_product.csv", ",", "magento", 7, 4),
    ("off-systemeu-akeneo-SUYQD_AKENEO_PU_02.csv", ";", "akeneo", 5, 5),
    ("off-export-products.tsv", "\t", "openfoodfacts", 26, 26),
    ("off-import_csv_file-test.tsv", "\t", "openfoodfacts", 7, 7),
]


@pytest.mark.parametrize(("name", "delimiter", "platform", "raw_rows", "unit_rows"), REAL_FILES)
def test_real_exports_are_recognised_and_folded(real_fixtures, name, delimiter, platform, raw_rows,
                                                unit_rows):
    raw, units, detected = units_of(real_fixtures / name, delimiter)
    assert detected == platform
    assert (len(raw), len(units)) == (raw_rows, unit_rows)
    assert len(units) + sum(units.attrs["folded_away"].values()) == len(raw)


def mapped(path: Path, delimiter: str) -> pd.DataFrame:
    _, units, platform = units_of(path, delimiter)
    return map_columns(units, SETTINGS.reading, platform=platform)[0].set_index("source_row")


def test_woocommerce_sample_variations_inherit_and_parents_fold_away(real_fixtures):
    _, units, _ = units_of(real_fixtures / "woocommerce-8.3.1-sample_products.csv", ",")
    assert units.attrs["folded_away"] == {"parent": 2, "not_sellable": 1}
    assert not units["Type"].isin(["variable", "grouped"]).any()
    text = mapped(real_fixtures / "woocommerce-8.3.1-sample_products.csv", ",").set_index("sku")
    hoodie_blue = text.loc["woo-hoodie-blue"]        # variation of woo-hoodie, Parent given as SKU
    assert (hoodie_blue["title"], hoodie_blue["price"]) == ("Hoodie - Blue, No", "45")
    assert (hoodie_blue["category"], hoodie_blue["weight"]) == ("Clothing > Hoodies", "1.5 lb")
    assert text.loc["wp-pennant", "price"] == "11.05"             # external products are sellable
    assert text.loc["woo-album", "title"] == "Album"              # "simple, downloadable, virtual"
    assert set(text["price_includes_vat"]) == {"true"}


def test_shopify_2023_variants_inherit_title_and_take_their_options(real_fixtures):
    text = mapped(real_fixtures / "shopify-product_template-2023.csv", ",")
    assert text.loc[3, "sku"] == "SRT_COT_122"
    assert text.loc[3, "title"] == "Example T-Shirt – Green / M"
    assert (text.loc[3, "brand"], text.loc[3, "weight"]) == ("Acme", "145 g")
    assert text.loc[3, "description"].startswith("<p>This t-shirt is as simple as it gets.")
    assert text.loc[18, "title"] == "Example Beanie"             # "Default Title" is no option
    assert 17 not in text.index                                   # the image-only row
    assert "https://burst.shopifycdn.com/photos/" in text.loc[14, "image_urls"]
    assert text.loc[14, "image_urls"].count(", ") == 3            # its 4 images, the image row's included


def test_shopify_legacy_variant_without_sku_gets_handle_and_options(real_fixtures):
    text = mapped(real_fixtures / "shopify-product_template-legacy.csv", ",")
    assert text.loc[2, "sku"] == "example-t-shirt-lithograph-height-9-x-width-12"
    assert (text.loc[3, "sku"], text.loc[3, "title"]) == ("example-shirt-s", "Example T-Shirt – Small")


def test_prestashop_prices_are_tax_excluded(real_fixtures):
    text = mapped(real_fixtures / "prestashop-9.1-products_import.csv", ";")
    assert tuple(text.loc[2, ["sku", "title", "price", "price_includes_vat"]]) == (
        "RP-demo_1", "iPod Nano", "100", "false")
    assert (text.loc[2, "barcode"], text.loc[2, "stock"], text.loc[2, "weight"]) == (
        "1234567890123", "160", "0.068357 kg")
    legacy = mapped(real_fixtures / "prestashop-1.4-products_import.csv", ";")
    assert tuple(legacy.loc[3, ["sku", "title", "price", "price_includes_vat"]]) == (
        "92458845", "iPod shuffle", "66.05", "false")


def test_prestashop_combinations_map_what_exists(real_fixtures):
    text = mapped(real_fixtures / "prestashop-9.1-combinations_import.csv", ";")
    assert tuple(text.loc[2, ["sku", "barcode", "stock"]]) == ("RP-Nano-Blue-16GB", "0000080446392", "10")
    assert text["title"].isna().all() and text["price"].isna().all()


def test_magento_configurable_and_grouped_fold_away(real_fixtures):
    _, units, _ = units_of(real_fixtures / "magento2-1.0.0-beta6-catalog_product.csv", ",")
    assert list(units["sku"]) == ["24-WG085", "24-WG086", "24-WG087", "24-WG085-bundle-fixed"]
    assert units.attrs["folded_away"] == {"not_sellable": 2, "parent": 1}
    text = mapped(real_fixtures / "magento2-1.0.0-beta6-catalog_product.csv", ",")
    assert tuple(text.loc[3, ["title", "price", "price_includes_vat", "stock"]]) == (
        "Sprite Yoga Strap 8 foot", "17", "false", "100")
    assert text["weight"].isna().all()              # its unit is a store setting, not in the file


def test_akeneo_joins_net_content_and_rubrics(real_fixtures):
    text = mapped(real_fixtures / "off-systemeu-akeneo-SUYQD_AKENEO_PU_02.csv", ";")
    row = text.loc[5]
    assert (row["sku"], row["barcode"], row["brand"]) == ("7519138-3256224372165", "3256224372165", "U")
    assert (row["title"], row["net_content"]) == ("Sirop de cassis  bouteille de 70cl", "0.7000 LITRE")
    assert row["category"] == "Boissons sans alcool > Sirops et concentrés > Sirops"
    assert row["ingredients"].startswith("Sucre, eau, jus de fruits")


def test_open_food_facts_code_is_sku_and_barcode(real_fixtures):
    text = mapped(real_fixtures / "off-export-products.tsv", "\t")
    olive_oil = text.set_index("sku").loc["3564703999971"]
    assert (olive_oil["barcode"], olive_oil["title"], olive_oil["brand"]) == (
        "3564703999971", "Huile d’olive", "Marque Repère")
    assert text["price"].isna().all()
    assert text.set_index("sku").loc["8722700472575", "net_content"] == "1000 ml"


def test_own_shopify_export_folds_image_rows_and_names_variants(fixtures_dir):
    path = fixtures_dir / "platforms" / "shopify-variants-and-image-rows.csv"
    raw, units, platform = units_of(path, ",")
    assert (platform, len(raw), len(units)) == ("shopify", 5, 3)
    assert units.attrs["folded_away"] == {"image_row": 2}
    cells = units.drop(columns="source_row").to_numpy().ravel()
    assert all(isinstance(c, str) or c is pd.NA for c in cells)
    text = map_columns(units, SETTINGS.reading, platform=platform)[0].set_index("source_row")
    assert tuple(text.loc[2, ["sku", "title", "weight"]]) == (
        "SAV-LAV-100", "Savon à la lavande – 100 g", "100 g")
    assert tuple(text.loc[3, ["sku", "title", "price", "brand"]]) == (
        "savon-lavande-250-g", "Savon à la lavande – 250 g", "9.90", "Savonnerie Marius")
    assert text.loc[3, "image_urls"].split(", ") == [
        "https://cdn.shopify.com/s/files/1/0001/savonnerie-marius/savon-lavande-250.jpg",
        "https://cdn.shopify.com/s/files/1/0001/savonnerie-marius/savon-lavande.jpg",
        "https://cdn.shopify.com/s/files/1/0001/savonnerie-marius/savon-lavande-coupe.jpg"]
    assert tuple(text.loc[5, ["sku", "title"]]) == (
        "huile-olive-aop", "Huile d'olive vierge extra AOP Provence")


def test_own_french_woocommerce_export_folds_variable_and_grouped(fixtures_dir):
    path = fixtures_dir / "platforms" / "woocommerce-variable-parent.csv"
    raw, units, platform = units_of(path, ",")
    assert (platform, len(raw)) == ("woocommerce", 6)
    assert list(units["UGS"]) == ["MIEL-LAV-250", "MIEL-LAV-500", "NOUGAT-200", "VISITE-RUCHER"]
    text = map_columns(units, SETTINGS.reading, platform=platform)[0].set_index("sku")
    assert text.loc["MIEL-LAV-500", "title"] == "Miel de lavande de Provence IGP - 500 g"
    assert tuple(text.loc["MIEL-LAV-500", ["price", "weight", "category"]]) == (
        "14.90", "0.5 kg", "Épicerie > Miels")
    assert text.loc["MIEL-LAV-500", "description"] == (
        "<p>Miel de lavande de Provence IGP, récolte de juillet.</p>")
    assert text.loc["MIEL-LAV-250", "weight"] == "0.35 kg"                   # its own weight is kept


def test_own_magento_export_skips_store_views_and_dynamic_bundles(fixtures_dir):
    path = fixtures_dir / "platforms" / "magento-configurable-and-store-view.csv"
    raw, units, platform = units_of(path, ",")
    assert (platform, len(raw), list(units["sku"])) == ("magento", 5, ["TAP-NOIRE-90", "TAP-NOIRE-180"])
    assert units.attrs["folded_away"] == {"parent": 1, "store_view": 1, "not_sellable": 1}
    text = map_columns(units, SETTINGS.reading, platform=platform)[0].set_index("sku")
    assert tuple(text.loc["TAP-NOIRE-90", ["title", "origin", "price"]]) == (
        "Tapenade noire", "France", "5.20")
    assert text.loc["TAP-NOIRE-180", "title"] == "Tapenade noire 180 g"


@pytest.mark.parametrize("header", [
    ["Réf.", "Désignation", "Prix TTC"],
    ["sku", "name", "price", "type"],                      # not Magento: no product_type / websites
    ["Handle", "Title", "Prix"],                           # not Shopify: no Body (HTML) / Variant Price
])
def test_plain_vendor_sheets_are_no_platform(header):
    assert detect_platform(header, SETTINGS.reading.platforms) is None


def test_detection_ignores_case_and_spacing():
    header = ["handle", "TITLE", "Body (html)", "Variant  Price"]
    assert detect_platform(header, SETTINGS.reading.platforms) == "shopify"


def test_unknown_platform_is_refused():
    with pytest.raises(ValueError, match="unknown platform"):
        fold(pd.DataFrame({"a": ["x"]}), "etsy", SETTINGS.reading.platforms)

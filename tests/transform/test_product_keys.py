"""Tests of pipeline.transform.product_keys: a SKU from the barcode, else a key derived from what the product is."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.transform.product_keys import KEY_PREFIX, barcode_skus, derived_skus

KEY = re.compile(r"auto-[0-9a-f]{12}")


def cells(*values: object, index: list[int] | None = None) -> pd.Series:
    return pd.Series(list(values), dtype=object, index=index)


def key(title: object, net_content: object = pd.NA, *attributes: object) -> object:
    """The derived key of one product."""
    return derived_skus([cells(title), cells(net_content), *(cells(a) for a in attributes)]).iloc[0]


# --- barcode_skus ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "sku"), [
    ("3760123450010", "3760123450010"),
    ("12345670", "12345670"),                       # GTIN-8
    ("123456789012", "123456789012"),               # GTIN-12 (UPC)
    ("12345678901234", "12345678901234"),           # GTIN-14
    ("3 760123 450010", "3760123450010"),
    ("3760-1234-5001-0", "3760123450010"),
    ("3.760.123.450.010", "3760123450010"),
    (" 3760123450010 ", "3760123450010"),
    ("3760123450011", "3760123450011"),             # a wrong check digit is the barcode parser's concern
])
def test_barcode_skus_keep_the_digits_of_a_gtin_length(cell: str, sku: str) -> None:
    assert barcode_skus(cells(cell)).tolist() == [sku]


@pytest.mark.parametrize("cell", [
    "1234567",                  # 7 digits
    "123456789",                # 9
    "12345678901",              # 11
    "123456789012345",          # 15
    "3,76012E+12",              # Excel's scientific notation
    "EAN3760123450010",
    "ABC12345",
    "",
    "N/A",
])
def test_barcode_skus_of_other_cells_are_missing(cell: str) -> None:
    assert barcode_skus(cells(cell)).isna().all()


def test_barcode_skus_keep_missing_cells_missing_and_the_index() -> None:
    result = barcode_skus(cells(pd.NA, "3760123450010", None, index=[7, 8, 9]))
    assert result.index.tolist() == [7, 8, 9]
    assert result.isna().tolist() == [True, False, True]
    assert result.dtype == object


# --- derived_skus ---------------------------------------------------------------------------------------------

def test_a_derived_key_is_the_prefix_and_12_hex_digits() -> None:
    derived = key("Savon lavande", "100 g")
    assert derived.startswith(KEY_PREFIX) and KEY.fullmatch(derived)


def test_a_derived_key_is_stable() -> None:
    assert key("Savon lavande", "100 g") == key("Savon lavande", "100 g")
    assert key("Savon lavande", "100 g") == "auto-2cc4c737506b"      # the same key next month


def test_a_derived_key_does_not_depend_on_row_order_or_index() -> None:
    titles = cells("Savon lavande", "Savon miel", "Savon rose", index=[0, 1, 2])
    contents = cells("100 g", "100 g", "250 g", index=[0, 1, 2])
    forward = derived_skus([titles, contents])
    backward = derived_skus([titles.iloc[::-1].set_axis([40, 41, 42]), contents.iloc[::-1].set_axis([40, 41, 42])])
    assert backward.index.tolist() == [40, 41, 42]
    assert backward.tolist() == forward.tolist()[::-1]


def test_equal_products_in_one_sheet_get_one_key() -> None:
    keys = derived_skus([cells("Savon lavande", "Savon miel", "Savon lavande"), cells("100 g", "100 g", "100 g")])
    assert keys.iloc[0] == keys.iloc[2] != keys.iloc[1]


@pytest.mark.parametrize("title", [
    "SAVON LAVANDE", "savon lavande", "Savon lavandé", "Savon  lavande", " Savon lavande ", "Savon-lavande",
    "Savon lavande !", "Savon, lavande.", "Savon_lavande",
])
def test_a_derived_key_ignores_case_accents_punctuation_and_spacing(title: str) -> None:
    assert key(title, "100 g") == key("Savon lavande", "100 g")


@pytest.mark.parametrize("net_content", ["100 G", "100  g", " 100 g", "100g"])
def test_a_derived_key_ignores_how_the_net_content_is_spaced_or_cased(net_content: str) -> None:
    assert key("Savon lavande", net_content) == key("Savon lavande", "100 g")


def test_a_derived_key_differs_with_the_title() -> None:
    assert key("Savon lavande", "100 g") != key("Savon miel", "100 g")


def test_a_derived_key_differs_with_the_net_content() -> None:
    assert key("Savon lavande", "100 g") != key("Savon lavande", "250 g")
    assert key("Savon lavande", "100 g") != key("Savon lavande")


def test_a_derived_key_differs_with_an_attribute() -> None:
    assert key("Côtes de Provence rosé", "75 cl", "2019") != key("Côtes de Provence rosé", "75 cl", "2020")
    assert key("Côtes de Provence rosé", "75 cl", "2019") != key("Côtes de Provence rosé", "75 cl")


def test_a_derived_key_tells_which_part_a_word_is_in() -> None:
    assert key("Savon", pd.NA) != key(pd.NA, "Savon")
    assert key("Savon lavande", pd.NA) != key("Savon", "lavande")


def test_an_empty_part_is_a_missing_part() -> None:
    assert key("Savon lavande", "") == key("Savon lavande", pd.NA) == key("Savon lavande", "!!")


@pytest.mark.parametrize("parts", [(pd.NA, pd.NA), ("", ""), ("!!!", pd.NA), (pd.NA, pd.NA, " ")])
def test_no_key_when_every_part_is_empty(parts: tuple) -> None:
    assert pd.isna(key(*parts))


def test_derived_skus_keep_the_index_of_the_parts() -> None:
    keys = derived_skus([cells("Savon", pd.NA, index=[5, 9]), cells("100 g", pd.NA, index=[5, 9])])
    assert keys.index.tolist() == [5, 9]
    assert KEY.fullmatch(keys[5]) and pd.isna(keys[9])

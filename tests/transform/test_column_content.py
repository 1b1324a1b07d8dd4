"""Tests of pipeline.transform.column_content: the shares of what a column's sample values look like."""
from __future__ import annotations

from dataclasses import fields

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.column_content import PARSED_VALUES, ContentProfile, profile_column, profile_columns

SETTINGS = config.settings()
VALUES = SETTINGS.values

SHARES = ("distinct", "gtin", "barcode_like", "money", "currency", "decimals", "integer", "zero", "negative",
          "fraction", "year", "quantity", "quantity_inside", "code", "text", "words", "length", "long", "url",
          "image", "date")

PRICES_IN_EUROS = ["4,50 €", "12,00 €", "3,90 €"]
BARCODES = ["3760123450010", "4006381333931", "5901234123457"]           # right check digits
EXCEL_BARCODES = ["3,76012E+12", "4,00638E+12", "5,90123E+12"]             # scientific notation
WRONG_CHECK_DIGITS = ["3760123450011", "4006381333932"]
QUANTITIES = ["250 g", "75 cl", "1 kg"]
CONTAINERS = ["Pot verre 250 g", "Bouteille 75 cl", "Sachet 1 kg"]
YEARS = ["2019", "2020", "2021"]
VAT_RATES = ["0.055", "0.2", "0,1"]
ZEROS = ["0", "0,00", "0"]
REFERENCES = ["SAV-001", "SAV-002", "SAV-003", "SAV-004"]
GROUPS = ["A", "A", "B", "B"]
DESCRIPTION = ("Un savon doux à l'huile d'olive et au lait d'ânesse, saponifié à froid en Provence, "
               "pour les peaux sensibles.")
PICTURES = ["https://cdn.example.fr/img/savon.jpg", "savon-miel.png", "photo.JPEG?v=2"]
TITLES = ["Savon lavande", "Savon miel", "Savon rose"]


def cells(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def profile(*values: object) -> ContentProfile:
    return profile_column(cells(*values), VALUES, SETTINGS.reading.lexicon.is_empty_value)


def test_prices_with_a_currency_sign() -> None:
    p = profile(*PRICES_IN_EUROS)
    assert (p.money, p.currency, p.decimals) == (1.0, 1.0, 1.0)
    assert p.gtin == p.barcode_like == p.quantity == 0.0


def test_plain_prices_name_no_currency() -> None:
    p = profile("4,50", "12.00", "3,90")
    assert (p.money, p.currency, p.decimals) == (1.0, 0.0, 1.0)


def test_barcodes_with_right_check_digits() -> None:
    p = profile(*BARCODES)
    assert (p.gtin, p.barcode_like, p.integer) == (1.0, 1.0, 1.0)
    assert p.decimals == 0.0


def test_barcodes_mangled_by_excel_look_like_barcodes_but_are_no_gtin() -> None:
    p = profile(*EXCEL_BARCODES)
    assert (p.barcode_like, p.gtin) == (1.0, 0.0)


def test_barcodes_with_wrong_check_digits_are_no_gtin() -> None:
    p = profile(*WRONG_CHECK_DIGITS)
    assert (p.barcode_like, p.gtin) == (1.0, 0.0)


def test_whole_cell_quantities() -> None:
    p = profile(*QUANTITIES)
    assert (p.quantity, p.quantity_inside) == (1.0, 1.0)
    assert p.money == 0.0


def test_quantities_inside_container_texts() -> None:
    p = profile(*CONTAINERS)
    assert (p.quantity, p.quantity_inside, p.text) == (0.0, 1.0, 1.0)


def test_years() -> None:
    p = profile(*YEARS)
    assert (p.year, p.integer, p.fraction) == (1.0, 1.0, 0.0)


def test_vat_fractions() -> None:
    p = profile(*VAT_RATES)
    assert (p.fraction, p.year, p.zero) == (1.0, 0.0, 0.0)


def test_zeros() -> None:
    p = profile(*ZEROS)
    assert (p.zero, p.money, p.fraction, p.negative) == (1.0, 1.0, 0.0, 0.0)


def test_negative_numbers() -> None:
    assert profile("-4,50", "3").negative == 0.5


def test_unique_codes() -> None:
    p = profile(*REFERENCES)
    assert (p.code, p.distinct) == (1.0, 1.0)


def test_repeating_codes_have_a_low_distinct_share() -> None:
    p = profile(*GROUPS)
    assert p.distinct == 0.5


def test_names_are_text_but_no_codes() -> None:
    p = profile(*TITLES)
    assert (p.text, p.code, p.long, p.words) == (1.0, 0.0, 0.0, 2.0)


def test_long_sentences() -> None:
    p = profile(DESCRIPTION, "Court")
    assert p.long == 0.5
    assert p.length == (len(DESCRIPTION) + len("Court")) / 2


def test_a_cell_of_several_lines_is_long() -> None:
    assert profile("ligne 1\nligne 2").long == 1.0


def test_picture_urls_and_file_names() -> None:
    p = profile(*PICTURES)
    assert p.image == 1.0
    assert p.url == pytest.approx(1 / 3)


def test_links() -> None:
    p = profile("https://example.fr/p/1", "www.example.fr/p/2")
    assert (p.url, p.image) == (1.0, 0.0)


def test_dates() -> None:
    assert profile("12/03/2024", "2024-03-12").date == 1.0


def test_shares_are_weighted_by_each_value_count() -> None:
    p = profile("4,50 €", "4,50 €", "4,50 €", "Savon")
    assert (p.currency, p.text, p.distinct) == (0.75, 0.25, 0.5)


def test_placeholders_are_counted_apart() -> None:
    p = profile("A créer", "N/A", "SAV-1", "SAV-2", pd.NA, "", "?")
    assert (p.rows, p.filled, p.placeholders) == (7, 2, 3)
    assert (p.code, p.distinct) == (1.0, 1.0)
    assert p.fill == pytest.approx(2 / 7)


def test_without_is_placeholder_every_filled_cell_counts() -> None:
    p = profile_column(cells("A créer", "N/A", "SAV-1", "SAV-2", pd.NA, "", "?"), VALUES)
    assert (p.filled, p.placeholders) == (5, 0)


def test_a_cell_with_a_digit_is_never_a_placeholder() -> None:
    asked: list[str] = []
    p = profile_column(cells("N/A", "SAV-1", "A créer 2"), VALUES, lambda c: asked.append(c) or True)
    assert asked == ["N/A"]
    assert (p.filled, p.placeholders) == (2, 1)


def test_an_empty_column() -> None:
    p = profile(pd.NA, "", "  ", None)
    assert p.empty and (p.rows, p.filled, p.fill) == (4, 0, 0.0)
    assert all(getattr(p, share) == 0.0 for share in SHARES)


def test_a_column_of_placeholders_only_is_empty() -> None:
    p = profile("N/A", "A créer")
    assert p.empty and p.placeholders == 2


def test_a_column_of_no_rows() -> None:
    p = profile()
    assert p == ContentProfile()


def test_every_share_is_listed_in_the_profile() -> None:
    counts = {"rows", "filled", "placeholders"}
    assert {f.name for f in fields(ContentProfile)} == counts | set(SHARES)


def test_parsers_judge_the_first_distinct_values_only() -> None:
    prices = [f"{n},50 €" for n in range(PARSED_VALUES)]
    p = profile(*prices, *["sur demande"] * 5)
    assert p.filled == PARSED_VALUES + 5
    assert p.currency == 1.0                     # "sur demande" comes after the first PARSED_VALUES values


def test_profile_columns_gives_each_column_its_profile_column() -> None:
    columns = {"prix": PRICES_IN_EUROS, "ean": BARCODES, "excel": EXCEL_BARCODES, "contenance": QUANTITIES,
               "conditionnement": CONTAINERS, "millesime": YEARS, "tva": VAT_RATES, "zero": ZEROS,
               "titre": TITLES, "photo": PICTURES}
    length = max(map(len, columns.values()))
    frame = pd.DataFrame({name: values + [pd.NA] * (length - len(values)) for name, values in columns.items()},
                         dtype=object)
    placeholder = SETTINGS.reading.lexicon.is_empty_value
    together = profile_columns(frame, VALUES, placeholder)
    assert list(together) == list(columns)
    assert together == {name: profile_column(frame[name], VALUES, placeholder) for name in frame.columns}


def test_profile_columns_of_columns_without_digits() -> None:
    frame = pd.DataFrame({"titre": TITLES, "vide": [pd.NA] * 3}, dtype=object)
    profiles = profile_columns(frame, VALUES)
    assert profiles["titre"].text == 1.0 and profiles["vide"].empty

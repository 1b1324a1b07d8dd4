"""Tests of pipeline.transform.sheet_layout: where the table is in a sheet, and which of its rows are no products."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.reading_tables import header_recogniser
from pipeline.transform.sheet_layout import (
    HeaderChoice,
    after_table,
    fill_down,
    filled_cells,
    filled_width,
    find_header,
    headerless_names,
    is_blank,
    layout_skips,
    looks_like_value,
    stray_rows,
    sub_header,
)

SETTINGS = config.settings()

NA = pd.NA
HEADER = ["Référence", "Désignation", "Prix HT", "Stock"]
PRODUCTS = [["SAV-001", "Savon lavande", "4,50", "12"],
            ["SAV-002", "Savon miel", "5,00", "3"],
            ["SAV-003", "Savon rose", "6,00", "8"]]
TITLE = ["Tarifs 2026 - Savonnerie Marius", "", "", ""]
HINT = ["Merci de remplir les cellules jaunes avant le 15 mars", "", "", ""]
BLANK = ["", "", "", ""]


@pytest.fixture(scope="module")
def recognised():
    return header_recogniser(SETTINGS.reading)


# --- find_header ----------------------------------------------------------------------------------------------

def test_the_header_below_a_title_row_and_a_hint_row(recognised) -> None:
    records = [TITLE, HINT, BLANK, HEADER, *PRODUCTS]
    choice = find_header(records, recognised)
    assert choice is not None and choice.index == 3
    assert len(choice.scores) == len(records) - 1              # one score per non-blank record


def test_a_header_on_the_first_record(recognised) -> None:
    assert find_header([HEADER, *PRODUCTS], recognised) == HeaderChoice(0, find_header([HEADER, *PRODUCTS],
                                                                                       recognised).scores)


@pytest.mark.parametrize("title", ["Tarifs professionnels 2026", "Prix", "Catalogue produits"])
def test_a_one_cell_title_row_is_never_the_header(recognised, title: str) -> None:
    header = ["Article", "Conditionnement", "Tarif", "Dispo"]
    records = [[title, "", "", ""], header, *PRODUCTS]
    assert find_header(records, recognised).index == 1


def test_a_header_of_unknown_names_above_data(recognised) -> None:
    records = [TITLE, ["Col A", "Col B", "Col C", "Col D"], *PRODUCTS]
    assert find_header(records, recognised).index == 1


def test_a_sheet_whose_first_record_is_data_has_no_header(recognised) -> None:
    assert find_header(PRODUCTS, recognised) == HeaderChoice(None, find_header(PRODUCTS, recognised).scores)


def test_a_title_row_above_data_without_header_has_no_header(recognised) -> None:
    """Records are there, so something can be said: the sheet is read by position, as without its title."""
    choice = find_header([TITLE, *PRODUCTS], recognised)
    assert choice is not None and choice.index is None


@pytest.mark.parametrize("records", [[], [BLANK], [BLANK, ["  ", "\t", "", ""]]])
def test_a_blank_sheet_gives_nothing(recognised, records) -> None:
    assert find_header(records, recognised) is None


def test_a_one_cell_title_row_is_never_the_header_of_data_without_header(recognised) -> None:
    """A producer's letterhead of one-cell rows above a table without header: the rows below are data."""
    letterhead = [["Savonnerie Marius", "", "", ""], ["12 rue de la République", "", "", ""],
                  ["13001 Marseille", "", "", ""], ["contact@savonnerie-marius.fr", "", "", ""]]
    choice = find_header([*letterhead, *PRODUCTS], recognised)
    assert choice is None or choice.index != 0


def test_the_header_is_searched_in_the_first_records_only(recognised) -> None:
    records = [TITLE, HINT, BLANK, HEADER, *PRODUCTS]
    assert find_header(records, recognised, search=3) is None
    assert find_header(records, recognised, search=4).index == 3


# --- looks_like_value -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    "4,50", "4.90", "-4,50", "12,50 €", "€ 12", "EUR 12", "1 234,56", "12 000", "20 %", "3760123450010",
    "3,76E+12", "250 g", "75cl", "1,5 kg", "12/03/2024", "2024-03-12", "https://example.fr/p/1",
    "www.example.fr", "x" * 81,
])
def test_values(cell: str) -> None:
    assert looks_like_value(cell)


@pytest.mark.parametrize("cell", ["Prix HT", "Référence", "SAV-001", "(l'unité)", "Savon lavande", "x" * 80, ""])
def test_not_values(cell: str) -> None:
    assert not looks_like_value(cell)


# --- sub_header -----------------------------------------------------------------------------------------------

HEADER_TTC = ["Référence", "Désignation", "Prix TTC (€)", "Stock"]


def test_a_sub_header_completes_the_header() -> None:
    assert sub_header(HEADER_TTC, ["", "", "(l'unité)", ""]) == [
        "Référence", "Désignation", "Prix TTC (€) (l'unité)", "Stock"]


def test_a_sub_header_completes_each_qualified_cell() -> None:
    assert sub_header(HEADER_TTC, ["(interne)", "", " (l'unité) ", ""]) == [
        "Référence (interne)", "Désignation", "Prix TTC (€) (l'unité)", "Stock"]


@pytest.mark.parametrize("below", [
    pytest.param(["SAV-001", "Savon lavande", "4,50", "12"], id="a-product-row"),
    pytest.param(["", "", "4,50", ""], id="a-value"),
    pytest.param(["", "", "(" + "prix conseillé au consommateur final, hors frais de port" + ")", ""],
                 id="a-long-text"),
    pytest.param(["", "", "l'unité", ""], id="not-in-parentheses"),
    pytest.param(["(a)", "(b)", "(c)", ""], id="more-than-half-filled"),
    pytest.param(BLANK, id="blank"),
    pytest.param(None, id="no-record"),
])
def test_no_sub_header(below) -> None:
    assert sub_header(HEADER_TTC, below) is None


def test_a_qualifier_under_an_empty_header_cell_is_no_sub_header() -> None:
    assert sub_header(["Référence", "", "Prix TTC (€)", "Stock"], ["", "(l'unité)", "", ""]) is None


# --- layout_skips ---------------------------------------------------------------------------------------------

def sheet(*rows: list) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=HEADER, dtype=object)


@pytest.mark.parametrize(("row", "reason"), [
    pytest.param([NA, "TISANES", NA, NA], "section", id="section"),
    pytest.param(["Savons au lait d'ânesse", NA, NA, NA], "section", id="section-in-first-column"),
    pytest.param(["* Franco de port à partir de 300 € HT", NA, NA, NA], "note", id="note-star"),
    pytest.param(["Conditions : paiement à 30 jours", NA, NA, NA], "note", id="note-colon"),
    pytest.param(["NB les prix peuvent changer", NA, NA, NA], "note", id="note-nb"),
    pytest.param(["Tous nos savons sont fabriqués à la main dans notre atelier de Marseille", NA, NA, NA],
                 "note", id="note-long"),
    pytest.param([NA, NA, "4.90", NA], "stray", id="stray-price"),
    pytest.param([NA, "250 g", NA, NA], "stray", id="stray-quantity"),
    pytest.param([NA, "Total", "123,40", NA], "total", id="total"),
    pytest.param([NA, NA, "Total HT", "123,40"], "total", id="total-ht"),
    pytest.param([NA, "Sous-total", "12", "à vérifier"], "total", id="sub-total-with-note"),
    pytest.param([NA, "MONTANT TOTAL", "12", NA], "total", id="montant-total"),
    pytest.param(["SAV-001", "Savon lavande", "4,50", "12"], NA, id="product"),
    pytest.param(["SAV-002", "Savon miel", NA, NA], NA, id="product-without-price"),
    pytest.param([NA, "Savon lavande", "4,50", NA], NA, id="sparse-product"),
    pytest.param(["TOT-1", "Total", "4,50", "2"], NA, id="four-cells-saying-total"),
])
def test_layout_skips(row: list, reason: object) -> None:
    found = layout_skips(sheet(row), HEADER).iloc[0]
    assert found is NA if reason is NA else found == reason


def test_layout_skips_of_a_sheet() -> None:
    frame = sheet([NA, "TISANES", NA, NA], PRODUCTS[0], PRODUCTS[1], [NA, "Total", "9,50", NA])
    frame.index = [10, 11, 12, 13]
    reasons = layout_skips(frame, HEADER)
    assert reasons.index.tolist() == [10, 11, 12, 13]
    assert reasons.tolist() == ["section", NA, NA, "total"]


def test_layout_skips_with_known_counts_of_filled_cells() -> None:
    frame = sheet([NA, "TISANES", NA, NA], PRODUCTS[0])
    assert layout_skips(frame, HEADER, filled_cells(frame, HEADER)).tolist() == ["section", NA]


def test_layout_skips_reads_only_the_named_columns() -> None:
    frame = sheet([NA, "TISANES", NA, NA]).assign(source_row=[4], vendor_id=["v"])
    assert layout_skips(frame, HEADER).tolist() == ["section"]


def test_layout_skips_of_an_empty_sheet_or_no_names() -> None:
    assert layout_skips(sheet(), HEADER).empty
    assert layout_skips(sheet(PRODUCTS[0]), []).isna().all()


def test_filled_cells() -> None:
    assert filled_cells(sheet(PRODUCTS[0], [NA, "TISANES", NA, NA]), HEADER).tolist() == [4, 1]


# --- stray_rows and after_table -------------------------------------------------------------------------------

def flags(*values: bool) -> pd.Series:
    return pd.Series(list(values), dtype=bool)


def test_stray_rows() -> None:
    named = flags(True, False, False, False, True)
    priced = flags(True, False, True, True, False)
    filled = pd.Series([4, 1, 2, 3, 1])
    assert stray_rows(named, priced, filled).tolist() == [NA, "no_product", "stray", NA, NA]


def test_after_table_marks_the_skipped_rows_after_the_last_product() -> None:
    rows = pd.Series([2, 3, 4, 5, 6, 7])
    reasons = pd.Series(["section", NA, "blank", "note", "blank", "stray"], dtype=object)
    assert after_table(rows, reasons, 3).tolist() == ["section", NA, "blank", "after_table", "blank", "after_table"]


def test_after_table_without_a_product_changes_nothing() -> None:
    reasons = pd.Series(["section", "note"], dtype=object)
    assert after_table(pd.Series([2, 3]), reasons, None).tolist() == ["section", "note"]


# --- fill_down ------------------------------------------------------------------------------------------------

def frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype=object)


def test_continuation_rows_get_the_title_and_their_groups_columns() -> None:
    honey = frame(Désignation=["Miel de lavande", NA, NA, "Miel de châtaignier", NA],
                  Contenance=["250 g", "500 g", "1 kg", "250 g", "500 g"],
                  Marque=["Rucher Bleu", NA, NA, "Rucher Bleu", NA],
                  Prix=["5", "9", "16", "6", "10"])
    filled, done = fill_down(honey, ["Marque", "Contenance"], "Désignation", honey["Prix"].notna())
    assert done == ["Désignation", "Marque"]
    assert filled["Désignation"].tolist() == ["Miel de lavande"] * 3 + ["Miel de châtaignier"] * 2
    assert filled["Marque"].tolist() == ["Rucher Bleu"] * 5
    assert filled["Contenance"].tolist() == honey["Contenance"].tolist()
    assert honey["Désignation"].isna().sum() == 3                    # the input is left as it was


def test_a_column_empty_beside_written_titles_is_filled_on_every_priced_row() -> None:
    producers = frame(Producteur=["Rucher Bleu", NA, NA, NA, "Mas Vert", NA, NA, NA],
                      Désignation=list("ABCDEFGH"), Prix=["1"] * 8)
    filled, done = fill_down(producers, ["Producteur"], "Désignation", producers["Prix"].notna())
    assert done == ["Producteur"]
    assert filled["Producteur"].tolist() == ["Rucher Bleu"] * 4 + ["Mas Vert"] * 4


BRANDS_ONE_MISSING = frame(Marque=["X", "Y", NA, "Z", "W", "V", "U", "T"], Désignation=list("ABCDEFGH"),
                           Prix=["1"] * 8)


def test_a_column_empty_on_a_single_row_of_an_ordinary_sheet_is_not_filled() -> None:
    filled, done = fill_down(BRANDS_ONE_MISSING, ["Marque"], "Désignation", BRANDS_ONE_MISSING["Prix"].notna())
    assert done == []
    assert filled["Marque"].isna().tolist() == [False, False, True, False, False, False, False, False]


def test_a_title_empty_on_a_single_row_is_filled_when_merged() -> None:
    wines = frame(Désignation=["Rosé", NA, "Rouge", "Blanc", "Clairet", "Muscat", "Gris", "Rosé de saignée"],
                  Marque=["Mas", NA, "Mas", "Mas", "Mas", "Mas", "Mas", "Mas"],
                  Contenance=["75 cl", "150 cl", "75 cl", "75 cl", "75 cl", "75 cl", "75 cl", "75 cl"],
                  Prix=["9"] * 8)
    priced = wines["Prix"].notna()
    assert fill_down(wines, ["Marque"], "Désignation", priced)[1] == []
    filled, done = fill_down(wines, ["Marque"], "Désignation", priced, merged={"Désignation", "Marque"})
    assert done == ["Désignation", "Marque"]
    assert filled.loc[1, ["Désignation", "Marque"]].tolist() == ["Rosé", "Mas"]


def test_unpriced_rows_are_never_filled() -> None:
    producers = frame(Producteur=["Rucher Bleu", NA, NA, NA, NA], Désignation=["A", "B", "C", "D", NA],
                      Prix=["1", "1", "1", NA, NA])
    filled, done = fill_down(producers, ["Producteur"], "Désignation", producers["Prix"].notna())
    assert done == ["Producteur"]
    assert filled["Producteur"].tolist() == ["Rucher Bleu"] * 3 + [NA, NA]


def test_rows_above_the_first_written_value_stay_empty() -> None:
    producers = frame(Producteur=[NA, NA, "Mas Vert", NA, NA], Désignation=list("ABCDE"), Prix=["1"] * 5)
    filled, _ = fill_down(producers, ["Producteur"], "Désignation", producers["Prix"].notna())
    assert filled["Producteur"].tolist() == [NA, NA, "Mas Vert", "Mas Vert", "Mas Vert"]


def test_fill_down_without_title_column() -> None:
    producers = frame(Producteur=["Rucher Bleu", NA, NA], Prix=["1", "2", "3"])
    filled, done = fill_down(producers, ["Producteur"], None, producers["Prix"].notna())
    assert done == ["Producteur"] and filled["Producteur"].tolist() == ["Rucher Bleu"] * 3


def test_fill_down_of_no_priced_row_or_no_row() -> None:
    producers = frame(Producteur=["Rucher Bleu", NA, NA], Désignation=list("ABC"), Prix=[NA, NA, NA])
    unchanged, done = fill_down(producers, ["Producteur"], "Désignation", producers["Prix"].notna())
    assert unchanged is producers and done == []
    empty = producers.iloc[0:0]
    assert fill_down(empty, ["Producteur"], "Désignation", empty["Prix"].notna()) == (empty, [])


# --- small helpers --------------------------------------------------------------------------------------------

def test_filled_width_and_is_blank() -> None:
    assert filled_width(["a", "", "b", "", ""]) == 3
    assert filled_width(BLANK) == 0 and is_blank(BLANK) and is_blank(["  ", "\t"])
    assert not is_blank(["", "x"])


def test_headerless_names() -> None:
    assert headerless_names(3) == ["colonne 1", "colonne 2", "colonne 3"]


def test_filled_cells_is_an_array() -> None:
    assert isinstance(filled_cells(sheet(PRODUCTS[0]), HEADER), np.ndarray)

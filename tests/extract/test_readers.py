"""Reading vendor sheets into text frames under their header (pipeline/extract/readers.py)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.profiles import VendorProfile
from pipeline.extract.readers import Sheet, UnreadableSheet, header_names, read_sheet


@pytest.fixture
def sheets(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sheets"


def read(sheets: Path, name: str, **profile: object) -> Sheet:
    return read_sheet((sheets / name).read_bytes(), name, VendorProfile("v", **profile) if profile else None)


def cells(frame: pd.DataFrame) -> list[list[object]]:
    """Rows as lists, pd.NA kept, source_row included (last)."""
    return frame.astype(object).to_numpy().tolist()


def test_cp1252_semicolon_ttc(sheets: Path) -> None:
    sheet = read(sheets, "cp1252-semicolon-ttc.csv")
    assert (sheet.format, sheet.encoding, sheet.delimiter, sheet.header_row, sheet.raw_rows) == \
        ("csv", "cp1252", ";", 1, 4)
    assert list(sheet.frame.columns) == ["Référence", "Désignation", "Prix TTC", "Code EAN", "Contenance",
                                         "Stock", "source_row"]
    assert sheet.frame["Code EAN"].tolist()[:2] == ["3760987650014", "0000080446392"]
    assert sheet.frame["Code EAN"].iloc[2] is pd.NA
    assert sheet.frame["Code EAN"].iloc[3] == "1,76701E+15"
    assert sheet.frame["Prix TTC"].tolist() == ["4,90 €", "12,50 €", "8,00 €", "15,00 €"]
    assert sheet.frame["source_row"].tolist() == [2, 3, 4, 5]
    assert sheet.ragged.empty and sheet.duplicate_headers == []


def test_frame_is_object_text_and_int_rows(sheets: Path) -> None:
    frame = read(sheets, "cp1252-semicolon-ttc.csv").frame
    assert frame.drop(columns="source_row").dtypes.eq(object).all()
    assert frame["source_row"].dtype == "int64"
    assert {type(v) for v in frame.drop(columns="source_row").to_numpy().ravel()} <= {str, type(pd.NA)}


@pytest.mark.parametrize(("name", "encoding", "delimiter", "first"), [
    ("latin1-undefined-byte.csv", "latin-1", ";", ["NOU-01", "Nougat blanc\x81", "6,50", 2]),
    ("utf8-bom-comma-quoted.csv", "utf-8-sig", ",",
     ["SAV-01", 'Savon "extra doux", 100 g', "Huile d'olive, lavande, karité", "4.90", 2]),
    ("utf8-tab-chinese.csv", "utf-8", "\t", ["HUI-01", "Huile d'olive", "普罗旺斯橄榄油", "12,50", 2]),
    ("utf16-tab.csv", "utf-16", "\t", ["LAV-01", "Bouquet de lavande séchée", "7,50 €", 2]),
    ("utf16be-bom-semicolon.csv", "utf-16", ";", ["OLV-01", "Olives de Nyons", "9,80", 2]),
    ("utf16le-no-bom.csv", "utf-16-le", ";", ["TAP-01", "Tapenade noire", "5,60", 2]),
])
def test_encodings_and_delimiters(sheets: Path, name: str, encoding: str, delimiter: str,
                                  first: list[object]) -> None:
    sheet = read(sheets, name)
    assert (sheet.encoding, sheet.delimiter) == (encoding, delimiter)
    assert cells(sheet.frame)[0] == first


def test_title_row_above_header_csv(sheets: Path) -> None:
    sheet = read(sheets, "title-row-above-header.csv")
    assert sheet.header_row == 3 and sheet.raw_rows == 2
    assert list(sheet.frame.columns) == ["Référence", "Désignation", "Prix HT", "Stock", "source_row"]
    assert sheet.frame["source_row"].tolist() == [4, 5]


def test_title_lines_without_delimiters(sheets: Path) -> None:
    sheet = read(sheets, "title-lines-without-delimiters.csv")
    assert (sheet.delimiter, sheet.header_row) == (",", 4)
    assert cells(sheet.frame) == [["CAL-01", "Calissons", "15.00", "12", 5],
                                  ["BER-01", "Berlingots", "6.50", "40", 6]]


def test_title_row_above_header_xlsx(sheets: Path) -> None:
    sheet = read(sheets, "title-row-above-header.xlsx")
    assert (sheet.format, sheet.encoding, sheet.delimiter, sheet.header_row, sheet.raw_rows) == \
        ("xlsx", None, None, 4, 3)
    assert cells(sheet.frame) == [
        ["SAV-LAV-100", "Savon à la lavande", "4.9", "3760987650014", "120", 5],
        ["HUI-OLV-50", "Huile d'olive vierge extra", "12.5", "0000080446392", "35", 6],
        ["MIEL-250", "Miel de lavande", "8", pd.NA, "0", 8],
    ]


def test_xlsx_cell_types(sheets: Path) -> None:
    frame = read(sheets, "cell-types.xlsx").frame
    assert frame.loc[0, "ean"] == "3760987650014" and frame.loc[0, "bio"] == "TRUE"
    assert frame.loc[1, "heure"] is pd.NA


def test_xlsx_profile_sheet(sheets: Path) -> None:
    sheet = read(sheets, "hidden-first-sheet.xlsx", sheet="Export Tmall")
    assert cells(sheet.frame) == [["P1", "手工茴香酒", 2]]


def test_ragged_rows_are_reported_and_left_out(sheets: Path) -> None:
    sheet = read(sheets, "ragged-rows.csv")
    assert sheet.frame["sku"].tolist() == ["A1", "A4", "A5", "A6"]
    assert sheet.frame["source_row"].tolist() == [2, 5, 6, 8]
    assert sheet.ragged.to_dict("records") == [
        {"source_row": 3, "cells": 5, "expected": 4},
        {"source_row": 4, "cells": 3, "expected": 4},
    ]
    assert sheet.raw_rows == 6                  # ragged counted, blank line 7 not
    assert sheet.ragged.dtypes.eq("int64").all()


def test_trailing_delimiter_on_header_only(sheets: Path) -> None:
    sheet = read(sheets, "header-trailing-delimiter.csv")
    assert sheet.ragged.empty
    assert cells(sheet.frame) == [["B1", "Berlingots", "6,50", pd.NA, 2], ["B2", "Nougat", "6,90", pd.NA, 3]]


def test_quoted_newlines_count_records_not_lines(sheets: Path) -> None:
    sheet = read(sheets, "quoted-newlines.csv")
    assert sheet.frame["source_row"].tolist() == [2, 3, 4, 5]
    assert sheet.frame.loc[2, "title"] == "Deux\n\nparagraphes"
    assert sheet.frame.loc[1, "title"] == "“Savon” courbe"


def test_duplicate_and_empty_headers(sheets: Path) -> None:
    sheet = read(sheets, "duplicate-headers.csv")
    assert list(sheet.frame.columns) == ["sku", "Prix", "Prix (2)", "column_4", "Désignation", "Prix (3)",
                                         "source_row (2)", "source_row"]
    assert sheet.duplicate_headers == ["Prix"]
    assert cells(sheet.frame) == [["D1", "1", "2", "x", "Savon", "3", "7", 2]]


def test_blank_records_skipped_and_blank_cells_na(sheets: Path) -> None:
    sheet = read(sheets, "blank-records-and-spaces.csv")
    assert sheet.raw_rows == 2
    assert cells(sheet.frame) == [["S1", "  Savon  ", pd.NA, 3], ["S2", "Miel", pd.NA, 5]]


@pytest.mark.parametrize(("name", "reason_fr"), [
    ("empty.csv", "Fichier vide"),
    ("whitespace-only.csv", "que des espaces"),
    ("header-only.csv", "que la ligne d'en-tête (ligne 1)"),
    ("binary-named.csv", "Fichier binaire (PDF) nommé .csv"),
])
def test_unreadable_files(sheets: Path, name: str, reason_fr: str) -> None:
    with pytest.raises(UnreadableSheet) as caught:
        read(sheets, name)
    assert reason_fr in caught.value.reason_fr
    assert caught.value.reason_en


def test_a_sheet_of_values_is_read_without_header() -> None:
    sheet = read_sheet(b"1;2;3\n4;5;6\n", "nombres.csv")
    assert sheet.headerless and sheet.header_row is None
    assert list(sheet.frame.columns) == ["colonne 1", "colonne 2", "colonne 3", "source_row"]
    assert sheet.frame["source_row"].tolist() == [1, 2]


def test_a_sheet_of_names_only_has_no_header() -> None:
    with pytest.raises(UnreadableSheet, match="No header row"):
        read_sheet(b";\n;\n", "vide.csv")


def test_profile_header_row_wins(sheets: Path) -> None:
    sheet = read(sheets, "title-row-above-header.csv", header_row=4)
    assert list(sheet.frame.columns)[:2] == ["SAV-01", "Savon à la lavande"]
    assert sheet.frame["source_row"].tolist() == [5]


def test_profile_header_row_on_blank_row_is_unreadable(sheets: Path) -> None:
    with pytest.raises(UnreadableSheet, match="row 2"):
        read(sheets, "title-row-above-header.csv", header_row=2)


def test_profile_encoding(sheets: Path) -> None:
    sheet = read(sheets, "cp1252-semicolon-ttc.csv", encoding="latin-1")
    assert sheet.encoding == "latin-1"
    assert sheet.frame["Prix TTC"].iloc[0] == "4,90 \x80"


def test_profile_delimiter(sheets: Path) -> None:
    sheet = read(sheets, "utf8-bom-comma-quoted.csv", delimiter=";")
    assert sheet.delimiter == ";"
    assert list(sheet.frame.columns) == ["SKU,Name,Short description,Regular price", "source_row"]


def test_the_header_is_the_row_read_as_column_names() -> None:
    data = b"Fournisseur;Savonnerie;Provence;2025\nsku;prix\nA;1\n"
    assert read_sheet(data, "x.csv").header_row == 2
    knows_the_first = {"Fournisseur", "Savonnerie", "Provence"}.__contains__
    assert read_sheet(data.replace(b";2025", b""), "x.csv", recognised=knows_the_first).header_row == 1
    knows_nothing = lambda cell: False   # noqa: E731
    assert read_sheet(data, "x.csv", recognised=knows_nothing).headerless     # its first row holds a value


def test_a_hint_row_above_the_header_is_set_aside() -> None:
    data = "NE PAS MODIFIER;Obligatoire;Valeur numérique\nCode;Libellé (nom);Prix vente unitaire HT\n001;Savon;4,5\n"
    sheet = read_sheet(data.encode(), "x.csv")
    assert sheet.header_row == 2
    assert sheet.skipped.to_dict("records") == [{"source_row": 1, "reason": "above_header"}]


def test_width_bonus_prefers_the_row_whose_followers_look_like_data() -> None:
    # two rows hold three distinct names; only the header is followed by records as wide as itself
    data = b"Savonnerie;Provence;Catalogue\n\nsku;title;price;stock\nA;Savon;4;1\nB;Miel;5;2\n"
    assert read_sheet(data, "x.csv").header_row == 3
    data = b"Savonnerie;Provence;Catalogue;2025\nsku;title;price\nA;Savon;4\nB;Miel;5\n"
    assert read_sheet(data, "x.csv").header_row == 2


def test_header_names() -> None:
    names, duplicates = header_names([" a ", "a", "", "a (2)", "a"])
    assert names == ["a", "a (2)", "column_3", "a (2) (2)", "a (3)"]
    assert duplicates == ["a"]


def test_large_frame_keeps_codes_as_text() -> None:
    rows = "".join(f"SKU-{i};{i:013d}\n" for i in range(2000))
    frame = read_sheet(f"sku;ean\n{rows}".encode(), "x.csv").frame
    assert frame["ean"].iloc[7] == "0000000000007" and len(frame) == 2000
    assert frame["source_row"].iloc[-1] == 2001


ALPHABETS = {
    "utf-8": "ab é€“”橄;,\t\"\n'",
    "utf-8-sig": "ab é;,\t\"\n",
    "cp1252": "ab éèçô;,\t\"\n",    # only lead-byte accents: cp1252 text that is never valid UTF-8
    "utf-16": "ab é€橄;,\t\"\n",
}


@st.composite
def written_sheet(draw: st.DrawFn) -> tuple[list[str], list[list[str]], str, str, str]:
    encoding = draw(st.sampled_from(sorted(ALPHABETS)))
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    width = draw(st.integers(2, 5))
    header = [f"col{'x' * n}" for n in range(width)]
    cell = st.text(alphabet=ALPHABETS[encoding], max_size=6)
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8))
    return header, rows, encoding, delimiter, draw(st.sampled_from(["\n", "\r\n"]))


@settings(max_examples=60, deadline=None, database=None)
@given(written_sheet())
def test_what_csv_writer_writes_reads_back(case: tuple[list[str], list[list[str]], str, str, str]) -> None:
    header, rows, encoding, delimiter, line_end = case
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows([header, *rows])
    data = out.getvalue().encode(encoding)
    filled = [(n, row) for n, row in enumerate(rows, start=2) if any(c.strip() for c in row)]
    if not filled:
        with pytest.raises(UnreadableSheet):
            read_sheet(data, "x.csv", VendorProfile("v", delimiter=delimiter, header_row=1))
        return
    sheet = read_sheet(data, "x.csv", VendorProfile("v", delimiter=delimiter, header_row=1))
    expected = [[c if c.strip() else pd.NA for c in row] + [n] for n, row in filled]
    assert cells(sheet.frame) == expected
    assert sheet.raw_rows == len(filled) and sheet.ragged.empty


@dataclass(frozen=True)
class RealExport:
    """What was checked by hand (csv module, a text editor) in one of ../shared/fixtures/real."""

    name: str
    delimiter: str
    encoding: str
    first_headers: list[str]
    header_cells: int
    raw_rows: int
    last_row: int
    ragged: int = 0


REAL_EXPORTS = [
    RealExport("woocommerce-8.3.1-sample_products.csv", ",", "utf-8-sig", ["ID", "Type", "SKU"], 51, 25, 26),
    RealExport("woocommerce-8.3.1-experimental_sample_9_products.csv", ",", "utf-8-sig",
               ["Type", "SKU", "Name"], 50, 9, 10),
    RealExport("shopify-product_template-2023.csv", ",", "utf-8", ["Handle", "Title"], 48, 17, 18),
    RealExport("shopify-product_template-legacy.csv", ",", "utf-8", ["Handle", "Title"], 47, 3, 4),
    RealExport("prestashop-9.1-products_import.csv", ";", "utf-8", ["Product ID", "Active (0/1)"], 67, 7, 8),
    # record 2 has 24 cells under 23 headers, the 24th empty: a trailing ';', so it is read, not ragged
    RealExport("prestashop-9.1-combinations_import.csv", ";", "utf-8", ["Product ID*"], 23, 27, 28),
    # every data record ends with a ';' the header lacks
    RealExport("prestashop-1.4-products_import.csv", ";", "utf-8", ["id", "Active (0/1)", "Name*"], 39, 2, 3),
    RealExport("magento2-1.0.0-beta6-catalog_product.csv", ",", "utf-8", ["sku", "store_view_code"], 80, 7,
               8),
    RealExport("off-systemeu-akeneo-SUYQD_AKENEO_PU_02.csv", ";", "utf-8", ["sku", "categories"], 39, 5, 6),
    # three cells hold quoted line breaks: 30 lines, 27 records
    RealExport("off-export-products.tsv", "\t", "utf-8", ["code", "producer_product_id"], 139, 26, 27),
    RealExport("off-import_csv_file-test.tsv", "\t", "utf-8", ["countries", "lc", "code"], 17, 7, 8),
]


@pytest.mark.parametrize("export", REAL_EXPORTS, ids=lambda export: export.name)
def test_real_exports(real_fixtures: Path, export: RealExport) -> None:
    sheet = read_sheet((real_fixtures / export.name).read_bytes(), export.name)
    assert (sheet.format, sheet.delimiter, sheet.encoding, sheet.header_row) == \
        ("csv", export.delimiter, export.encoding, 1)
    assert list(sheet.frame.columns[:len(export.first_headers)]) == export.first_headers
    assert len(sheet.frame.columns) == export.header_cells + 1
    assert (sheet.raw_rows, len(sheet.ragged)) == (export.raw_rows, export.ragged)
    assert len(sheet.frame) == export.raw_rows - export.ragged
    assert sheet.frame["source_row"].iloc[-1] == export.last_row
    text = sheet.frame.drop(columns="source_row")
    assert not text.apply(lambda column: column.str.contains("\r", regex=False)).any().any()


def test_real_exports_keep_codes_as_written(real_fixtures: Path) -> None:
    name = "prestashop-9.1-combinations_import.csv"
    combinations = read_sheet((real_fixtures / name).read_bytes(), name)
    assert combinations.frame["EAN13"].iloc[0] == "0000080446392"
    assert combinations.frame["Warehouse"].iloc[0] == "0"
    shopify = read_sheet((real_fixtures / "shopify-product_template-2023.csv").read_bytes(), "s.csv")
    assert "4.6347E+11" in shopify.frame["Variant Barcode"].tolist()
    off = read_sheet((real_fixtures / "off-export-products.tsv").read_bytes(), "o.tsv")
    assert off.frame.drop(columns="source_row").apply(
        lambda column: column.str.contains("_x000D_", regex=False)).any().any()


def test_every_real_product_export_is_covered(real_fixtures: Path) -> None:
    exports = {p.name for p in real_fixtures.glob("*.?sv") if not p.name.startswith("ecb-")}
    assert exports == {export.name for export in REAL_EXPORTS}


@settings(max_examples=80, deadline=None, database=None)
@given(st.lists(st.lists(st.sampled_from(["", " ", "\t", "\u00a0", "a", "Prix TTC", "12,50 €", " x ", "\x1c"]),
                         min_size=3, max_size=3), min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_regular_text_reads_the_same_through_arrow_and_csv_reader(rows: list[list[str]], line_end: str,
                                                                  blank_line: bool) -> None:
    """A text without quotes whose lines are all as wide is split by Arrow; it must read as csv.reader reads it."""
    lines = [";".join(["Référence", "Désignation", "Stock"])] + [";".join(row) for row in rows]
    if blank_line:
        lines.insert(2, "")                     # Arrow: a record of empty cells; csv.reader: []; both blank
    data = (line_end.join(lines) + line_end).encode("utf-8")
    quoted = data.replace(b"R\xc3\xa9f\xc3\xa9rence", '"Référence"'.encode())   # the quote sends it to csv.reader

    def read_or_reason(raw: bytes) -> object:
        try:
            sheet = read_sheet(raw, "x.csv", VendorProfile("v", delimiter=";"))
        except UnreadableSheet as exc:
            return exc.reason_en
        return sheet.frame, sheet.ragged, sheet.raw_rows, sheet.header_row

    by_arrow, by_csv_reader = read_or_reason(data), read_or_reason(quoted)
    if isinstance(by_csv_reader, str):
        assert by_arrow == by_csv_reader
        return
    pd.testing.assert_frame_equal(by_arrow[0], by_csv_reader[0])
    pd.testing.assert_frame_equal(by_arrow[1], by_csv_reader[1])
    assert by_arrow[2:] == by_csv_reader[2:]
    assert {type(v) for v in by_arrow[0].drop(columns="source_row").to_numpy().ravel()} <= {str, type(pd.NA)}


# Rows the reader cannot read right: rejected one by one (Sheet.broken), never the whole file

HEAD = "SKU;Désignation;Prix TTC\n"
SOAPS = ["SAV-01;Savon à la lavande;4,90 €\n", "SAV-02;Crème de karité;12,50 €\n", "SAV-03;Huile d'olive;8,00 €\n"]


def broken(sheet: Sheet) -> list[tuple[int, str, str]]:
    return list(sheet.broken.itertuples(index=False, name=None))


def test_a_row_with_invalid_bytes_is_rejected_the_others_read_as_utf8() -> None:
    data = (HEAD + SOAPS[0]).encode() + "SAV-02;Crème ".encode() + b"\xe0 la \xff;12,50 \xe2\x82\n" + SOAPS[2].encode()
    sheet = read_sheet(data, "x.csv")
    assert broken(sheet) == [(3, "encoding_invalid", "octet 0xE0 en position 14")]
    assert sheet.encoding == "utf-8" and sheet.frame["Désignation"].tolist() == ["Savon à la lavande", "Huile d'olive"]
    assert sheet.frame["source_row"].tolist() == [2, 4] and sheet.raw_rows == 3


def test_windows_1252_lines_appended_to_utf8_are_read_right_with_one_warning() -> None:
    appended = "SAV-04;Thé vert;3,00 €\r\nSAV-05;Café « bio »;4,00 €\r\nSAV-06;Pâte à tartiner;5,00 €\r\n"
    sheet = read_sheet((HEAD + "".join(SOAPS)).encode() + appended.encode("cp1252"), "x.csv")
    assert sheet.frame["Désignation"].tolist()[3:] == ["Thé vert", "Café « bio »", "Pâte à tartiner"]
    assert sheet.frame["Prix TTC"].tolist()[3:] == ["3,00 €", "4,00 €", "5,00 €"]
    assert sheet.broken.empty and len(sheet.warnings) == 1 and "Windows-1252" in sheet.warnings[0]


def test_a_whole_windows_1252_sheet_reads_as_before(sheets: Path) -> None:
    sheet = read_sheet((HEAD + "".join(SOAPS)).encode("cp1252"), "x.csv")
    assert (sheet.encoding, sheet.warnings, sheet.broken.empty, len(sheet.frame)) == ("cp1252", [], True, 3)
    assert sheet.frame["Prix TTC"].tolist() == ["4,90 €", "12,50 €", "8,00 €"]


def test_a_mojibake_title_is_rejected_with_its_cell() -> None:
    sheet = read_sheet((HEAD + SOAPS[0] + "SAV-02;Savon Ã\u00a0 l'huile;4,00 €\n" + SOAPS[2]).encode(), "x.csv")
    assert broken(sheet) == [(3, "encoding_invalid", "Savon Ã\u00a0 l'huile")]
    assert sheet.frame["source_row"].tolist() == [2, 4] and sheet.raw_rows == 3


def test_a_quote_left_open_rejects_the_two_rows_it_merged() -> None:
    text = HEAD + 'SAV-01;"Savon lavande;4,90 €\nSAV-02;"传统 香皂";12,50 €\n' + SOAPS[2]
    sheet = read_sheet(text.encode(), "x.csv")
    assert broken(sheet) == [(2, "unbalanced_quote", "2"), (3, "unbalanced_quote", "2")]
    assert cells(sheet.frame) == [["SAV-03", "Huile d'olive", "8,00 €", 4]]
    assert sheet.raw_rows == 3


def test_a_quote_never_closed_rejects_the_rows_from_it_on_the_rows_before_are_read() -> None:
    text = HEAD + SOAPS[0] + 'SAV-02;"Crème de karité;12,50 €\n' + SOAPS[2] + "SAV-04;Thé;3,00 €\n"
    sheet = read_sheet(text.encode(), "x.csv")
    assert broken(sheet) == [(3, "unbalanced_quote", "3"), (4, "unbalanced_quote", "3"),
                             (5, "unbalanced_quote", "3")]
    assert cells(sheet.frame) == [["SAV-01", "Savon à la lavande", "4,90 €", 2]]


def test_a_cell_of_140_000_characters_rejects_only_its_row() -> None:
    sheet = read_sheet((HEAD + SOAPS[0] + f"SAV-02;{'x' * 140_000};12,50 €\n" + SOAPS[2]).encode(), "x.csv")
    assert broken(sheet) == [(3, "cell_too_large", "140\u00a0000 caractères")]
    assert sheet.frame["SKU"].tolist() == ["SAV-01", "SAV-03"]


def test_nul_bytes_are_removed_with_a_warning() -> None:
    data = (HEAD + SOAPS[0]).encode() + "SAV-02;Crème\x00 de karité\x00;12,50 €\n".encode() + SOAPS[2].encode()
    sheet = read_sheet(data, "x.csv")
    assert sheet.frame["Désignation"].tolist()[1] == "Crème de karité" and sheet.broken.empty
    assert sheet.warnings == ["encoding: 2 NUL byte(s) removed, the first on line 3"]


def test_a_pdf_named_csv_is_still_refused_as_binary(sheets: Path) -> None:
    with pytest.raises(UnreadableSheet, match="Binary file"):
        read(sheets, "binary-named.csv")


def test_every_real_french_export_reads_without_rejects_or_warnings(shared_dir: Path) -> None:
    paths = sorted((shared_dir / "fixtures").glob("real*/*.?sv"))
    assert len(paths) >= 10
    for path in paths:
        sheet = read_sheet(path.read_bytes(), path.name)
        assert sheet.broken.empty and sheet.warnings == [], path.name


def test_rejected_rows_reach_the_files_rejects_and_its_row_count(tmp_path: Path) -> None:
    """End to end (pipeline.ingest.process_file): each row the reader could not read is one reject with its rule and
    row, and the file's rows are its published rows plus its rejected ones."""
    from pipeline.config import RunSettings
    from pipeline.extract.intake import IntakeFile
    from pipeline.ingest import process_file

    sample = Path(__file__).resolve().parents[2] / "data/samples/intake/savonnerie-du-vieux-lavoir"
    lines = (sample / "cp1252-semicolon-ttc.csv").read_bytes().decode("cp1252").split("\r\n")
    header, rows = lines[0], [line for line in lines[1:] if line.startswith("SVL-")]
    bad = [
        b"SVL-BAD-1;Savon \xe0 la \xff rose;4,20 \xe2\x82;100 g;3760991240010;10;36 mois",                # row 3
        "SVL-BAD-2;Savon Ã\u00a0 l'huile d'olive 100 g;;4,20 €;100 g;3760991240027;10;36 mois".encode(),  # row 4
        'SVL-BAD-3;"Savon de Marseille;;4,20 €;100 g;3760991240034;10;36 mois'.encode(),            # rows 5, 6
        'SVL-BAD-4;"Savon 香皂";;5,10 €;100 g;3760991240041;10;36 mois'.encode(),
        f"SVL-BAD-5;Savon;{'x' * 140_000};4,20 €;100 g;3760991240058;10;36 mois".encode(),          # row 7
    ]
    data = b"\r\n".join([header.encode(), rows[0].encode(), *bad, *(row.encode() for row in rows[1:]), b""])
    data += "SVL-APP-1;Savon à la rose 100 g;Rose de mai.;4,50 €;100 g;3760991240065;10;36 mois\r\n".encode("cp1252")
    path = tmp_path / "intake" / "savonnerie" / "tarifs.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    file = IntakeFile("savonnerie", "savonnerie/tarifs.csv", str(path), path.stat().st_size)

    result = process_file(file, VendorProfile("savonnerie"), dt.date(2026, 10, 31), RunSettings(180))

    reader_rules = {"encoding_invalid", "unbalanced_quote", "cell_too_large"}
    found = result.rejects[result.rejects["rule"].isin(reader_rules)]
    assert sorted(zip(found["source_row"], found["rule"], strict=True)) == [
        (3, "encoding_invalid"), (4, "encoding_invalid"), (5, "unbalanced_quote"), (6, "unbalanced_quote"),
        (7, "cell_too_large")]
    assert found["message_fr"].str.len().gt(0).all() and found["message_en"].str.len().gt(0).all()
    assert "Fermez le guillemet de la ligne 5" in found.loc[found["rule"] == "unbalanced_quote", "message_fr"].iloc[0]
    record = result.record
    assert record["status"] == "processed"
    assert record["rows"] == record["rows_valid"] + record["rows_rejected"] == len(rows) + 5 + 1
    assert "SVL-APP-1" in set(result.valid["sku"])                 # the appended Windows-1252 line, read right
    assert not result.valid["title"].astype(str).str.contains("Ã|香皂", regex=True).any()


def test_a_mojibake_title_in_a_workbook_is_rejected_too() -> None:
    """A workbook's cells are checked as a text's are: a title pasted from a garbled export rejects its row."""
    from tests.fixtures.sheets.make_fixtures import xlsx_bytes

    def build(workbook) -> None:
        for row in (["SKU", "Désignation", "Prix TTC"], ["SAV-01", "Savon à la lavande", "4,90 €"],
                    ["SAV-02", "CrÃ¨me dâ€™Ã©tÃ©", "12,50 €"]):
            workbook.active.append(row)

    sheet = read_sheet(xlsx_bytes(build), "tarifs.xlsx")
    assert broken(sheet) == [(3, "encoding_invalid", "CrÃ¨me dâ€™Ã©tÃ©")]
    assert sheet.frame["SKU"].tolist() == ["SAV-01"]

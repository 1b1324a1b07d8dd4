"""Reading XLSX worksheets into text records (pipeline/extract/xlsx_reader.py)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pipeline.extract.sniff import UnreadableSheet
from pipeline.extract.xlsx_reader import _number, read_xlsx_records


@pytest.fixture
def sheets(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sheets"


def test_cells_become_text_as_excel_shows_them(sheets: Path) -> None:
    records = read_xlsx_records((sheets / "cell-types.xlsx").read_bytes()).records
    assert records[1] == ("T1", "3760987650014", "12.5", "0.1", "2025-03-01", "2025-03-01 14:30:00", "TRUE",
                          "09:15:00", "0042")
    assert records[2] == ("T2", "3760987650014", "-3", "0.333333333333333", "1999-12-31", "2025-03-02",
                          "FALSE", "", "1,5E+12")
    assert {type(cell) for record in records for cell in record} == {str}


@pytest.mark.parametrize(("stored", "shown"), [(9.1000000000000014, "9.1"), (4.5999999999999996, "4.6"),
                                               (0.1 + 0.2, "0.3"), (1e-05, "0.00001"), (12.5, "12.5")])
def test_numbers_are_rounded_to_the_15_digits_excel_shows(stored: float, shown: str) -> None:
    assert _number(stored) == shown


def test_rows_keep_their_excel_numbers(sheets: Path) -> None:
    read = read_xlsx_records((sheets / "title-row-above-header.xlsx").read_bytes())
    assert read.first_row == 2                  # row 1 and column A are empty
    assert read.records[0][0] == "Savonnerie du Midi — catalogue printemps 2025"
    assert read.records[2] == ("Référence", "Désignation", "Prix TTC", "Code EAN", "Stock")   # Excel row 4
    assert read.records[4] == ("HUI-OLV-50", "Huile d'olive vierge extra", "12.5", "0000080446392", "35")
    assert read.records[5] == ("",) * 5                                                      # Excel row 7


def test_first_visible_sheet_is_read(sheets: Path) -> None:
    read = read_xlsx_records((sheets / "hidden-first-sheet.xlsx").read_bytes())
    assert read.sheet == "Produits"
    assert read.records == [("sku", "title", "price"), ("P1", "Pastis artisanal", "24,90")]


def test_named_sheet_is_read(sheets: Path) -> None:
    read = read_xlsx_records((sheets / "hidden-first-sheet.xlsx").read_bytes(), "Export Tmall")
    assert read.records == [("sku", "title_zh"), ("P1", "手工茴香酒")]


def test_missing_sheet_lists_the_sheets(sheets: Path) -> None:
    with pytest.raises(UnreadableSheet) as caught:
        read_xlsx_records((sheets / "hidden-first-sheet.xlsx").read_bytes(), "Tarifs")
    assert "« Tarifs »" in caught.value.reason_fr
    assert "Paramètres, Produits, Export Tmall" in caught.value.reason_fr


def test_damaged_workbook_is_unreadable() -> None:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook")
    with pytest.raises(UnreadableSheet, match="Damaged XLSX workbook"):
        read_xlsx_records(raw.getvalue())

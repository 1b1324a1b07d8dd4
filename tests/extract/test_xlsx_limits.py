"""pipeline/extract/xlsx_limits.py: a workbook past a limit is refused before it is opened, with the number."""
from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.extract.sniff import UnreadableSheet
from pipeline.extract.xlsx_limits import WorkbookLimits, check_workbook, column_number

LIMITS = WorkbookLimits(max_entry_mib=8, max_total_mib=16, max_ratio=100, max_cells=1_000_000)
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
WORKSHEET = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def workbook(sheet: str | bytes, **parts: str) -> bytes:
    """A zip holding a workbook part and one sheet (the minimum these checks read)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", f'{HEAD}<workbook xmlns="x"><sheets/></workbook>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, text in parts.items():
            archive.writestr(name.replace("__", "/"), text)
    return raw.getvalue()


def test_an_ordinary_workbook_passes():
    sheet = (f'{HEAD}{WORKSHEET}<dimension ref="A1:D300"/><sheetData><row r="1"><c r="A1"/></row></sheetData>'
             '</worksheet>')
    check_workbook(workbook(sheet), LIMITS)


@pytest.mark.parametrize("sheet", [
    f'{HEAD}{WORKSHEET}<dimension ref="A1:XFD1048576"/><sheetData/></worksheet>',                  # declared
    f'{HEAD}{WORKSHEET}<sheetData><row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"/></row>'
    '</sheetData></worksheet>',                                                                     # one far cell
])
def test_a_sheet_spanning_too_many_cells_is_refused_with_its_count(sheet):
    with pytest.raises(UnreadableSheet) as refused:
        check_workbook(workbook(sheet), LIMITS)
    assert "17\u202f179\u202f869\u202f184 cellules" in refused.value.reason_fr
    assert "17,179,869,184 cells" in refused.value.reason_en


def test_a_decompression_bomb_is_refused_by_its_ratio():
    bomb = HEAD + WORKSHEET + "<sheetData>" + "<row/>" * 2_000_000 + "</sheetData></worksheet>"
    with pytest.raises(UnreadableSheet, match="compressed"):
        check_workbook(workbook(bomb), LIMITS)


def test_a_part_inflating_past_the_limit_is_stopped_there_even_if_its_size_lies():
    big = HEAD + WORKSHEET + "<sheetData>" + "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                                                     for n in range(1, 400_000)) + "</sheetData></worksheet>"
    data = bytearray(workbook(big))
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    lied = bytes(data).replace(entry.file_size.to_bytes(4, "little"), (1000).to_bytes(4, "little"))
    with pytest.raises(UnreadableSheet, match="inflates to over|Damaged"):
        check_workbook(lied, WorkbookLimits(max_entry_mib=4, max_total_mib=16, max_ratio=1000, max_cells=10**9))


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_xml_declaring_entities_is_refused(part):
    laughs = (f'{HEAD}<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              f'{WORKSHEET}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>'
              '</worksheet>')
    plain = f'{HEAD}{WORKSHEET}<sheetData/></worksheet>'
    data = workbook(laughs) if part.endswith("sheet1.xml") else workbook(plain, xl__sharedStrings_xml=laughs)
    with pytest.raises(UnreadableSheet, match="entities"):
        check_workbook(data.replace(b"sharedStrings_xml", b"sharedStrings.xml"), LIMITS)


def test_a_damaged_zip_is_unreadable():
    with pytest.raises(UnreadableSheet, match="Damaged"):
        check_workbook(workbook(f"{HEAD}{WORKSHEET}</worksheet>")[:200], LIMITS)


@pytest.mark.parametrize(("letters", "number"), [(b"A", 1), (b"Z", 26), (b"AA", 27), (b"XFD", 16_384)])
def test_column_numbers(letters, number):
    assert column_number(letters) == number

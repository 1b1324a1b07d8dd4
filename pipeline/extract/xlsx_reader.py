"""Reads one worksheet of an XLSX workbook into records of text cells, numbers as Excel shows them.

The workbook's zip is checked first (pipeline.extract.xlsx_limits): a part too large, a decompression bomb, a sheet
spanning too many cells or XML declaring entities is refused before anything is allocated for it.

The worksheet is the profile's, else the visible one that looks most like a product table (a first sheet of
instructions is passed over). A cell merged down over several rows gives its value to each row of the merge
that holds two values or more (a producer written once beside its products); a blank row, or a heading of one
cell, stays as it is.
Numbers are rounded to 15 significant digits, as Excel displays them: 9.1000000000000014 is 9.1.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from pipeline import config
from pipeline.extract.sniff import UnreadableSheet
from pipeline.extract.xlsx_limits import WorkbookLimits, check_workbook


@dataclass
class XlsxRecords:
    records: list[tuple[str, ...]]    # record i is Excel row first_row + i; empty cells are ""
    first_row: int
    sheet: str
    merged_down: frozenset[int] = frozenset()   # positions of the columns with cells merged down over rows


def read_xlsx_records(data: bytes, sheet: str | None = None,
                      table_score: Callable[[list[tuple[str, ...]]], float] | None = None) -> XlsxRecords:
    """The named sheet, else of the visible worksheets the first that `table_score` rates best (the first one
    without it), as text records."""
    check_workbook(data, WorkbookLimits.from_config(config.config_file("limits.yaml")))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if sheet is not None and sheet not in workbook.sheet_names:
            raise UnreadableSheet(
                f"Le classeur n'a pas de feuille « {sheet} » (feuilles : {', '.join(workbook.sheet_names)}).",
                f"The workbook has no sheet '{sheet}' (sheets: {', '.join(workbook.sheet_names)}).",
            )
        names = [sheet] if sheet is not None else _visible_sheets(workbook)
        read = [_records(workbook, name) for name in (names if table_score else names[:1])]
    except CalamineError as exc:
        raise UnreadableSheet(f"Classeur XLSX endommagé : {exc}.", f"Damaged XLSX workbook: {exc}.") from exc
    if len(read) == 1:
        return read[0]
    scores = [table_score(r.records) for r in read]
    return read[scores.index(max(scores))]


def _records(workbook: CalamineWorkbook, name: str) -> XlsxRecords:
    worksheet = workbook.get_sheet_by_name(name)
    grid = worksheet.to_python(skip_empty_area=True)
    start = worksheet.start or (0, 0)
    records = _as_text(grid)
    merged = _fill_merged_down(records, worksheet.merged_cell_ranges or [], start)
    return XlsxRecords(records, start[0] + 1, name, merged)


def _fill_merged_down(records: list[tuple[str, ...]], ranges: list, start: tuple[int, int]) -> frozenset[int]:
    """Give the value of each cell merged down over rows to the rows of the merge holding two values or more;
    returns the positions of the columns merged down."""
    filled = [sum(1 for cell in record if cell.strip()) >= 2 for record in records]
    merged: set[int] = set()
    for (top, left), (bottom, _right) in ranges:
        row, column = top - start[0], left - start[1]
        if bottom <= top or not 0 <= row < len(records) or not 0 <= column < len(records[row]):
            continue
        merged.add(column)
        value = records[row][column]
        for below in range(row + 1, min(bottom - start[0], len(records) - 1) + 1):
            if filled[below] and not records[below][column].strip():
                cells = list(records[below])
                cells[column] = value
                records[below] = tuple(cells)
    return frozenset(merged)


def _visible_sheets(workbook: CalamineWorkbook) -> list[str]:
    names = [meta.name for meta in workbook.sheets_metadata
             if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet]
    if not names:
        raise UnreadableSheet("Le classeur n'a aucune feuille de calcul visible.",
                              "The workbook has no visible worksheet.")
    return names


def _as_text(grid: list[list[Any]]) -> list[tuple[str, ...]]:
    """Every cell as text; each distinct non-text value of each type is converted once. Records are tuples,
    which the garbage collector stops tracking (see pipeline.extract.csv_reader.split_records)."""
    if not grid:
        return []
    cells = pd.DataFrame(grid, dtype=object)
    for column in cells.columns:
        values = cells[column]
        types = values.map(type)
        for value_type in types.unique():
            if value_type is not str:
                selected = types.eq(value_type)
                converter = CONVERTERS.get(value_type, str)
                texts = {value: converter(value) for value in pd.unique(values[selected])}
                cells.loc[selected, column] = values[selected].map(texts)
    return list(map(tuple, cells.to_numpy()))


def _number(value: float | int) -> str:
    """3760987650014.0 → "3760987650014"; 9.1000000000000014 → "9.1": 15 significant digits, as Excel shows."""
    if isinstance(value, int) or not math.isfinite(value):
        return repr(value)
    if value.is_integer():
        return str(int(value))
    text = f"{value:.15g}"
    return format(Decimal(text), "f") if "e" in text else text


def _datetime(value: dt.datetime) -> str:
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


CONVERTERS: dict[type, Callable[[Any], str]] = {
    float: _number,
    int: _number,
    bool: lambda value: "TRUE" if value else "FALSE",
    dt.datetime: _datetime,
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
}

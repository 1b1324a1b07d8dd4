"""Reads one worksheet of an XLSX workbook into records of text cells, keeping numbers exact."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from pipeline.extract.sniff import UnreadableSheet


@dataclass
class XlsxRecords:
    records: list[tuple[str, ...]]    # record i is Excel row first_row + i; empty cells are ""
    first_row: int
    sheet: str


def read_xlsx_records(data: bytes, sheet: str | None = None) -> XlsxRecords:
    """The named sheet, or the first visible worksheet, as text records."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        name = sheet if sheet is not None else _first_visible_sheet(workbook)
        if name not in workbook.sheet_names:
            raise UnreadableSheet(
                f"Le classeur n'a pas de feuille « {name} » (feuilles : {', '.join(workbook.sheet_names)}).",
                f"The workbook has no sheet '{name}' (sheets: {', '.join(workbook.sheet_names)}).",
            )
        worksheet = workbook.get_sheet_by_name(name)
        grid = worksheet.to_python(skip_empty_area=True)
    except CalamineError as exc:
        raise UnreadableSheet(f"Classeur XLSX endommagé : {exc}.", f"Damaged XLSX workbook: {exc}.") from exc
    first_row = worksheet.start[0] + 1 if worksheet.start else 1
    return XlsxRecords(_as_text(grid), first_row, name)


def _first_visible_sheet(workbook: CalamineWorkbook) -> str:
    for meta in workbook.sheets_metadata:
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            return meta.name
    raise UnreadableSheet("Le classeur n'a aucune feuille de calcul visible.",
                          "The workbook has no visible worksheet.")


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
    """3760987650014.0 → "3760987650014"; 12.5 → "12.5" (the shortest text that reads back the same)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


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

"""Reads a vendor sheet (CSV/TSV or XLSX, told apart by content) into a frame of text under its header."""
from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import config
from pipeline.extract.csv_reader import ColumnRecords, read_csv_records
from pipeline.extract.profiles import VendorProfile
from pipeline.extract.row_checks import settle_records
from pipeline.extract.sniff import UnreadableSheet, detect_format
from pipeline.extract.xlsx_reader import read_xlsx_records
from pipeline.transform.mojibake import mojibake_cells
from pipeline.transform.reading_tables import header_recogniser
from pipeline.transform.sheet_layout import (
    HEADER_SEARCH_RECORDS,
    filled_width,
    find_header,
    headerless_names,
    is_blank,
    sub_header,
)

__all__ = ["Sheet", "UnreadableSheet", "blank_cells", "cell_frame", "empty_broken", "empty_skipped", "header_cells",
           "header_index",
           "header_names", "read_sheet", "skipped_above"]

Record = Sequence[str]      # the cells of one spreadsheet row: a tuple from the readers
ROW_COLUMN = "source_row"
SKIPPED_COLUMNS = ["source_row", "reason"]


@dataclass
class Sheet:
    frame: pd.DataFrame          # header cells as columns, cells str or pd.NA, plus int column source_row
    format: str                  # "csv" | "xlsx"
    encoding: str | None
    delimiter: str | None
    header_row: int | None       # 1-based spreadsheet row of the header; None for a sheet without one
    raw_rows: int                # non-blank records under the header, ragged ones included
    ragged: pd.DataFrame         # source_row, cells, expected: records left out of `frame`
    duplicate_headers: list[str] = field(default_factory=list)
    skipped: pd.DataFrame = field(default_factory=lambda: empty_skipped())   # rows set aside: source_row, reason
    sheet_name: str | None = None  # the workbook sheet read
    merged_down: list[str] = field(default_factory=list)   # columns with cells merged down over rows
    broken: pd.DataFrame = field(default_factory=lambda: empty_broken())   # rows the reader could not read right:
    #                              source_row, rule (a reject rule: encoding_invalid, unbalanced_quote …), value
    warnings: list[str] = field(default_factory=list)   # what the reader did that the manifest should say, in
    #                              English (lines read in another encoding, NUL bytes removed …)

    @property
    def headerless(self) -> bool:
        return self.header_row is None


def empty_broken() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="int64"), "rule": pd.Series(dtype=object),
                         "value": pd.Series(dtype=object)})


def empty_skipped() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="int64"), "reason": pd.Series(dtype=object)})


def read_sheet(data: bytes, name: str, profile: VendorProfile | None = None,
               recognised: Callable[[str], bool] | None = None) -> Sheet:
    """Read one vendor file; raises UnreadableSheet with a French and an English reason. `recognised` tells a
    cell that names a column (pipeline.transform.column_roles.header_recogniser)."""
    recognised = recognised or header_recogniser(config.settings().reading)
    file_format = detect_format(data, name)
    sheet_name, merged, parsed = None, frozenset(), None
    if file_format == "xlsx":
        xlsx = read_xlsx_records(data, profile.sheet if profile else None, _table_score(recognised))
        records, first_row, encoding, delimiter, sheet_name = xlsx.records, xlsx.first_row, None, None, xlsx.sheet
        merged = xlsx.merged_down
    else:
        file_format = "csv"
        parsed = read_csv_records(data, profile.encoding if profile else None,
                                  profile.delimiter if profile else None)
        records, first_row, encoding, delimiter = parsed.records, 1, parsed.encoding, parsed.delimiter
    index = header_index(records, first_row, profile.header_row if profile else None, recognised)
    header, below = header_cells(records, index)
    broken_at: dict[int, tuple[str, str]] = {}
    if parsed is not None:         # rows merged by a quote split back, rows that cannot be read right
        settled = settle_records(parsed, _data_start(index, below), header)
        records, broken_at = settled.records, settled.broken
    frame, ragged, raw_rows, duplicates, skipped, broken = _table(
        records, first_row, index, header, below, broken_at, check_mojibake=parsed is None or parsed.mojibake)
    if raw_rows == 0:
        where = f"(ligne {first_row + index})" if index is not None else ""
        raise UnreadableSheet(
            f"Le fichier ne contient que la ligne d'en-tête {where}, aucune ligne de produit.".replace("  ", " "),
            f"The file holds only its header {where.replace('ligne', 'row')} and no product row.".replace("  ", " "),
        )
    header_row = first_row + index if index is not None else None
    names = [c for c in frame.columns if c != ROW_COLUMN]
    return Sheet(frame, file_format, encoding, delimiter, header_row, raw_rows, ragged, duplicates, skipped,
                 sheet_name, [names[i] for i in sorted(merged) if i < len(names)], broken,
                 list(parsed.warnings) if parsed is not None else [])


def _data_start(header_at: int | None, sub_header_record: Record | None) -> int:
    """Index of the first record under the header and its sub-header (the first record without a header)."""
    return 0 if header_at is None else header_at + 1 + (sub_header_record is not None)


def _table_score(recognised: Callable[[str], bool]) -> Callable[[list[Record]], float]:
    """How much a worksheet's records look like a product table: its header's score, 0 without a header."""
    def score(records: list[Record]) -> float:
        choice = find_header(records, recognised)
        if choice is None or choice.index is None:
            return 0.0 if choice is None else 0.5
        return max(choice.scores) if len(records) > choice.index + 1 else 0.0
    return score


def header_index(records: Sequence[Record], first_row: int, header_row: int | None,
                 recognised: Callable[[str], bool]) -> int | None:
    """Index in `records` of the header: the profile's row, else the best of the first records
    (pipeline.transform.sheet_layout.find_header); None for a sheet whose first records are data."""
    if header_row is not None:
        index = header_row - first_row
        if not 0 <= index < len(records) or is_blank(records[index]):
            raise UnreadableSheet(
                f"Le profil place l'en-tête en ligne {header_row}, mais cette ligne est vide ou absente.",
                f"The profile puts the header on row {header_row}, but that row is empty or missing.",
            )
        return index
    choice = find_header(records, recognised)
    if choice is None:
        raise UnreadableSheet(
            f"Aucune ligne d'en-tête : aucune des {HEADER_SEARCH_RECORDS} premières lignes ne contient "
            "de noms de colonnes.",
            f"No header row: none of the first {HEADER_SEARCH_RECORDS} rows holds column names.",
        )
    return choice.index


def header_cells(records: Sequence[Record], index: int | None) -> tuple[Record, Record | None]:
    """(the header's cells, or position names for a sheet without one; the record under the header when it
    only completes it, else None)."""
    if index is None:
        width = max((len(r) for r in records[:HEADER_SEARCH_RECORDS]), default=0)
        return tuple(headerless_names(width)), None
    below = records[index + 1] if index + 1 < len(records) else None
    completed = sub_header(records[index], below)
    return (tuple(completed), below) if completed else (records[index], None)


def header_names(cells: Record) -> tuple[list[str], list[str]]:
    """(column names, duplicated header names): stripped; repeats get " (2)", " (3)"; empty → column_<n>."""
    stripped = [cell.strip() for cell in cells]
    counts = Counter(name for name in stripped if name)
    duplicates = [name for name in dict.fromkeys(stripped) if name and counts[name] > 1]
    taken = {ROW_COLUMN}
    names = []
    for position, name in enumerate(stripped, start=1):
        base = name or f"column_{position}"
        unique, repeat = base, 1
        while unique in taken:
            repeat += 1
            unique = f"{base} ({repeat})"
        taken.add(unique)
        names.append(unique)
    return names, duplicates


def _table(records: Sequence[Record], first_row: int, header_at: int | None, header: Record,
           sub_header_record: Record | None, broken_at: dict[int, tuple[str, str]] | None = None,
           check_mojibake: bool = False
           ) -> tuple[pd.DataFrame, pd.DataFrame, int, list[str], pd.DataFrame, pd.DataFrame]:
    """(frame, ragged, raw_rows, duplicate headers, skipped, broken) for the records under the header (all of them
    for a sheet without one). Skipped: the records above the header (`above_header`), a sub-header (`sub_header`)
    and blank records before the last filled one (`blank`), by spreadsheet row. Broken: the records of
    `broken_at` (record index → rule, value), and with `check_mojibake` those with a cell showing mojibake
    (encoding_invalid, the cell as value); they are left out of the frame, and counted in raw_rows."""
    names, duplicates = header_names(header)
    start = _data_start(header_at, sub_header_record)
    if isinstance(records, ColumnRecords):      # records of one width: none is ragged
        arrays = [column.slice(start) for column in records.columns]
        empty = [blank_cells(array) for array in arrays]
        columns = [_python_cells(array) for array in arrays]
        counts = np.full(len(records) - start, len(names), dtype=np.int64)
        ragged_at: list[int] = []
    else:
        data = list(records[start:])
        counts = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
        ragged_at = _fit_to_header(data, counts, header)
        cells = [list(map(operator.itemgetter(i), data)) for i in range(len(names))]
        empty = [np.fromiter(map(operator.not_, map(str.strip, column)), dtype=bool, count=len(data))
                 for column in cells]
        columns = [np.array(column, dtype=object) for column in cells]
    rows = np.arange(len(counts), dtype=np.int64) + first_row + start
    is_broken = np.zeros(len(counts), dtype=bool)
    reasons = {index - start: reason for index, reason in (broken_at or {}).items() if index >= start}
    is_broken[list(reasons)] = True
    blank = (np.logical_and.reduce(empty) if columns else np.ones(len(counts), dtype=bool)) & ~is_broken
    is_ragged = np.zeros(len(counts), dtype=bool)
    is_ragged[ragged_at] = True
    is_ragged &= ~is_broken
    if check_mojibake:
        for position, cell in _mojibake_rows(columns, ~blank & ~is_ragged & ~is_broken).items():
            reasons[position] = ("encoding_invalid", cell)
            is_broken[position] = True
    keep = ~blank & ~is_ragged & ~is_broken
    frame = pd.DataFrame({name: _kept(column, missing, keep)
                          for name, column, missing in zip(names, columns, empty, strict=True)},
                         columns=names, dtype=object)
    frame[ROW_COLUMN] = rows[keep]
    ragged = pd.DataFrame({"source_row": rows[is_ragged], "cells": counts[is_ragged],
                           "expected": np.full(int(is_ragged.sum()), len(names), dtype=np.int64)})
    last = rows[~blank].max() if (~blank).any() else 0
    skipped = skipped_above(records, first_row, header_at, sub_header_record is not None)
    inner_blank = pd.DataFrame({"source_row": rows[blank & (rows < last)], "reason": "blank"})
    skipped = pd.concat([skipped, inner_blank], ignore_index=True) if len(inner_blank) else skipped
    broken = empty_broken()
    if reasons:
        order = sorted(reasons)
        broken = pd.DataFrame({"source_row": rows[order], "rule": [reasons[i][0] for i in order],
                               "value": [reasons[i][1] for i in order]}).astype({"rule": object, "value": object})
    return frame, ragged, int(keep.sum() + is_ragged.sum() + is_broken.sum()), duplicates, skipped, broken


def _mojibake_rows(columns: Sequence[np.ndarray], candidates: np.ndarray, shown: int = 80) -> dict[int, str]:
    """Position → its first cell showing mojibake (cut to `shown` characters), among the `candidates` rows."""
    found: dict[int, str] = {}
    for column in columns:
        flagged = np.flatnonzero(mojibake_cells(pd.Series(column[candidates], dtype=object)))
        for position in np.flatnonzero(candidates)[flagged]:
            cell = str(column[position])
            found.setdefault(int(position), cell if len(cell) <= shown else cell[:shown - 1] + "…")
    return found


def skipped_above(records: Sequence[Record], first_row: int, header_at: int | None, has_sub_header: bool
                   ) -> pd.DataFrame:
    """The records from the first filled one to the header (`above_header`, or `blank`), and the sub-header."""
    if header_at is None:
        return empty_skipped()
    above = [(first_row + i, "blank" if is_blank(records[i]) else "above_header") for i in range(header_at)]
    while above and above[0][1] == "blank":
        above.pop(0)
    if has_sub_header:
        above.append((first_row + header_at + 1, "sub_header"))
    if not above:
        return empty_skipped()
    return pd.DataFrame(above, columns=SKIPPED_COLUMNS).astype({"source_row": "int64", "reason": object})


def cell_frame(names: list[str], arrays: list[pa.StringArray], rows: np.ndarray) -> pd.DataFrame:
    """The frame of non-blank records held as Arrow columns, as read_sheet makes it: the cells as str under
    `names`, pd.NA for empty ones, then `rows` as source_row."""
    everywhere = np.ones(len(rows), dtype=bool)
    frame = pd.DataFrame({name: _kept(_python_cells(array), blank_cells(array), everywhere)
                          for name, array in zip(names, arrays, strict=True)}, columns=names, dtype=object)
    frame[ROW_COLUMN] = rows
    return frame


def blank_cells(cells: pa.StringArray) -> np.ndarray:
    """Whether each cell is empty or whitespace only (Arrow's whitespace is what Python's str.strip removes)."""
    return pc.or_(pc.equal(pc.binary_length(cells), 0), pc.utf8_is_space(cells)).to_numpy(zero_copy_only=False)


def _python_cells(column: pa.StringArray, sample: int = 1_000) -> np.ndarray:
    """The cells as a numpy array of str. A column of few distinct values gets one str per distinct value,
    shared by its cells: fewer to make, and hashed once downstream. A column whose first cells are all
    distinct is taken for one of unique values without counting them all."""
    if pc.count_distinct(column.slice(0, sample)).as_py() == min(len(column), sample):
        return column.to_numpy(zero_copy_only=False)
    encoded = column.dictionary_encode()
    if len(encoded.dictionary) * 2 > len(column):
        return column.to_numpy(zero_copy_only=False)
    return encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]


def _kept(cells: np.ndarray, empty: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The kept cells of a column, pd.NA for empty ones."""
    if empty.any():
        cells = np.where(empty, pd.NA, cells)
    return cells if keep.all() else cells[keep]


def _fit_to_header(data: list[Record], counts: np.ndarray, header: Record) -> list[int]:
    """Pad or trim, in place, records whose cell count differs from the header's; return the ragged ones.

    Not ragged: extra cells that are all empty (a trailing delimiter), missing cells under the header's own
    trailing empty cells, and a record of a single filled cell (a heading or a note; sheet_layout tells).
    A ragged or blank record is replaced by empty cells, so the caller tells it apart by position only.
    """
    width = len(header)
    named_width = filled_width(header)
    ragged = []
    for index in np.flatnonzero(counts != width):
        record = data[index]
        aligned = ((len(record) > width and is_blank(record[width:])) or named_width <= len(record) < width
                   or _single_cell(record[:width]))
        if not aligned and not is_blank(record):
            ragged.append(int(index))
        data[index] = (*record[:width], *[""] * (width - len(record))) if aligned else ("",) * width
    return ragged


def _single_cell(record: Record) -> bool:
    return sum(1 for cell in record if cell.strip()) == 1

"""Reads a vendor sheet (CSV/TSV or XLSX, told apart by content) into a frame of text under its header."""
from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.extract.csv_reader import ColumnRecords, read_csv_records
from pipeline.extract.profiles import VendorProfile
from pipeline.extract.sniff import UnreadableSheet, detect_format
from pipeline.extract.xlsx_reader import read_xlsx_records

__all__ = ["HEADER_SEARCH_RECORDS", "Sheet", "UnreadableSheet", "blank_cells", "cell_frame", "default_header_score",
           "header_index", "header_names", "read_sheet"]

Record = Sequence[str]      # the cells of one spreadsheet row: a tuple from the readers
HEADER_SEARCH_RECORDS = 30
ROW_COLUMN = "source_row"
# A cell that is only a number (French or English notation, optional % or currency) is no column name.
NUMBER = re.compile(r"[+-]?\d[\d\s.,'\u00a0\u202f]*(e[+-]?\d+)?\s*(%|€|eur)?", re.IGNORECASE)


@dataclass
class Sheet:
    frame: pd.DataFrame          # header cells as columns, cells str or pd.NA, plus int column source_row
    format: str                  # "csv" | "xlsx"
    encoding: str | None
    delimiter: str | None
    header_row: int              # 1-based spreadsheet row of the header
    raw_rows: int                # non-blank records under the header, ragged ones included
    ragged: pd.DataFrame         # source_row, cells, expected: records left out of `frame`
    duplicate_headers: list[str] = field(default_factory=list)


def read_sheet(data: bytes, name: str, profile: VendorProfile | None = None,
               header_score: Callable[[Record], float] | None = None) -> Sheet:
    """Read one vendor file; raises UnreadableSheet with a French and an English reason."""
    file_format = detect_format(data, name)
    if file_format == "xlsx":
        xlsx = read_xlsx_records(data, profile.sheet if profile else None)
        records, first_row, encoding, delimiter = xlsx.records, xlsx.first_row, None, None
    else:
        file_format = "csv"
        parsed = read_csv_records(data, profile.encoding if profile else None,
                                  profile.delimiter if profile else None)
        records, first_row, encoding, delimiter = parsed.records, 1, parsed.encoding, parsed.delimiter
    index = header_index(records, first_row, profile.header_row if profile else None, header_score)
    header_row = first_row + index
    frame, ragged, raw_rows, duplicates = _table(records, first_row, index)
    if raw_rows == 0:
        raise UnreadableSheet(
            f"Le fichier ne contient que la ligne d'en-tête (ligne {header_row}), aucune ligne de produit.",
            f"The file holds only its header (row {header_row}) and no product row.",
        )
    return Sheet(frame, file_format, encoding, delimiter, header_row, raw_rows, ragged, duplicates)


def default_header_score(cells: Record) -> float:
    """Number of distinct, non-empty cells that are not plain numbers."""
    names = {cell.strip() for cell in cells}
    return float(sum(1 for name in names if name and not NUMBER.fullmatch(name)))


def header_index(records: list[Record], first_row: int, header_row: int | None,
                  header_score: Callable[[Record], float] | None) -> int:
    """Index in `records` of the header: the profile's row, else the best-scoring of the first records."""
    if header_row is not None:
        index = header_row - first_row
        if not 0 <= index < len(records) or _is_blank(records[index]):
            raise UnreadableSheet(
                f"Le profil place l'en-tête en ligne {header_row}, mais cette ligne est vide ou absente.",
                f"The profile puts the header on row {header_row}, but that row is empty or missing.",
            )
        return index
    candidates = [i for i, record in enumerate(records[:HEADER_SEARCH_RECORDS]) if not _is_blank(record)]
    if not candidates:
        raise UnreadableSheet("Le fichier ne contient aucune cellule remplie.",
                              "The file holds no filled cell.")
    scores = {i: (header_score or default_header_score)(records[i]) for i in candidates}
    if max(scores.values()) <= 0:
        raise UnreadableSheet(
            f"Aucune ligne d'en-tête : aucune des {HEADER_SEARCH_RECORDS} premières lignes ne contient "
            "de noms de colonnes.",
            f"No header row: none of the first {HEADER_SEARCH_RECORDS} rows holds column names.",
        )
    if header_score is None:
        scores = {i: score + _width_bonus(records, i) for i, score in scores.items()}
    return max(candidates, key=lambda i: (scores[i], -i))


def _width_bonus(records: list[Record], index: int, following: int = 5) -> float:
    """Up to 0.5 when the next non-blank records have as many cells as this one, as data under a header."""
    nexts = [r for r in records[index + 1:index + 1 + 2 * following] if not _is_blank(r)][:following]
    if not nexts:
        return 0.0
    return 0.5 * sum(1 for r in nexts if _same_width(r, records[index])) / len(nexts)


def _same_width(record: Record, other: Record) -> bool:
    """Same number of cells once trailing empty cells are set aside."""
    return max(_filled_width(record), _filled_width(other)) <= min(len(record), len(other))


def _filled_width(record: Record) -> int:
    """Position of the last non-empty cell (1-based), 0 for a blank record."""
    return next((n for n in range(len(record), 0, -1) if record[n - 1].strip()), 0)


def _is_blank(record: Record) -> bool:
    return not any(cell.strip() for cell in record)


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


def _table(records: Sequence[Record], first_row: int, header_at: int
           ) -> tuple[pd.DataFrame, pd.DataFrame, int, list[str]]:
    """(frame, ragged, raw_rows, duplicate headers) for the records under the header."""
    names, duplicates = header_names(records[header_at])
    if isinstance(records, ColumnRecords):      # records of one width: none is ragged
        arrays = [column.slice(header_at + 1) for column in records.columns]
        empty = [blank_cells(array) for array in arrays]
        columns = [_python_cells(array) for array in arrays]
        counts = np.full(len(records) - header_at - 1, len(names), dtype=np.int64)
        ragged_at: list[int] = []
    else:
        data = list(records[header_at + 1:])
        counts = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
        ragged_at = _fit_to_header(data, counts, records[header_at])
        cells = [list(map(operator.itemgetter(i), data)) for i in range(len(names))]
        empty = [np.fromiter(map(operator.not_, map(str.strip, column)), dtype=bool, count=len(data))
                 for column in cells]
        columns = [np.array(column, dtype=object) for column in cells]
    rows = np.arange(len(counts), dtype=np.int64) + first_row + header_at + 1
    blank = np.logical_and.reduce(empty) if columns else np.ones(len(counts), dtype=bool)
    is_ragged = np.zeros(len(counts), dtype=bool)
    is_ragged[ragged_at] = True
    keep = ~blank & ~is_ragged
    frame = pd.DataFrame({name: _kept(column, missing, keep)
                          for name, column, missing in zip(names, columns, empty, strict=True)},
                         columns=names, dtype=object)
    frame[ROW_COLUMN] = rows[keep]
    ragged = pd.DataFrame({"source_row": rows[is_ragged], "cells": counts[is_ragged],
                           "expected": np.full(int(is_ragged.sum()), len(names), dtype=np.int64)})
    return frame, ragged, int(keep.sum()) + len(ragged_at), duplicates


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

    Not ragged: extra cells that are all empty (a trailing delimiter), and missing cells under the
    header's own trailing empty cells. A ragged or blank record is replaced by empty cells, so the
    caller tells it apart by position only.
    """
    width = len(header)
    named_width = _filled_width(header)
    ragged = []
    for index in np.flatnonzero(counts != width):
        record = data[index]
        aligned = (len(record) > width and _is_blank(record[width:])) or named_width <= len(record) < width
        if not aligned and not _is_blank(record):
            ragged.append(int(index))
        data[index] = (*record[:width], *[""] * (width - len(record))) if aligned else ("",) * width
    return ragged

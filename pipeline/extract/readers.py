"""Reads a vendor sheet (CSV/TSV or XLSX, told apart by content) into a frame of text under its header."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.extract.csv_reader import read_csv_records
from pipeline.extract.profiles import VendorProfile
from pipeline.extract.sniff import UnreadableSheet, detect_format
from pipeline.extract.xlsx_reader import read_xlsx_records

__all__ = ["HEADER_SEARCH_RECORDS", "Sheet", "UnreadableSheet", "default_header_score", "header_names",
           "read_sheet"]

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
               header_score: Callable[[list[str]], float] | None = None) -> Sheet:
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
    header_index = _header_index(records, first_row, profile.header_row if profile else None, header_score)
    header_row = first_row + header_index
    frame, ragged, raw_rows, duplicates = _table(records, first_row, header_index)
    if raw_rows == 0:
        raise UnreadableSheet(
            f"Le fichier ne contient que la ligne d'en-tête (ligne {header_row}), aucune ligne de produit.",
            f"The file holds only its header (row {header_row}) and no product row.",
        )
    return Sheet(frame, file_format, encoding, delimiter, header_row, raw_rows, ragged, duplicates)


def default_header_score(cells: list[str]) -> float:
    """Number of distinct, non-empty cells that are not plain numbers."""
    names = {cell.strip() for cell in cells}
    return float(sum(1 for name in names if name and not NUMBER.fullmatch(name)))


def _header_index(records: list[list[str]], first_row: int, header_row: int | None,
                  header_score: Callable[[list[str]], float] | None) -> int:
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


def _width_bonus(records: list[list[str]], index: int, following: int = 5) -> float:
    """Up to 0.5 when the next non-blank records have as many cells as this one, as data under a header."""
    nexts = [r for r in records[index + 1:index + 1 + 2 * following] if not _is_blank(r)][:following]
    if not nexts:
        return 0.0
    return 0.5 * sum(1 for r in nexts if _same_width(r, records[index])) / len(nexts)


def _same_width(record: list[str], other: list[str]) -> bool:
    """Same number of cells once trailing empty cells are set aside."""
    return max(_filled_width(record), _filled_width(other)) <= min(len(record), len(other))


def _filled_width(record: list[str]) -> int:
    """Position of the last non-empty cell (1-based), 0 for a blank record."""
    return next((n for n in range(len(record), 0, -1) if record[n - 1].strip()), 0)


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def header_names(cells: list[str]) -> tuple[list[str], list[str]]:
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


def _table(records: list[list[str]], first_row: int, header_index: int
           ) -> tuple[pd.DataFrame, pd.DataFrame, int, list[str]]:
    """(frame, ragged, raw_rows, duplicate headers) for the records under the header."""
    names, duplicates = header_names(records[header_index])
    data = records[header_index + 1:]
    rows = np.arange(len(data), dtype=np.int64) + first_row + header_index + 1
    counts = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    ragged_at = _fit_to_header(data, counts, records[header_index])
    cells = pd.DataFrame(data, columns=names, dtype=object)
    empty = pd.DataFrame({name: _is_empty(cells[name]) for name in names}, index=cells.index)
    blank = empty.all(axis=1).to_numpy()
    is_ragged = np.zeros(len(data), dtype=bool)
    is_ragged[ragged_at] = True
    keep = ~blank & ~is_ragged
    frame = cells.where(~empty, pd.NA)[keep].reset_index(drop=True)
    frame[ROW_COLUMN] = rows[keep]
    ragged = pd.DataFrame({"source_row": rows[is_ragged], "cells": counts[is_ragged],
                           "expected": np.full(int(is_ragged.sum()), len(names), dtype=np.int64)})
    return frame, ragged, int(keep.sum()) + len(ragged_at), duplicates


def _is_empty(column: pd.Series) -> pd.Series:
    """True for cells that are empty or whitespace only; each distinct value is looked at once."""
    codes, distinct = pd.factorize(column.to_numpy())
    blank = np.fromiter((not value.strip() for value in distinct), dtype=bool, count=len(distinct))
    return pd.Series(blank[codes], index=column.index)


def _fit_to_header(data: list[list[str]], counts: np.ndarray, header: list[str]) -> list[int]:
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
        data[index] = record[:width] + [""] * (width - len(record)) if aligned else [""] * width
    return ragged

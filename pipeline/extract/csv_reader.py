"""Reads CSV/TSV bytes into records (tuples of cells exactly as written), detecting encoding and delimiter."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.extract.sniff import UnreadableSheet, decode_text, detect_delimiter


class ColumnRecords(Sequence[tuple[str, ...]]):
    """Records held as columns: Arrow string arrays of one length, one per cell position."""

    def __init__(self, columns: list[pa.StringArray]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0])

    @overload
    def __getitem__(self, index: int) -> tuple[str, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, ...]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, ...] | list[tuple[str, ...]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return tuple(column[index].as_py() for column in self.columns)


@dataclass
class CsvRecords:
    records: Sequence[tuple[str, ...]]  # record i is spreadsheet row i + 1; a blank line has no filled cell
    encoding: str
    delimiter: str


def read_csv_records(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> CsvRecords:
    """Decode and split into records; `encoding` / `delimiter` override detection when given."""
    text, used_encoding = decode_text(data, encoding)
    if not text.strip():
        raise UnreadableSheet(
            "Le fichier ne contient que des espaces ou des lignes vides : aucune donnée à lire.",
            "The file holds only spaces or blank lines: there is no data to read.",
        )
    used_delimiter = delimiter or detect_delimiter(text)
    columns = regular_columns(text, used_delimiter)
    records = ColumnRecords(columns) if columns else split_records(text, used_delimiter)
    return CsvRecords(records, used_encoding, used_delimiter)


def regular_columns(text: str, delimiter: str) -> list[pa.StringArray] | None:
    """The cells of a text without quotes whose lines all hold as many cells, split by Arrow into columns;
    None for any other text (split_records reads it).

    Arrow splits such a text as csv.reader does, except that a blank line is a record of empty cells.
    """
    if '"' in text or text.startswith("\ufeff"):     # Arrow would drop a byte-order mark
        return None
    first_line = text.split("\n", 1)[0].split("\r", 1)[0]
    names = [f"cell_{i}" for i in range(first_line.count(delimiter) + 1)]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                              escape_char=False, newlines_in_values=False,
                                              ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                  null_values=[], strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False, check_utf8=False))
        columns = [column.combine_chunks() for column in table.columns]
    except pa.ArrowException:          # lines of different widths, among others
        return None
    if any((pc.max(pc.utf8_length(column)).as_py() or 0) > csv.field_size_limit() for column in columns):
        return None                     # csv.reader refuses so long a cell, and says where
    return columns


def split_records(text: str, delimiter: str) -> list[tuple[str, ...]]:
    """RFC 4180 records: quoted cells may hold delimiters, doubled quotes and line breaks.

    Records are tuples: Python's garbage collector stops tracking a tuple of strings, so a large sheet
    does not set off full collections of the whole heap as 100,000 lists would.
    """
    if '"' not in text:
        return _unquoted_records(text, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    records: list[tuple[str, ...]] = []
    try:
        records.extend(map(tuple, reader))
    except csv.Error as exc:
        raise _unsplittable(len(records) + 1) from exc
    return records


def _unquoted_records(text: str, delimiter: str) -> list[tuple[str, ...]]:
    """What csv.reader makes of a text without quotes: a record per line (ended by CR LF, CR or LF), its
    cells between delimiters; an empty line is an empty record."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()                     # the line break ending the last record
    records = [tuple(line.split(delimiter)) if line else () for line in lines]
    limit = csv.field_size_limit()
    if max(map(len, lines), default=0) > limit:     # a cell may be too long for csv.reader: it says which
        for row, record in enumerate(records, start=1):
            if any(len(cell) > limit for cell in record):
                raise _unsplittable(row)
    return records


def _unsplittable(row: int) -> UnreadableSheet:
    return UnreadableSheet(
        f"Ligne {row} : une cellule entre guillemets n'est jamais refermée (ou dépasse "
        f"{csv.field_size_limit()} caractères), le fichier ne peut pas être découpé en lignes.",
        f"Row {row}: a quoted cell is never closed (or is longer than {csv.field_size_limit()} "
        "characters), so the file cannot be split into rows.",
    )

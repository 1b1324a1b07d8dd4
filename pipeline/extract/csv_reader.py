"""Reads CSV/TSV bytes into records (tuples of cells exactly as written), detecting encoding and delimiter."""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.extract.sniff import UnreadableSheet, decode_text, detect_delimiter

HEADER_CHARS = 65_536      # a text's first record is counted in its first characters


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
    if not text or text.isspace():
        raise UnreadableSheet(
            "Le fichier ne contient que des espaces ou des lignes vides : aucune donnée à lire.",
            "The file holds only spaces or blank lines: there is no data to read.",
        )
    used_delimiter = delimiter or detect_delimiter(text)
    columns = regular_columns(text, used_delimiter, _utf8_body(data, used_encoding))
    records = ColumnRecords(columns) if columns else split_records(text, used_delimiter)
    return CsvRecords(records, used_encoding, used_delimiter)


def regular_columns(text: str, delimiter: str, encoded: bytes | memoryview | None = None
                    ) -> list[pa.StringArray] | None:
    """The cells of a text whose records all hold as many cells and whose quotes all belong to cells quoted
    whole, split by Arrow into columns; None for any other text (split_records reads it).

    `encoded` is the text in UTF-8 when the caller has it. Arrow splits such a text as csv.reader does
    (a quoted cell keeps its delimiters and line breaks as written, a doubled quote in it is one quote),
    except that a blank line is a record of empty cells. One thread: a quoted text is split in order anyway,
    and the pipeline already reads files side by side with --workers.
    """
    if text.startswith("\ufeff"):
        return None                     # Arrow would drop a byte-order mark
    if not arrow_splits_on(delimiter):
        return None
    encoded = text.encode("utf-8") if encoded is None else encoded
    quoted = '"' in text
    if quoted and not _quotes_enclose_cells(np.frombuffer(encoded, dtype=np.uint8), delimiter):
        return None
    try:
        table = pa_csv.read_csv(pa.BufferReader(encoded), **arrow_csv_options(text, delimiter, quoted))
    except pa.ArrowException:          # lines of different widths, among others
        return None
    if not all(pa.types.is_string(column.type) for column in table.columns):
        return None                     # a first record too long to count its cells: types were guessed
    columns = [column.combine_chunks() for column in table.columns]
    if any(longest_cell(column) > csv.field_size_limit() for column in columns):
        return None                     # csv.reader refuses so long a cell, and says where
    return columns


def arrow_splits_on(delimiter: str) -> bool:
    """Whether regular_columns may split on `delimiter`: the quote check reads single ASCII bytes."""
    return len(delimiter) == 1 and delimiter.isascii() and delimiter not in '"\r\n'


def arrow_csv_options(head: str, delimiter: str, quoted: bool, block_size: int | None = None) -> dict:
    """pyarrow.csv's options for a text that begins with `head` (its first HEADER_CHARS characters at least):
    every cell a string as written, a blank line a record of empty cells, quotes read only if there are any."""
    names = [f"f{i}" for i in range(head.count(delimiter, 0, HEADER_CHARS) + 1)]   # Arrow's names
    read = pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False)
    if block_size:
        read.block_size = block_size
    return {"read_options": read,
            "parse_options": pa_csv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                                 double_quote=quoted, escape_char=False, newlines_in_values=quoted,
                                                 ignore_empty_lines=False),
            "convert_options": pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                     check_utf8=False)}


def longest_cell(column: pa.StringArray) -> int:
    """Characters in the longest cell (counted only when its bytes could be more than csv.reader's limit)."""
    longest = pc.max(pc.binary_length(column)).as_py() or 0
    return longest if longest <= csv.field_size_limit() else pc.max(pc.utf8_length(column)).as_py()


def _quotes_enclose_cells(text: np.ndarray, delimiter: str) -> bool:
    """Whether every quote of the UTF-8 `text` opens a cell, closes it, or is doubled inside it (QuoteCheck)."""
    check = QuoteCheck(delimiter)
    check.feed(text)
    return check.close()


class QuoteCheck:
    """Whether every quote of a UTF-8 text, fed in pieces of any size, opens a cell, closes it, or is doubled
    inside it.

    A run of quotes outside a quoted cell must follow a line start or the delimiter: an odd run opens a cell
    (then doubled quotes), an even run is a whole cell and must be followed by the delimiter, a line end or
    the end of the text. Inside a cell an even run is doubled quotes and an odd run closes the cell, so it
    must be followed as well. Quotes elsewhere are read by csv.reader in ways Arrow does not follow.
    A piece's trailing run of quotes is held back until the next piece tells what follows it.
    """

    def __init__(self, delimiter: str) -> None:
        self.ends = np.zeros(256, dtype=bool)          # bytes that end a cell; so do the text's start and end
        self.ends[[ord(delimiter), ord("\n"), ord("\r")]] = True
        self.inside = False                            # whether the text so far leaves a quoted cell open
        self.placed = True
        self.before: int | None = None                 # the last byte checked, None at the text's start
        self.held = np.zeros(0, dtype=np.uint8)

    def feed(self, piece: np.ndarray | bytes | memoryview) -> None:
        text = np.concatenate([self.held, np.frombuffer(piece, dtype=np.uint8)])
        cut = len(text)
        while cut and text[cut - 1] == ord('"'):
            cut -= 1
        self.held = text[cut:]
        self._check(text[:cut])

    def close(self) -> bool:
        """Whether the whole text passed; the text ends here."""
        text, self.held = self.held, np.zeros(0, dtype=np.uint8)
        self._check(text)
        return self.placed and not self.inside

    def _check(self, text: np.ndarray) -> None:
        """Check a piece that ends the text or whose last byte is no quote (every run ends inside it)."""
        quotes = np.flatnonzero(text == ord('"'))
        before = self.before
        if len(text):
            self.before = int(text[-1])
        if not len(quotes) or not self.placed:
            return
        breaks = np.diff(quotes) != 1
        firsts, lasts = quotes[np.append(True, breaks)], quotes[np.append(breaks, True)]
        odd = (lasts - firsts) % 2 == 0
        flips = np.cumsum(odd) + self.inside
        inside = (flips - odd) % 2 == 1
        after_end = np.full(len(firsts), before is None or self.ends[before])
        after_end[firsts > 0] = self.ends[text[firsts[firsts > 0] - 1]]
        follows_end = np.ones(len(lasts), dtype=bool)   # a run can end the piece only at the text's end
        follows_end[lasts < len(text) - 1] = self.ends[text[lasts[lasts < len(text) - 1] + 1]]
        self.placed = bool(np.where(inside, ~odd | follows_end, after_end & (odd | follows_end)).all())
        self.inside = bool(flips[-1] % 2)


def _utf8_body(data: bytes, encoding: str) -> memoryview | None:
    """The bytes of the decoded text when `data` is UTF-8: `data` without its leading byte-order marks."""
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    start = 0
    while data.startswith(codecs.BOM_UTF8, start):
        start += len(codecs.BOM_UTF8)
    return memoryview(data)[start:]


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

"""Reads CSV/TSV bytes into records (tuples of cells exactly as written), detecting encoding and delimiter, with what
pipeline.extract.row_checks needs to tell the rows that could not be read right."""
from __future__ import annotations

import codecs
import contextlib
import csv
import io
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.extract.sniff import UnreadableSheet, detect_delimiter
from pipeline.extract.text_decoding import decode_sheet
from pipeline.transform.mojibake import mojibake_in_utf8

HEADER_CHARS = 65_536      # a text's first record is counted in its first characters
_FIELD_LIMIT = threading.Lock()


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
    warnings: list[str] = field(default_factory=list)       # for the manifest, in English
    text: str = ""                      # the decoded text when its quotes do not all enclose cells (settle_records
    #                                     reads its lines then), else "": it would double the memory of a large sheet
    first_lines: np.ndarray | None = None   # the physical line (from 0) each record starts on; None: record i on
    #                                         line i, every record on one line
    invalid_lines: dict[int, str] = field(default_factory=dict)    # sniff.DecodedText.invalid
    mojibake: bool = False              # whether the text holds mojibake somewhere: its cells are then checked
    quotes_enclose_cells: bool = True   # whether every quote of the text opens, closes or doubles inside a cell


def read_csv_records(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> CsvRecords:
    """Decode and split into records; `encoding` / `delimiter` override detection when given. Cells of any length
    are read (settle_records rejects the rows past text_limits)."""
    decoded = decode_sheet(data, encoding)
    text = decoded.text
    if not text or text.isspace():
        raise UnreadableSheet(
            "Le fichier ne contient que des espaces ou des lignes vides : aucune donnée à lire.",
            "The file holds only spaces or blank lines: there is no data to read.",
        )
    used_delimiter = delimiter or detect_delimiter(text)
    body = _utf8_body(data, decoded.encoding) if decoded.exact else None
    encoded = text.encode("utf-8") if body is None else body
    enclosed = ('"' not in text or not arrow_splits_on(used_delimiter)      # QuoteCheck reads one ASCII delimiter
                or _quotes_enclose_cells(np.frombuffer(encoded, dtype=np.uint8), used_delimiter))
    columns = regular_columns(text, used_delimiter, encoded, enclosed) if arrow_splits_on(used_delimiter) else None
    lines_needed = bool(decoded.invalid) or not enclosed      # to name the rows of lines, to check quotes
    if columns:
        records: Sequence[tuple[str, ...]] = ColumnRecords(columns)
        first_lines = _column_first_lines(columns, encoded) if lines_needed and '"' in text else None
    else:
        records, first_lines = _split_tracked(text, used_delimiter, lines_needed)
    mojibake = mojibake_in_utf8(data if body is not None else encoded)
    return CsvRecords(records, decoded.encoding, used_delimiter, decoded.warnings, "" if enclosed else text,
                      first_lines, decoded.invalid, mojibake, enclosed)


def regular_columns(text: str, delimiter: str, encoded: bytes | memoryview | None = None,
                    enclosed: bool | None = None) -> list[pa.StringArray] | None:
    """The cells of a text whose records all hold as many cells and whose quotes all belong to cells quoted
    whole, split by Arrow into columns; None for any other text (split_records reads it).

    `encoded` is the text in UTF-8 when the caller has it, `enclosed` whether its quotes all belong to cells quoted
    whole when the caller knows (QuoteCheck). Arrow splits such a text as csv.reader does
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
    if enclosed is None:
        enclosed = not quoted or _quotes_enclose_cells(np.frombuffer(encoded, dtype=np.uint8), delimiter)
    if not enclosed:
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


@contextlib.contextmanager
def _cells_of_any_length(size: int) -> Iterator[None]:
    """csv.reader reads cells up to `size` characters (its limit is the process's: restored on leaving; a lock keeps
    two threads from restoring it under each other)."""
    with _FIELD_LIMIT:
        limit = csv.field_size_limit()
        csv.field_size_limit(max(limit, size + 1))
        try:
            yield
        finally:
            csv.field_size_limit(limit)


def _split_tracked(text: str, delimiter: str, track: bool) -> tuple[list[tuple[str, ...]], np.ndarray | None]:
    """(split_records's records, with cells of any length; with `track`, the physical line each record starts on,
    None when every record is one line). A quote left open runs to the end of the text, as csv.reader reads it
    (settle_records tells)."""
    with _cells_of_any_length(len(text)):
        if '"' not in text:
            return _unquoted_records(text, delimiter), None
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
        records = list(map(tuple, reader))
        if not track or reader.line_num == len(records):
            return records, None
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
        ends = [reader.line_num for _ in reader]
    return records, np.array([0, *ends[:-1]], dtype=np.int64)


def _column_first_lines(columns: list[pa.StringArray], encoded: bytes | memoryview) -> np.ndarray | None:
    """The physical line each record held in `columns` starts on, None when every record is one line (as many
    records as lines): a record spans one line more per line break in its cells."""
    if len(columns[0]) == _line_count(encoded):
        return None
    extra = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        for pattern, sign in (("\n", 1), ("\r", 1), ("\r\n", -1)):
            extra += sign * pc.count_substring(column, pattern).to_numpy(zero_copy_only=False)
    return np.arange(len(extra), dtype=np.int64) + np.cumsum(extra) - extra


def _line_count(encoded: bytes | memoryview) -> int:
    """Physical lines in the UTF-8 text, as csv.reader counts them: each ended by LF, CR LF or CR, or by the end."""
    raw = encoded.obj if isinstance(encoded, memoryview) else encoded    # _utf8_body's view: a BOM holds no line
    count = raw.count(b"\n")
    if b"\r" in raw:
        count += raw.count(b"\r") - raw.count(b"\r\n")
    return count + (not raw.endswith((b"\n", b"\r")) if raw else 0)


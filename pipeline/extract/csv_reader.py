"""Reads CSV/TSV bytes into records (tuples of cells exactly as written), detecting encoding and delimiter, and says
which records could not be read right (settle_records): a line in no encoding, rows merged by a quote left open,
a cell or a record too large, mojibake."""
from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline import config
from pipeline.extract.sniff import UnreadableSheet, decode_sheet, detect_delimiter
from pipeline.transform.mojibake import mojibake_in_utf8
from pipeline.transform.sheet_layout import filled_width, is_blank

HEADER_CHARS = 65_536      # a text's first record is counted in its first characters
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIELD_LIMIT = threading.Lock()


@dataclass(frozen=True)
class TextLimits:
    """config/limits.yaml's `text` section: past them a row is rejected (cell_too_large), not the file."""

    max_cell_chars: int
    max_columns: int
    max_line_chars: int

    @classmethod
    def from_config(cls, limits: dict) -> TextLimits:
        t = limits["text"]
        return cls(int(t["max_cell_chars"]), int(t["max_columns"]), int(t["max_line_chars"]))


def text_limits() -> TextLimits:
    return TextLimits.from_config(config.config_file("limits.yaml"))


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


@dataclass
class SettledRecords:
    """The records under the header once those merged by an unbalanced quote are split back into their lines, and
    the ones that cannot be read right: record index → (reject rule, value)."""

    records: Sequence[tuple[str, ...]]
    broken: dict[int, tuple[str, str]]


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


def settle_records(parsed: CsvRecords, data_at: int, header: Sequence[str],
                   limits: TextLimits | None = None) -> SettledRecords:
    """The records from `data_at` (the first under the header) on checked for what reads wrong, by row:

    - unbalanced_quote: records merged by a quote left open (merged_by_quote), each split back into its physical
      lines, every non-blank one rejected, the value naming the row of the quote; a quote never closed merges
      every line to the end of the text, so that every row from it on is rejected;
    - encoding_invalid: the row of a line that decodes in no encoding (sniff.decode_sheet);
    - cell_too_large: a row with a cell longer than max_cell_chars, more cells than max_columns, or a line longer
      than max_line_chars.
    Mojibake is told by the caller, cell by cell (parsed.mojibake says whether any can be there).
    """
    limits = limits or text_limits()
    records, first_lines, broken = _split_merged(parsed, data_at, header)
    if parsed.invalid_lines:
        starts = np.arange(len(records)) if first_lines is None else first_lines
        for line, reason in parsed.invalid_lines.items():
            index = int(np.searchsorted(starts, line, side="right") - 1)
            if index >= data_at:
                broken.setdefault(index, ("encoding_invalid", reason))
    for index, value in _too_large(records, data_at, parsed.delimiter, limits):
        broken.setdefault(index, ("cell_too_large", value))
    return SettledRecords(records, broken)


def _split_merged(parsed: CsvRecords, data_at: int, header: Sequence[str]
                  ) -> tuple[Sequence[tuple[str, ...]], np.ndarray | None, dict[int, tuple[str, str]]]:
    """(the records with those merged by a quote split into their lines, the line each starts on, the split ones
    as rejects). Only a text some quote of which does not open, close or double inside a cell is checked: in
    any other a spreadsheet or a CSV writer quoted every cell that holds a line break (merged_by_quote)."""
    records, first_lines = parsed.records, parsed.first_lines
    if parsed.quotes_enclose_cells:
        return records, first_lines, {}
    last = len(records) - 1
    suspects = []                       # records whose cells hold a line break: a quote swallowed it
    if first_lines is not None:
        suspects = [int(i) for i in np.flatnonzero(np.diff(first_lines) > 1) if i >= data_at]
    if last >= data_at and last not in suspects and any("\n" in cell or "\r" in cell for cell in records[last]):
        suspects.append(last)           # the last record spans lines, or keeps the line break of a quote left open
    if not suspects:
        return records, first_lines, {}
    lines = io.StringIO(parsed.text, newline="").readlines()
    starts = np.arange(len(records)) if first_lines is None else first_lines
    ends = np.append(starts[1:], len(lines))
    merged = [i for i in suspects
              if merged_by_quote(records[i], parsed.delimiter, header, "".join(lines[starts[i]:ends[i]]))]
    if not merged:
        return records, first_lines, {}
    out: list[tuple[str, ...]] = []
    out_starts: list[int] = []
    broken: dict[int, tuple[str, str]] = {}
    done = 0
    for index in merged:
        out.extend(records[done:index])
        out_starts.extend(int(n) for n in starts[done:index])
        row = len(out) + 1
        for line in range(int(starts[index]), int(ends[index])):
            cells = tuple(LINE_BREAK.sub("", lines[line]).split(parsed.delimiter))
            if not is_blank(cells):
                broken[len(out)] = ("unbalanced_quote", str(row))
            out.append(cells if not is_blank(cells) else ())
            out_starts.append(line)
        done = index + 1
    out.extend(records[done:])
    out_starts.extend(int(n) for n in starts[done:])
    return out, np.array(out_starts, dtype=np.int64), broken


def merged_by_quote(cells: Sequence[str], delimiter: str, header: Sequence[str], raw: str) -> bool:
    """Whether a record whose cells hold a line break (a quote swallowed it), in a text with quotes that do not all
    open, close or double inside cells, is rows merged by a quote left open rather than one row with a multi-line
    cell. `raw` is the record as written, its physical lines.

    It is rows merged when any of:
    (a) its own quotes do not all open, close or double inside cells (QuoteCheck on `raw`): the quote left open
        was closed by the next quote, which opened a cell on a later line (« B;"Savon 香皂";5,10 »), or never;
    (b) its cells do not fit the header (more cells, not empty, or fewer than its named columns), unless it is a
        single filled cell, a note;
    (c) every one of its physical lines, cut at every delimiter whatever the quotes, fits the header as a record
        of two filled cells or more would: each line is a row (« A;"Savon;4,90 » then « B;Planche 12";5,10 »).
    A multi-line cell as spreadsheets and CSV writers write it is never taken for rows merged: in a text whose
    quotes all open, close or double inside cells, no record is checked (the caller's rule), as a writer that
    quotes the cells holding line breaks quotes every cell holding a quote or a delimiter too, while a vendor who
    leaves a quote open in one cell leaves stray quotes in others. In a text with stray quotes, a description
    with paragraphs or an HTML list fails all three: its quotes enclose it, the record fits the header, and its
    middle lines are prose, not rows. This holds on every real export of ../shared/fixtures (WooCommerce,
    Shopify, Open Food Facts, the French WooCommerce and stationery catalogues: their quotes all enclose cells).
    A sheet of one column is only checked by (a).
    """
    check = QuoteCheck(delimiter)
    check.feed(raw.encode("utf-8"))
    if not check.close():
        return True
    width = len(header)
    if width < 2:
        return False
    if not _fits(cells, header) and sum(1 for cell in cells if cell.strip()) != 1:
        return True
    lines = LINE_BREAK.split(delimiter.join(cells))
    return all(_fits(pieces, header) and sum(1 for p in pieces if p.strip()) >= 2
               for pieces in (line.split(delimiter) for line in lines))


def _fits(cells: Sequence[str], header: Sequence[str]) -> bool:
    """Whether a record of `cells` sits under `header` as readers._table aligns one: as many cells, extra ones
    empty, or missing ones under the header's trailing empty cells."""
    width = len(header)
    return (len(cells) == width or (len(cells) > width and is_blank(cells[width:]))
            or filled_width(header) <= len(cells) < width)


def _too_large(records: Sequence[tuple[str, ...]], data_at: int, delimiter: str, limits: TextLimits
               ) -> Iterator[tuple[int, str]]:
    """(index, value) of the records from `data_at` with a cell longer than max_cell_chars (« 140 000 caractères »),
    more cells than max_columns (« 20 000 cellules ») or a line longer than max_line_chars."""
    if isinstance(records, ColumnRecords):
        if len(records.columns) > limits.max_columns:
            for index in range(data_at, len(records)):
                yield index, f"{_number(len(records.columns))} cellules"
            return
        lengths = np.zeros(len(records), dtype=np.int64)
        for column in records.columns:
            if (pc.max(pc.binary_length(column)).as_py() or 0) > limits.max_cell_chars:
                lengths = np.maximum(lengths, pc.utf8_length(column).to_numpy(zero_copy_only=False))
        for index in np.flatnonzero(lengths > limits.max_cell_chars):
            if index >= data_at:
                yield int(index), f"{_number(int(lengths[index]))} caractères"
        return                          # Arrow reads no record longer than its block (1 MiB): no line is too long
    data = records[data_at:]
    if not data:
        return
    widest = max(map(len, data))
    longest = max(map(len, itertools.chain.from_iterable(data)), default=0)
    if widest <= limits.max_columns and longest <= limits.max_cell_chars and \
            longest * widest <= limits.max_line_chars:
        return
    for index, record in enumerate(data, start=data_at):
        cell = max(map(len, record), default=0)
        line = max(map(len, LINE_BREAK.split(delimiter.join(record)))) if record else 0
        if len(record) > limits.max_columns:
            yield index, f"{_number(len(record))} cellules"
        elif cell > limits.max_cell_chars:
            yield index, f"{_number(cell)} caractères"
        elif line > limits.max_line_chars:
            yield index, f"{_number(line)} caractères sur une ligne"


def _number(value: int) -> str:
    """A count as French writes it: 140 000."""
    return f"{value:,}".replace(",", "\u00a0")

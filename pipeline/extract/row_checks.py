"""Checks the records a CSV text was split into against its physical lines, by row (settle_records): a line in no
encoding, rows merged by a quote left open, a cell, a record or a line too large (config/limits.yaml `text`). Each
such row is rejected, never the file."""
from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc

from pipeline import config
from pipeline.extract.csv_reader import ColumnRecords, CsvRecords, QuoteCheck
from pipeline.transform.sheet_layout import filled_width, is_blank

LINE_BREAK = re.compile(r"\r\n|\r|\n")

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


@dataclass
class SettledRecords:
    """The records under the header once those merged by an unbalanced quote are split back into their lines, and
    the ones that cannot be read right: record index → (reject rule, value)."""

    records: Sequence[tuple[str, ...]]
    broken: dict[int, tuple[str, str]]


def settle_records(parsed: CsvRecords, data_at: int, header: Sequence[str],
                   limits: TextLimits | None = None) -> SettledRecords:
    """The records from `data_at` (the first under the header) on checked for what reads wrong, by row:

    - unbalanced_quote: records merged by a quote left open (merged_by_quote), each split back into its physical
      lines, every non-blank one rejected, the value naming the row of the quote; a quote never closed merges
      every line to the end of the text, so that every row from it on is rejected;
    - encoding_invalid: the row of a line that decodes in no encoding (text_decoding.decode_sheet);
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

"""Streams a large CSV vendor sheet: a local UTF-8 copy that Arrow reads twice, handed on in chunks of whole SKUs,
so that memory follows the chunk and not the file.

The copy is made a block at a time (its sha256, encoding and delimiter found on the way), the first pass keeps
only each row's SKU to cut the chunks (pipeline.transform.sku_chunks), and the second spills the rows to one
Arrow file per chunk. A sheet this cannot read exactly as pipeline.extract.readers would (ragged or quoted in
ways Arrow reads differently, a header not found in its first records, …) raises NotStreamable before any
chunk is handed on, and the whole-file reader takes it. So does a sheet with rows the whole-file reader rejects
or a warning it gives: lines in no encoding or in two, NUL bytes, mojibake, a cell longer than text.max_cell_chars
or more cells than text.max_columns (config/limits.yaml).
"""
from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from pipeline.extract.csv_reader import (
    HEADER_CHARS,
    QuoteCheck,
    arrow_csv_options,
    arrow_splits_on,
    longest_cell,
)
from pipeline.extract.intake import IntakeFile, open_file
from pipeline.extract.profiles import VendorProfile
from pipeline.extract.readers import (
    blank_cells,
    cell_frame,
    header_cells,
    header_index,
    header_names,
    skipped_above,
)
from pipeline.extract.row_checks import TextLimits, text_limits
from pipeline.extract.sniff import UnreadableSheet, bom_encoding, bomless_utf16, detect_delimiter, detect_format
from pipeline.extract.text_decoding import EVIDENCE_BYTES, LEGACY_SAMPLE, legacy_encoding
from pipeline.transform.column_content import SAMPLE_ROWS
from pipeline.transform.mojibake import mojibake_in_utf8
from pipeline.transform.sheet_layout import HEADER_SEARCH_RECORDS
from pipeline.transform.sku_chunks import chunk_numbers, sku_chunk_bounds

READ_BYTES = 8 << 20            # bytes read and decoded at a time
ARROW_BLOCK_BYTES = 1 << 20     # bytes Arrow parses at a time: its buffers for a block are many times larger
MOJIBAKE_OVERLAP = 4           # characters of a block checked again with the next one: a sequence may straddle them
ROW, RANK = "source_row", "sku_rank"


class NotStreamable(Exception):
    """The sheet needs the whole-file reader; the message says why."""


@dataclass(frozen=True)
class ChunkPlan:
    chunk: np.ndarray           # per non-blank record under the header, in file order: its chunk's number
    rank: np.ndarray            # … and its place in SKU order
    chunks: int
    blank_rows: np.ndarray      # spreadsheet rows of the blank records before the last filled one

    @property
    def rows(self) -> int:
        return len(self.chunk)


@dataclass
class SpooledSheet:
    """A vendor CSV copied in UTF-8 to `path`, and where its header is."""

    path: Path
    sha256: str                 # of the file as stored
    encoding: str
    delimiter: str
    options: dict               # csv_reader.arrow_csv_options
    header_at: int              # index of the header record: its spreadsheet row − 1
    names: list[str]            # readers.header_names
    duplicate_headers: list[str]
    first_records: list[tuple[str, ...]]    # the file's first records, the header and a sample under it
    sub_header: bool = False    # whether the record under the header completes it (readers.header_cells)
    limits: TextLimits | None = None        # config/limits.yaml's `text`

    @property
    def header_row(self) -> int:
        return self.header_at + 1

    @property
    def data_at(self) -> int:
        """Index of the first record under the header (and its sub-header)."""
        return self.header_at + 1 + self.sub_header

    def sample(self) -> pd.DataFrame:
        """The first records under the header that were read to find it, as read_sheet's frame makes them."""
        records = self.first_records[self.data_at:]
        width = len(self.names)
        cells = [pa.array([(r[i] if i < len(r) else "") for r in records], pa.string()) for i in range(width)]
        kept = ~np.logical_and.reduce([blank_cells(c) for c in cells]) if records else np.zeros(0, dtype=bool)
        rows = self.data_at + 1 + np.flatnonzero(kept)
        return cell_frame(self.names, [c.filter(pa.array(kept)) for c in cells], rows)

    def skipped(self) -> pd.DataFrame:
        """The records above the header and its sub-header, as read_sheet sets them aside."""
        return skipped_above(self.first_records, 1, self.header_at, self.sub_header)

    def chunk_plan(self, key_columns: Sequence[str], key_of: Callable[[pd.DataFrame], pa.Array],
                   chunk_rows: int) -> ChunkPlan:
        """First pass: the SKU key of every non-blank record (`key_of` a frame of the `key_columns` cells, as
        cell_frame makes it) and the chunks they are cut into."""
        positions = [self.names.index(name) for name in key_columns]
        keys, blanks, last = [], [], 0
        for start, columns, kept in self._records():
            picked = [columns[i].filter(pa.array(kept)) for i in positions]
            keys.append(key_of(cell_frame(list(key_columns), picked, start + 1 + np.flatnonzero(kept))))
            blanks.append(start + 1 + np.flatnonzero(~kept))
            last = int(start + 1 + np.flatnonzero(kept)[-1]) if kept.any() else last
        key = pa.concat_arrays(keys) if keys else pa.array([], pa.string())
        if len(key) == 0:
            raise NotStreamable("no product row under the header")
        order, bounds = sku_chunk_bounds(key, chunk_rows)
        chunk, rank = chunk_numbers(order, bounds)
        blank_rows = np.concatenate(blanks) if blanks else np.zeros(0, dtype=np.int64)
        return ChunkPlan(chunk, rank, len(bounds) - 1, blank_rows[blank_rows < last])

    def chunks(self, plan: ChunkPlan) -> Iterator[pd.DataFrame]:
        """Second pass: the sheet's frame (as read_sheet makes it) one chunk at a time, each in SKU order."""
        paths = self._spill(plan)
        for path in paths:
            with pa.OSFile(str(path)) as source:
                table = pa.ipc.open_file(source).read_all()
            path.unlink()
            table = table.take(np.argsort(table[RANK].to_numpy(), kind="stable"))
            yield cell_frame(self.names, [table.column(i).combine_chunks() for i in range(len(self.names))],
                             table[ROW].to_numpy())
            del table

    def _spill(self, plan: ChunkPlan) -> list[Path]:
        """Each non-blank record, with its spreadsheet row and SKU rank, appended to its chunk's Arrow file."""
        paths = [self.path.with_name(f"chunk-{number:05d}.arrow") for number in range(plan.chunks)]
        writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        done = 0
        try:
            for start, columns, kept in self._records():
                rows = np.flatnonzero(kept)
                numbers = plan.chunk[done:done + len(rows)]
                batch = pa.record_batch([*(column.take(rows) for column in columns), pa.array(start + 1 + rows),
                                         pa.array(plan.rank[done:done + len(rows)])],
                                        names=[*(f"f{i}" for i in range(len(columns))), ROW, RANK])
                done += len(rows)
                by_chunk = np.argsort(numbers, kind="stable")
                for part in np.split(by_chunk, np.flatnonzero(np.diff(numbers[by_chunk])) + 1):
                    if len(part):
                        number = int(numbers[part[0]])
                        if number not in writers:
                            writers[number] = pa.ipc.new_file(str(paths[number]), batch.schema)
                        writers[number].write_batch(batch.take(pa.array(part)))
        finally:
            for writer in writers.values():
                writer.close()
        return paths

    def _records(self) -> Iterator[tuple[int, list[pa.StringArray], np.ndarray]]:
        """(index of the first record, its columns, which records are not blank) for the records under the header,
        a block at a time."""
        position = 0
        try:
            reader = pa_csv.open_csv(str(self.path), **self.options)
            if len(reader.schema) != len(self.names) or not all(pa.types.is_string(t) for t in reader.schema.types):
                raise NotStreamable("cells too many to count in the first record")
            limits = self.limits or text_limits()
            if len(self.names) > limits.max_columns:
                raise NotStreamable("more cells than text.max_columns")
            for batch in reader:
                skip = max(0, self.data_at - position)
                position += batch.num_rows
                if skip >= batch.num_rows:
                    continue
                columns = [batch.column(i).slice(skip) for i in range(batch.num_columns)]
                if any(longest_cell(column) > min(csv.field_size_limit(), limits.max_cell_chars) for column in columns):
                    raise NotStreamable("a cell longer than text.max_cell_chars")
                yield position - batch.num_rows + skip, columns, ~np.logical_and.reduce(
                    [blank_cells(column) for column in columns])
        except pa.ArrowException as exc:
            raise NotStreamable(f"Arrow cannot split it ({exc})") from exc


def spool_sheet(file: IntakeFile, profile: VendorProfile, recognised: Callable[[str], bool],
                folder: str | Path, storage_options: dict | None = None) -> SpooledSheet:
    """Copy the file in UTF-8 into `folder` and find its header, as read_sheet would."""
    path = Path(folder) / "sheet.csv"
    with open_file(file, storage_options) as source:
        head = source.read(READ_BYTES)
        try:
            if detect_format(head, file.path) != "text":
                raise NotStreamable("not a text file")
        except UnreadableSheet as exc:
            raise NotStreamable("not a text file") from exc
        chosen = profile.encoding or bom_encoding(head) or bomless_utf16(head)
        for encoding in [chosen] if chosen else _guessed_encodings(source, head):
            try:
                source.seek(0)
                sha256, delimiter, text_head, quoted = _copy_as_utf8(source, encoding, profile.delimiter, path)
                break
            except UnicodeDecodeError as exc:
                failed = exc
        else:
            raise NotStreamable(f"not {encoding}: lines in no encoding, or in two") from failed
    options = arrow_csv_options(text_head, delimiter, quoted, ARROW_BLOCK_BYTES)
    records = _first_records(path, options, (profile.header_row or HEADER_SEARCH_RECORDS) + SAMPLE_ROWS)
    try:
        header_at = header_index(records, 1, profile.header_row, recognised)
    except UnreadableSheet as exc:
        raise NotStreamable(exc.reason_en) from exc
    if header_at is None:
        raise NotStreamable("no header: its columns are read by their content, whole")
    header, below = header_cells(records, header_at)
    names, duplicates = header_names(header)
    return SpooledSheet(path, sha256, encoding, delimiter, options, header_at, names, duplicates, records,
                        below is not None, text_limits())


def _guessed_encodings(source, head: bytes) -> list[str]:
    """The encodings to copy a text in that has none declared, as text_decoding.decode_sheet decides (tried in
    order, the next when one fails): UTF-8, or the legacy encoding of a text whose start is not UTF-8 (Windows-1252,
    then Latin-1 for a byte Windows-1252 leaves undefined further on). A text whose start is UTF-8 but a later line
    is not, or which shows UTF-8 in its lines, is read line by line by decode_sheet: NotStreamable."""
    try:
        head.decode("utf-8")
        return ["utf-8"]
    except UnicodeDecodeError as exc:
        if exc.end >= len(head) - 3 and exc.reason == "unexpected end of data":
            return ["utf-8"]            # a character cut by the head's end
        first_error = exc.start
    source.seek(0)
    start = source.read(max(LEGACY_SAMPLE, first_error + EVIDENCE_BYTES) + 1)
    legacy = legacy_encoding(start, first_error)
    if legacy is None:
        raise NotStreamable("UTF-8 with lines that are not: read line by line")
    return ["cp1252", "latin-1"] if legacy == "cp1252" else [legacy]


def _copy_as_utf8(source, encoding: str, delimiter: str | None, path: Path) -> tuple[str, str, str, bool]:
    """(sha256, delimiter, first characters, whether any quote) of `source` decoded from `encoding` and written
    to `path` in UTF-8, its byte-order mark left out; raises NotStreamable where readers.regular_columns would
    not take the text."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    digest = hashlib.sha256()
    pending, head, check, quoted, overlap = "", "", None, False, ""
    with open(path, "wb") as out:
        while True:
            block = source.read(READ_BYTES)
            digest.update(block)
            text = decoder.decode(block, final=not block)
            if "\x00" in text:
                raise NotStreamable("NUL bytes, removed by the whole-file reader")
            if check is None:               # the text's start decides the delimiter and Arrow's column names
                pending += text
                if len(pending) <= HEADER_CHARS and block:
                    continue
                text, pending = _text_start(pending), ""
                delimiter = delimiter or detect_delimiter(text)
                if not arrow_splits_on(delimiter):
                    raise NotStreamable(f"delimiter {delimiter!r}")
                check, head = QuoteCheck(delimiter), text[:HEADER_CHARS + 1]
            encoded = text.encode("utf-8")
            if mojibake_in_utf8(encoded) or mojibake_in_utf8((overlap + text[:MOJIBAKE_OVERLAP]).encode("utf-8")):
                raise NotStreamable("mojibake, whose rows the whole-file reader rejects")
            overlap = text[-MOJIBAKE_OVERLAP:]
            quoted = quoted or b'"' in encoded
            check.feed(encoded)
            out.write(encoded)
            if not block:
                break
    if quoted and not check.close():
        raise NotStreamable("quotes that do not enclose whole cells")
    return digest.hexdigest(), delimiter, head, quoted


def _text_start(text: str) -> str:
    """The decoded text's start as sniff.decode_text leaves it (one byte-order mark dropped), if Arrow takes it."""
    text = text.removeprefix("\ufeff")
    if not text or text.isspace() or text.startswith("\ufeff"):
        raise NotStreamable("an empty text, or a second byte-order mark")
    return text


def _first_records(path: Path, options: dict, count: int) -> list[tuple[str, ...]]:
    """The file's first `count` records as tuples of cells (fewer when it holds fewer)."""
    try:
        reader = pa_csv.open_csv(str(path), **options)
        batches, rows = [], 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows >= count:
                break
    except pa.ArrowException as exc:
        raise NotStreamable(f"Arrow cannot split it ({exc})") from exc
    table = pa.Table.from_batches(batches, reader.schema).slice(0, count)
    columns = [column.to_pylist() for column in table.columns]
    return list(zip(*columns, strict=True)) if columns else []

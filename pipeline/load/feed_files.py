"""Bytes and writers of the feed files: tmall_upload.csv, tmall_upload.parquet and pending_translation.csv.

Each function returns what FeedFolder.write takes (bytes, or a function writing to a path); the same input
always gives the same bytes.

tmall_upload.parquet holds the listings as published, typed: `title_zh` is the listing title and
`description_zh` the description HTML of the CSV. Money keeps its exact value or the writer refuses it:
price_cny and cbec_tax_cny as decimal128(18, 2), source_price as decimal128(18, 4). Rates (fx_rate,
cbec_tax_rate) are rounded half-up to 10 decimal places (decimal128(20, 10)) and net_quantity to 6
(decimal128(24, 6)): a cross rate such as CNY/CHF has no finite decimal form.

Spreadsheet safety, one truth in both files: the listing's published text (title, description, brand, barcode,
outer_id) is neutralised once, when the listing is built (pipeline/transform/listing.py, PUBLISHED_TEXT: a value
starting with = + - @, TAB or CR that is not a plain number gets a leading '), and both files are written from it,
so they carry the same text. Each writer keeps a guard, the same Arrow test (`_neutralised`): every CSV cell, and
the Parquet columns the CSV also carries (NEUTRALISED_PARQUET). A neutral cell starts with ' or is safe, so on
listings built by build_listings the guards change nothing (they are idempotent); they still protect rows built
elsewhere, such as a withdrawal rebuilt from a catalogue line written before listings were neutralised. vendor_id
and sku are keys, written as they are.
"""
from __future__ import annotations

import codecs
import functools
import io
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.chunks import CHUNK_ROWS
from pipeline.transform.arrow_text import arrow_text, buffers, folded, holds_any, joined_rows, large, utf8_bytes
from pipeline.transform.listing import PUBLISHED_TEXT
from pipeline.transform.segments import PENDING_COLUMNS
from pipeline.transform.spreadsheet_safety import DANGEROUS_PREFIXES, PLAIN_NUMBER, neutralise_frame
from pipeline.transform.taobao_rows import sorted_positions

# spreadsheet_safety.PLAIN_NUMBER as a whole-cell RE2 pattern (Python's \d is any Unicode decimal digit).
PLAIN_NUMBER_RE2 = "^(?:" + PLAIN_NUMBER.replace(r"\d", r"\p{Nd}") + ")$"
# The prefixes as bytes, when each is one ASCII character (a cell's first UTF-8 byte then tells); else None.
FORMULA_BYTES = (np.frombuffer("".join(DANGEROUS_PREFIXES).encode("ascii"), dtype=np.uint8)
                 if all(len(p) == 1 and p.isascii() for p in DANGEROUS_PREFIXES) else None)
TMALL_CSV = "tmall_upload.csv"
TMALL_PARQUET = "tmall_upload.parquet"
PENDING_CSV = "pending_translation.csv"

MONEY_CNY = pa.decimal128(18, 2)
MONEY_SOURCE = pa.decimal128(18, 4)
RATE = pa.decimal128(20, 10)
QUANTITY = pa.decimal128(24, 6)
# Parquet column → (listing column, Arrow type, exact: refuse a value the type would change).
PARQUET_COLUMNS: dict[str, tuple[str, pa.DataType, bool]] = {
    "vendor_id": ("vendor_id", pa.string(), True),
    "sku": ("sku", pa.string(), True),
    "sku_derived": ("sku_derived", pa.bool_(), True),
    "outer_id": ("outer_id", pa.string(), True),
    "title_zh": ("title_listing", pa.string(), True),
    "title_truncated": ("title_truncated", pa.bool_(), True),
    "description_zh": ("description_html", pa.string(), True),
    "brand": ("brand", pa.string(), True),
    "category_id": ("category_id", pa.int64(), True),
    "category_mapped": ("category_mapped", pa.bool_(), True),
    "product_class": ("product_class", pa.string(), True),
    "price_cny": ("price_cny", MONEY_CNY, True),
    "source_price": ("source_price", MONEY_SOURCE, True),
    "source_currency": ("source_currency", pa.string(), True),
    "price_includes_vat": ("price_includes_vat", pa.bool_(), True),
    "fx_rate": ("fx_rate", RATE, False),
    "fx_date": ("fx_date", pa.date32(), True),
    "fx_source": ("fx_source", pa.string(), True),
    "net_quantity": ("net_content", QUANTITY, False),
    "net_unit": ("net_unit", pa.string(), True),
    "barcode": ("barcode", pa.string(), True),
    "stock": ("stock", pa.int64(), True),
    "cbec_tax_rate": ("cbec_tax_rate", RATE, False),
    "cbec_tax_cny": ("cbec_tax_cny", MONEY_CNY, True),
    "cbec_over_limit": ("cbec_over_limit", pa.bool_(), True),
}
# The Parquet columns of the listing's published text (also in the CSV): the writer's guard neutralises them too.
NEUTRALISED_PARQUET = frozenset(name for name, (source, _, _) in PARQUET_COLUMNS.items() if source in PUBLISHED_TEXT)


def taobao_csv_bytes(rows: pd.DataFrame, profile: dict[str, Any]) -> bytes:
    """UTF-16LE with BOM; the version row, the English and Chinese names, then `rows` (from taobao_rows)."""
    return b"".join(_taobao_csv_chunks(rows, profile, len(rows) or 1))


def taobao_csv_writer(rows: pd.DataFrame, profile: dict[str, Any], chunk_rows: int = CHUNK_ROWS
                      ) -> Callable[[str], None]:
    """A function writing the same bytes as taobao_csv_bytes to a path, `chunk_rows` rows at a time."""
    def write(path: str) -> None:
        with open(path, "wb") as fh:
            for chunk in _taobao_csv_chunks(rows, profile, chunk_rows):
                fh.write(chunk)

    return write


def _taobao_csv_chunks(rows: pd.DataFrame, profile: dict[str, Any], chunk_rows: int) -> Iterator[bytes]:
    yield taobao_csv_header(profile)
    yield from taobao_csv_lines(rows, profile, chunk_rows)


def taobao_csv_header(profile: dict[str, Any]) -> bytes:
    """The start of tmall_upload.csv: the byte-order mark, the version row, the English and Chinese names."""
    file = profile["file"]
    names = [file["delimiter"].join(c[lang] for c in profile["columns"]) for lang in ("en", "zh")]
    header = [file["version_row"], *names]
    return ("\ufeff" + "".join(line + file["line_terminator"] for line in header)).encode(file["encoding"])


def taobao_csv_lines(rows: pd.DataFrame, profile: dict[str, Any], chunk_rows: int = CHUNK_ROWS
                     ) -> Iterator[bytes | memoryview]:
    """The encoded lines of `rows` (from taobao_rows), `chunk_rows` at a time: cells neutralised and quoted a column
    at a time, a column holding one value for every row written as literal text, lines joined in Arrow. In
    UTF-16LE each column's distinct values are encoded once and the lines joined as bytes; in another encoding each
    chunk is encoded at once."""
    file = profile["file"]
    utf16 = codecs.lookup(file["encoding"]).name == "utf-16-le"
    pieces: list[pa.Array | str] = []            # cells and the literal text between them: quotes, TABs
    for n, column in enumerate(profile["columns"] if len(rows) else []):
        cells = _neutralised(pc.fill_null(arrow_text(rows[column["en"]]), ""))
        quote = '"' if column["kind"] == "text" else ""
        if quote and holds_any(cells, b'"'):
            cells = pc.replace_substring(cells, '"', '""')
        pieces += [("" if n == 0 else file["delimiter"]) + quote, cells, quote]
    pieces = folded([*pieces, file["line_terminator"]])
    if utf16:
        pieces = [p.encode("utf-16-le") if isinstance(p, str) else utf16_cells(p) for p in pieces]
    literal, empty = (pa.large_binary(), b"") if utf16 else (pa.large_string(), "")
    for start in range(0, len(rows), chunk_rows):
        parts = [pa.scalar(p, literal) if isinstance(p, (str, bytes)) else p.slice(start, chunk_rows)
                 for p in pieces]
        lines = pc.binary_join_element_wise(*parts, pa.scalar(empty, literal)) if len(parts) > 1 else \
            pa.repeat(parts[0], min(chunk_rows, len(rows) - start))
        yield utf8_bytes(lines) if utf16 else str(utf8_bytes(lines), "utf-8").encode(file["encoding"])


def taobao_csv_body(rows: pd.DataFrame, profile: dict[str, Any]) -> bytes | memoryview:
    """The encoded lines of all `rows` (from taobao_rows) as one buffer, not copied."""
    return next(taobao_csv_lines(rows, profile, len(rows)), b"") if len(rows) else b""


def utf16_cells(cells: pa.Array) -> pa.Array:
    """A large_string array without nulls as large_binary of each value's UTF-16LE bytes; values that repeat are
    encoded once."""
    distinct = cells.dictionary_encode()
    if len(cells) > 1 and len(distinct.dictionary) <= len(cells) // 2:
        return utf16_cells(distinct.dictionary).take(distinct.indices)
    offsets, data = buffers(cells)
    text = data[offsets[0]:offsets[-1]]
    units = ((text & 0xC0) != 0x80).astype(np.int64) + (text >= 0xF0)     # UTF-16 units a UTF-8 byte starts
    ends = np.concatenate([[0], np.cumsum(units)])[offsets - offsets[0]] * 2
    encoded = str(memoryview(text), "utf-8").encode("utf-16-le")
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(cells), [None, pa.py_buffer(ends),
                                                                            pa.py_buffer(encoded)])


def _neutralised(cells: pa.Array) -> pa.Array:
    """spreadsheet_safety.neutralise in Arrow (large_string, nulls kept): ' before a cell starting like a formula,
    plain numbers kept. Idempotent: a cell it prefixed starts with ', which it leaves alone."""
    starts = _starts_like_formula(cells)
    if not starts.any():
        return cells
    number = pc.fill_null(pc.match_substring_regex(cells, PLAIN_NUMBER_RE2), False)
    risky = starts & ~number.to_numpy(zero_copy_only=False)
    return pc.if_else(pa.array(risky), pc.binary_join_element_wise(large("'"), cells, large("")), cells)


def _starts_like_formula(cells: pa.Array) -> np.ndarray:
    """Whether each cell starts with one of DANGEROUS_PREFIXES (a null cell does not)."""
    if FORMULA_BYTES is None:
        starts = functools.reduce(pc.or_, (pc.starts_with(cells, prefix) for prefix in DANGEROUS_PREFIXES))
        return pc.fill_null(starts, False).to_numpy(zero_copy_only=False)
    offsets, data = buffers(cells)
    first = np.zeros(len(cells), dtype=np.uint8)
    filled = offsets[1:] > offsets[:-1]
    if cells.null_count:
        filled &= cells.is_valid().to_numpy(zero_copy_only=False)
    first[filled] = data[offsets[:-1][filled]]
    return np.isin(first, FORMULA_BYTES)


def listings_arrow_table(listings: pd.DataFrame) -> pa.Table:
    """The listings as an Arrow table with explicit types (PARQUET_COLUMNS), sorted by vendor_id and sku. A column
    listings kept from an earlier version do not have (a withdrawal rebuilt from an older catalogue line) is null."""
    order = sorted_positions(listings)
    return pa.table({name: _arrow_array(listings[source], order, name, arrow_type, exact) if source in listings
                     else pa.nulls(len(listings), arrow_type)
                     for name, (source, arrow_type, exact) in PARQUET_COLUMNS.items()})


def _arrow_array(s: pd.Series, order: np.ndarray, name: str, arrow_type: pa.DataType, exact: bool) -> pa.Array:
    if pa.types.is_decimal(arrow_type):
        return _decimals(s, order, name, arrow_type, exact)
    if pa.types.is_integer(arrow_type):
        values = pa.array(s.astype("Int64"), type=arrow_type)
    elif pa.types.is_boolean(arrow_type):
        values = pa.array(s.astype("boolean"), type=arrow_type)
    elif name in NEUTRALISED_PARQUET:
        values = _neutralised(arrow_text(s)).cast(arrow_type)
    elif pa.types.is_string(arrow_type) and isinstance(s.dtype, pd.StringDtype):
        values = arrow_text(s).cast(arrow_type)
    else:
        values = pa.array(s.astype(object), type=arrow_type, from_pandas=True)       # NA, None, NaN → null
    return values if np.array_equal(order, np.arange(len(order))) else values.take(pa.array(order))


def _decimals(s: pd.Series, order: np.ndarray, name: str, arrow_type: pa.DataType, exact: bool) -> pa.Array:
    """Each Decimal at the type's scale, in `order`, converted once per distinct value; inexact money raises
    ValueError. Distinct values that fit the type as they are are converted by Arrow at once (it refuses any that
    would change); otherwise each is quantized half-up to the type's scale."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=False)
    uniques = np.asarray(uniques, dtype=object)
    try:
        distinct = pa.array(uniques, type=arrow_type, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        distinct = _rescaled_decimals(uniques, name, arrow_type, exact)
    return distinct.take(pa.array(codes[order]))


def _rescaled_decimals(values: np.ndarray, name: str, arrow_type: pa.DataType, exact: bool) -> pa.Array:
    """Each value quantized half-up to the type's scale."""
    step = Decimal(1).scaleb(-arrow_type.scale)

    def rescale(value: Any) -> Decimal | None:
        if value is None or pd.isna(value):
            return None
        scaled = Decimal(value).quantize(step, rounding=ROUND_HALF_UP)
        if exact and scaled != value:
            raise ValueError(f"{name} {value!r} has more than {arrow_type.scale} decimal places; it would be changed")
        return scaled

    return pa.array([rescale(value) for value in values], type=arrow_type)


def parquet_writer(listings: pd.DataFrame) -> Callable[[str], None]:
    """A function writing tmall_upload.parquet to the path it is given (for FeedFolder.write)."""
    table = listings_arrow_table(listings)

    def write(path: str) -> None:
        pq.write_table(table, path)

    return write


def pending_csv_bytes(pending: pd.DataFrame) -> bytes:
    """pending_translation.csv: UTF-8 with BOM, CRLF, PENDING_COLUMNS, formula-like cells neutralised."""
    return utf8_csv(pending[PENDING_COLUMNS].sort_values(PENDING_COLUMNS[:4], kind="stable"))


def utf8_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, comma, CRLF, formula-like cells neutralised: what Excel opens correctly.

    The bytes of pandas' to_csv (csv.QUOTE_MINIMAL, NA as ""), built in Arrow when every column is text,
    integer or boolean; otherwise written by pandas."""
    kinds = [_csv_kind(frame[column]) for column in frame.columns]
    if len(kinds) < 2 or None in kinds:                      # a lone empty cell would be written ""
        buffer = io.StringIO()
        neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    cells = [CSV_CELLS[kind](frame[column]) for column, kind in zip(frame.columns, kinds, strict=True)]
    names = [_csv_quoted(pa.array([str(name)], pa.large_string()))[0].as_py() for name in frame.columns]
    head = ("\ufeff" + ",".join(names) + "\r\n").encode("utf-8")
    if frame.empty:
        return head
    lines = joined_rows([part for cell in cells for part in (",", cell)][1:] + ["\r\n"], len(frame))
    return head + utf8_bytes(lines).tobytes()


def _csv_kind(s: pd.Series) -> str | None:
    """"bool", "integer" or "text" for the columns utf8_csv writes itself; None for those left to pandas."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "integer"
    if isinstance(s.dtype, pd.StringDtype) or (
            s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")):
        return "text"
    return None


def _csv_text(s: pd.Series) -> pa.Array:
    """Text cells, neutralised as neutralise_frame does, quoted where needed."""
    cells = pc.fill_null(arrow_text(s), "")
    return _csv_quoted(_neutralised(cells) if len(cells) else cells)


CSV_CELLS: dict[str, Callable[[pd.Series], pa.Array]] = {
    "bool": lambda s: pc.fill_null(pc.if_else(pa.array(s.astype("boolean")), large("True"), large("False")), ""),
    "integer": lambda s: pc.fill_null(pa.array(s.astype("Int64")).cast(pa.large_string()), ""),
    "text": _csv_text,
}


def _csv_quoted(cells: pa.Array) -> pa.Array:
    """Cells holding a comma, quote, CR or LF in quotes, their quotes doubled (csv.QUOTE_MINIMAL)."""
    special = pc.match_substring_regex(cells, '[,"\r\n]')
    if not pc.any(special).as_py():
        return cells
    quoted = pc.binary_join_element_wise(large('"'), pc.replace_substring(cells, '"', '""'), large('"'), large(""))
    return pc.if_else(special, quoted, cells)

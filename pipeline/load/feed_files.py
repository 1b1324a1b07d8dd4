"""Bytes and writers of the feed files: tmall_upload.csv, tmall_upload.parquet and pending_translation.csv.

Each function returns what FeedFolder.write takes (bytes, or a function writing to a path); the same input
always gives the same bytes.

tmall_upload.parquet holds the listings as published, typed: `title_zh` is the listing title and
`description_zh` the description HTML of the CSV. Money keeps its exact value or the writer refuses it:
price_cny and cbec_tax_cny as decimal128(18, 2), source_price as decimal128(18, 4). Rates (fx_rate,
cbec_tax_rate) are rounded half-up to 10 decimal places (decimal128(20, 10)) and net_quantity to 6
(decimal128(24, 6)): a cross rate such as CNY/CHF has no finite decimal form.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.transform.localize import PENDING_COLUMNS
from pipeline.transform.spreadsheet_safety import neutralise, neutralise_frame
from pipeline.transform.taobao_rows import SORT_KEYS
from pipeline.transform.text import per_distinct

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


def taobao_csv_bytes(rows: pd.DataFrame, profile: dict[str, Any]) -> bytes:
    """UTF-16LE with BOM; the version row, the English and Chinese names, then `rows` (from taobao_rows)."""
    return b"".join(_taobao_csv_chunks(rows, profile, len(rows) or 1))


def taobao_csv_writer(rows: pd.DataFrame, profile: dict[str, Any], chunk_rows: int = 50_000
                      ) -> Callable[[str], None]:
    """A function writing the same bytes as taobao_csv_bytes to a path, `chunk_rows` rows at a time."""
    def write(path: str) -> None:
        with open(path, "wb") as fh:
            for chunk in _taobao_csv_chunks(rows, profile, chunk_rows):
                fh.write(chunk)

    return write


def _taobao_csv_chunks(rows: pd.DataFrame, profile: dict[str, Any], chunk_rows: int) -> Iterator[bytes]:
    file = profile["file"]
    columns = profile["columns"]
    end = file["line_terminator"]
    header = [file["version_row"], file["delimiter"].join(c["en"] for c in columns),
              file["delimiter"].join(c["zh"] for c in columns)]
    yield ("\ufeff" + "".join(line + end for line in header)).encode(file["encoding"])
    for start in range(0, len(rows), chunk_rows):
        part = rows.iloc[start:start + chunk_rows]
        cells = [_neutralised(part[c["en"]]) for c in columns]
        cells = [_quoted(cell) if c["kind"] == "text" else cell for cell, c in zip(cells, columns, strict=True)]
        data = map(file["delimiter"].join, zip(*(cell.tolist() for cell in cells), strict=True))
        yield "".join(line + end for line in data).encode(file["encoding"])


def _neutralised(s: pd.Series) -> pd.Series:
    """spreadsheet_safety.neutralise once per distinct cell."""
    return per_distinct(s, lambda values: neutralise(values).to_frame("cell"))["cell"]


def _quoted(s: pd.Series) -> pd.Series:
    """"text" with embedded quotes doubled, once per distinct cell."""
    def quote(values: pd.Series) -> pd.DataFrame:
        return ('"' + values.str.replace('"', '""') + '"').to_frame("cell")

    return per_distinct(s, quote)["cell"]


def listings_arrow_table(listings: pd.DataFrame) -> pa.Table:
    """The listings as an Arrow table with explicit types (PARQUET_COLUMNS), sorted by vendor_id and sku."""
    ordered = listings.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    arrays = {name: _arrow_array(ordered[source], name, arrow_type, exact)
              for name, (source, arrow_type, exact) in PARQUET_COLUMNS.items()}
    return pa.table(arrays)


def _arrow_array(s: pd.Series, name: str, arrow_type: pa.DataType, exact: bool) -> pa.Array:
    if pa.types.is_decimal(arrow_type):
        s = _decimals(s, name, arrow_type.scale, exact)
    elif pa.types.is_integer(arrow_type):
        return pa.array(s.astype("Int64"), type=arrow_type)
    elif pa.types.is_boolean(arrow_type):
        return pa.array(s.astype("boolean"), type=arrow_type)
    values = s.astype(object).where(s.notna(), None).tolist()
    return pa.array(values, type=arrow_type)


def _decimals(s: pd.Series, name: str, scale: int, exact: bool) -> pd.Series:
    """Each Decimal at `scale` decimal places, once per distinct value; inexact money raises ValueError."""
    step = Decimal(1).scaleb(-scale)

    def rescale(value: Decimal) -> Decimal:
        scaled = Decimal(value).quantize(step, rounding=ROUND_HALF_UP)
        if exact and scaled != value:
            raise ValueError(f"{name} {value!r} has more than {scale} decimal places; it would be changed")
        return scaled

    rescaled = per_distinct(s, lambda values: values.map(rescale).to_frame("value"), fill={"value": None})
    return rescaled["value"]


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
    """UTF-8 with BOM, comma, CRLF, formula-like cells neutralised: what Excel opens correctly."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

"""What changed since the last published feed: listing content hashes, new/changed/withdrawn; JSON rows read."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from pipeline.transform.arrow_text import STR, arrow_text, buffers, joined_rows, large, utf8_bytes
from pipeline.transform.taobao_rows import taobao_rows

KEYS = ["vendor_id", "sku"]
JSON_BLOCK_BYTES = 16 << 20
# What Arrow's JSON reader gives for JSON's own values (anything else comes from an encoded value, or is refused).
PLAIN_JSON_TYPES = (pa.null(), pa.bool_(), pa.int64(), pa.float64(), pa.string())


def content_hashes(cells: pd.DataFrame, chunk_rows: int = 100_000) -> pd.Series:
    """sha256 (hex) of each row's published cells (the Taobao Assistant columns) as UTF-8, joined by U+001F;
    `chunk_rows` rows at a time. Cells are text (taobao_rows); anything else is hashed as its str()."""
    columns = [pc.fill_null(arrow_text(cells[c]), "") for c in cells.columns] or [pa.repeat(large(""), len(cells))]
    digests: list[str] = []
    for start in range(0, len(cells), chunk_rows):
        part = [column.slice(start, chunk_rows) for column in columns]
        separated = [piece for column in part for piece in ("\x1f", column)][1:]
        digests += _sha256_each(joined_rows(separated, len(part[0])))
    return pd.Series(digests, index=cells.index, dtype=STR)


def _sha256_each(texts: pa.Array) -> list[str]:
    """The hex sha256 of each value of a large_string array, read straight from its buffers."""
    offsets, data = buffers(texts)
    view, sha256, ends = memoryview(data), hashlib.sha256, offsets.tolist()
    return [sha256(view[begin:end]).hexdigest() for begin, end in zip(ends[:-1], ends[1:], strict=True)]


def classify_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.Series:
    """For each current listing (vendor_id, sku, listing_hash): 'new', 'changed' or 'unchanged' against the
    previously published ones (vendor_id, sku, listing_hash, status); a withdrawn listing that comes back
    is 'new'."""
    live = previous[previous["status"] == "live"][[*KEYS, "listing_hash"]]
    if live.empty:
        return pd.Series("new", index=current.index)
    merged = current[[*KEYS, "listing_hash"]].merge(live, on=KEYS, how="left", suffixes=("", "_before"))
    change = pd.Series("changed", index=current.index)
    change[merged["listing_hash_before"].isna().to_numpy()] = "new"
    change[(merged["listing_hash"] == merged["listing_hash_before"]).to_numpy()] = "unchanged"
    return change


def withdrawn(previous: pd.DataFrame, active_vendors: set[str], still_there: pd.DataFrame) -> pd.DataFrame:
    """Live listings of vendors whose files were read this run, whose SKU is no longer in any of their
    rows (published, pending or rejected): they left the vendor's catalogue."""
    live = previous[(previous["status"] == "live") & previous["vendor_id"].isin(active_vendors)]
    present = still_there[KEYS].drop_duplicates().assign(_present=True)
    merged = live.merge(present, on=KEYS, how="left")
    return live[merged["_present"].isna().to_numpy()]


def decode_rows(texts: pd.Series) -> pd.DataFrame:
    """Rows written as JSON texts, a Decimal as {"$decimal": "<str>"} and a date as {"$date": "<iso>"} (the
    catalogue's listings before they were kept as columns), as pd.DataFrame([json.loads(text, object_hook=_decode)
    …]) gives them: one row
    per text, columns in order of appearance, Decimal and date objects, str, int64 (float64 with NaN when
    missing), bool (object when missing). Parsed by Arrow; texts Arrow would read otherwise go through json."""
    if not len(texts):
        return pd.DataFrame()
    data = utf8_bytes(pc.binary_join_element_wise(arrow_text(texts), large("\n"), large("")))
    try:
        table = pa_json.read_json(pa.BufferReader(pa.py_buffer(data)),
                                  read_options=pa_json.ReadOptions(block_size=JSON_BLOCK_BYTES))
        if table.num_rows != len(texts):                 # a missing or blank text: json says what is wrong
            raise ValueError("not one JSON object per text")
        return pd.DataFrame({name: _decoded(column) for name, column in zip(table.column_names, table.columns,
                                                                              strict=True)})
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return pd.DataFrame([json.loads(t, object_hook=_decode) for t in texts])


def _decoded(column: pa.ChunkedArray) -> pd.Series:
    """An Arrow JSON column as pandas holds what json.loads gives; {"$decimal"} and {"$date"} structs become
    Decimal and date objects. ValueError for what Arrow reads otherwise (strings it took for timestamps …)."""
    if column.type in PLAIN_JSON_TYPES:
        return column.to_pandas()
    names = [field.name for field in column.type] if pa.types.is_struct(column.type) else []
    if names == ["$date"]:       # a string, or a timestamp as Arrow infers from ISO dates (never with a time of day)
        value = pc.struct_field(column, [0])
        dates = value.cast(pa.date32())
        if pa.types.is_timestamp(value.type) and not pc.all(pc.equal(dates.cast(value.type), value)).as_py():
            raise ValueError("a $date with a time of day")
        return dates.to_pandas(date_as_object=True)
    if names != ["$decimal"] or not pa.types.is_string(column.type.field(0).type):
        raise ValueError(f"not an encoded value: {column.type}")
    codes, uniques = pd.factorize(pc.struct_field(column, [0]).to_pandas())   # texts: "1.5" and "1.50" stay apart
    decimals = np.array([Decimal(u) for u in uniques] + [None], dtype=object)
    return pd.Series(decimals[codes], dtype=object)


def _decode(obj: dict):
    if obj.keys() == {"$decimal"}:
        return Decimal(obj["$decimal"])
    if obj.keys() == {"$date"}:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def compare_listings(listings: pd.DataFrame, previous: pd.DataFrame, profile: dict
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(the listings with their `listing_hash`, their Taobao cells, and each one's change class against
    `previous`: new, changed or unchanged). A listing's hash is that of its Taobao cells."""
    listings = listings.reset_index(drop=True)
    cells = taobao_rows(listings, profile)
    listings["listing_hash"] = content_hashes(cells).to_numpy()
    return listings, cells, classify_changes(listings, previous)

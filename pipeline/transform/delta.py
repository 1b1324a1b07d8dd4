"""What changed since the last published feed: listing content hashes, new/changed/withdrawn, row codecs."""
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


def encode_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's `columns` as JSON text keeping decimals and dates exact (to rebuild a withdrawn listing): the text
    of json.dumps(row, sort_keys=True, ensure_ascii=False), a Decimal as {"$decimal": "<str>"} and a date as
    {"$date": "<iso>"}, missing values as null; built a column at a time (str dtype)."""
    names = sorted(dict.fromkeys(columns))
    if not names or not len(frame):
        return pd.Series("{}" if not names else pd.NA, index=frame.index, dtype=STR)
    parts: list[str | pa.Array] = []
    for n, name in enumerate(names):
        parts += [("{" if n == 0 else ", ") + json.dumps(name, ensure_ascii=False) + ": ", *_json_parts(frame[name])]
    return pd.Series(pd.array(joined_rows([*parts, "}"], len(frame)), dtype=STR), index=frame.index)


def _json_parts(s: pd.Series) -> list[str | pa.Array]:
    """What joins, row by row, into the JSON text of each value of a column (_json_values): a column of decimals
    or of strings with none missing as its values' text between literals when no character needs escaping."""
    kind = pd.api.types.infer_dtype(s, skipna=True) if s.dtype == object else None
    if kind == "decimal" and not s.isna().any():
        return ['{"$decimal": "', pa.array(map(str, s.to_numpy()), type=pa.large_string()), '"}']
    if isinstance(s.dtype, pd.StringDtype) or kind == "string":
        text = arrow_text(s)
        if not text.null_count and not _json_escaped(text).any():
            return ['"', text, '"']
    return [_json_values(s)]


def _json_values(s: pd.Series) -> pa.Array:
    """The JSON text of each value of a column, as _encode and json.dumps write it ("null" when missing)."""
    kind = pd.api.types.infer_dtype(s, skipna=True) if s.dtype == object else None
    if pd.api.types.is_bool_dtype(s.dtype):
        values = pc.if_else(pa.array(s.astype("boolean")), large("true"), large("false"))
    elif pd.api.types.is_integer_dtype(s.dtype):
        values = pa.array(s.astype("Int64")).cast(pa.large_string())
    elif kind == "decimal":                      # per row: equal decimals may be written differently (1.5, 1.50)
        missing = s.isna().to_numpy()
        text = map(str, s.to_numpy()) if not missing.any() else \
            (None if m else str(v) for v, m in zip(s.to_numpy(), missing, strict=True))
        values = pc.binary_join_element_wise(large('{"$decimal": "'), pa.array(text, type=pa.large_string()),
                                             large('"}'), large(""))
    elif isinstance(s.dtype, pd.StringDtype) or kind in ("string", "empty", "date"):
        values = _per_distinct_json(s)
    else:
        values = pa.array([None if pd.isna(v) else json.dumps(v, default=_encode, ensure_ascii=False)
                           for v in s.astype(object)], type=pa.large_string())
    return pc.fill_null(values, large("null"))


def _per_distinct_json(s: pd.Series) -> pa.Array:
    """Text or dates as JSON (missing as null): json.dumps once per distinct value when values repeat, else
    strings quoted and escaped in Arrow."""
    codes, uniques = pd.factorize(s)
    if len(uniques) > len(s) // 4 and isinstance(uniques[0] if len(uniques) else "", str):
        return _json_strings(arrow_text(s))
    texts = [json.dumps(value, default=_encode, ensure_ascii=False) for value in np.asarray(uniques, dtype=object)]
    return pa.array(texts, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))


def _json_strings(text: pa.Array) -> pa.Array:
    """json.dumps(value, ensure_ascii=False) of each string: quoted; quotes, backslashes and control
    characters escaped (done by json for the few values holding one)."""
    quoted = pc.binary_join_element_wise(large('"'), text, large('"'), large(""))
    if not _json_escaped(text).any():
        return quoted
    special = pc.fill_null(pc.match_substring_regex(text, r'[\x00-\x1f"\\]'), False)
    escaped = [json.dumps(value, ensure_ascii=False) for value in pc.filter(text, special).to_pylist()]
    return pc.replace_with_mask(quoted, special, pa.array(escaped, type=pa.large_string()))


def _json_escaped(text: pa.Array) -> np.ndarray:
    """Whether each byte of a large_string array's values is one that JSON escapes (a quote, a backslash, a control
    character: never part of a multi-byte UTF-8 character)."""
    data = np.frombuffer(utf8_bytes(text), dtype=np.uint8)
    return (data < 0x20) | (data == ord('"')) | (data == ord("\\"))


def decode_rows(texts: pd.Series) -> pd.DataFrame:
    """The rows encode_rows wrote, as pd.DataFrame([json.loads(text, object_hook=_decode) …]) gives them: one row
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


def _encode(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if hasattr(value, "item"):                 # numpy scalars
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _decode(obj: dict):
    if obj.keys() == {"$decimal"}:
        return Decimal(obj["$decimal"])
    if obj.keys() == {"$date"}:
        return dt.date.fromisoformat(obj["$date"])
    return obj

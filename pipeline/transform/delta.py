"""What changed since the last published feed: listing content hashes, new/changed/withdrawn, row codecs."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pandas as pd

KEYS = ["vendor_id", "sku"]


def content_hashes(cells: pd.DataFrame, chunk_rows: int = 100_000) -> pd.Series:
    """sha256 of each row's published cells (the Taobao Assistant columns), `chunk_rows` rows at a time."""
    parts = [_hashes(cells.iloc[start:start + chunk_rows]) for start in range(0, len(cells), chunk_rows)]
    return pd.concat(parts) if parts else pd.Series(dtype=object, index=cells.index)


def _hashes(cells: pd.DataFrame) -> pd.Series:
    text = cells.astype(str)
    joined = text.iloc[:, 0].str.cat([text[c] for c in text.columns[1:]], sep="\x1f")
    return pd.Series([hashlib.sha256(row.encode("utf-8")).hexdigest() for row in joined], index=cells.index,
                     dtype=object)


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
    """Each row's `columns` as JSON text keeping decimals and dates exact (to rebuild a withdrawn listing)."""
    records = frame[columns].astype(object).where(frame[columns].notna(), None).to_dict("records")
    return pd.Series([json.dumps(r, default=_encode, sort_keys=True, ensure_ascii=False) for r in records],
                     index=frame.index, dtype=object)


def decode_rows(texts: pd.Series) -> pd.DataFrame:
    return pd.DataFrame([json.loads(t, object_hook=_decode) for t in texts]) if len(texts) else pd.DataFrame()


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

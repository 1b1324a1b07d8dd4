"""Writes one run's files (rejects, pending translations, validated rows, manifest) into its feed folder."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.load.catalogue import Catalogue
from pipeline.load.feed_files import (
    PARQUET_COLUMNS,
    PENDING_CSV,
    TMALL_CSV,
    TMALL_PARQUET,
    parquet_writer,
    pending_csv_bytes,
    taobao_csv_writer,
    utf8_csv,
)
from pipeline.load.publish import FeedFolder
from pipeline.transform.categories import category_coverage
from pipeline.transform.delta import (
    KEYS,
    classify_changes,
    content_hashes,
    decode_rows,
    encode_rows,
    withdrawn,
)
from pipeline.transform.listing import output_profile
from pipeline.transform.rejects import REJECT_COLUMNS, concat_rejects
from pipeline.transform.taobao_rows import SORT_KEYS, taobao_rows

REJECTS = "rejects.csv"
TRANSLATION_KEYS = ("segments", "tm_hits", "mt_calls", "mt_chars", "pending", "glossary_hits", "vendor_supplied")
VALIDATED = "validated_products.parquet"
HELPER_SUFFIXES = ("__raw", "__error", "__detail")


@dataclass
class RunOutputs:
    """Everything a run publishes: per-input records, rejects, localised rows, pending segments, listings."""

    run_date: dt.date
    mode: str
    records: list[dict]
    rejects: list[pd.DataFrame]
    rows: pd.DataFrame            # valid rows after localisation; `pending_reason` set on those still waiting
    pending: pd.DataFrame         # pending_translation.csv lines
    translation: dict             # localisation counters
    listings: pd.DataFrame        # the rows published
    fx: dict                      # the EUR → CNY rate record of the run
    stage_seconds: dict = field(default_factory=dict)   # seconds spent in each step (summed over files)


def publish(folder: FeedFolder, run: RunOutputs, catalogue: Catalogue) -> dict:
    """Write every output file, then the manifest last, then record what was published; returns the manifest.

    `full` mode writes every publishable listing; `delta` only those new or changed since the last feed
    published before this date, plus withdrawn ones (stock 0)."""
    rejects = concat_rejects(run.rejects).sort_values(["vendor_id", "source_file", "source_row", "field"],
                                                      kind="stable")
    rows = _without_helpers(run.rows)
    waiting = rows[rows["pending_reason"].notna()] if "pending_reason" in rows else rows
    profile = output_profile()
    listings = (run.listings if not run.listings.empty else _no_listings()).sort_values(SORT_KEYS, kind="stable")
    listings = listings.reset_index(drop=True)
    cells = taobao_rows(listings, profile)                      # sorted like `listings`
    listings["listing_hash"] = content_hashes(cells).to_numpy()
    previous = catalogue.before(run.run_date)
    change = classify_changes(listings, previous)
    gone = withdrawn(previous, _vendors_read(run.records), pd.concat([listings[KEYS], waiting[KEYS], rejects[KEYS]]))
    gone = catalogue.listings_of(run.run_date, gone) if not gone.empty else gone.assign(listing=pd.Series(dtype=object))
    feed = _feed_rows(listings, change, gone, run.mode)
    feed_cells = cells if run.mode == "full" else taobao_rows(feed, profile)
    folder.write(TMALL_CSV, taobao_csv_writer(feed_cells, profile), rows=len(feed))
    del cells, feed_cells
    folder.write(TMALL_PARQUET, parquet_writer(feed), rows=len(feed))
    folder.write(REJECTS, utf8_csv(rejects[REJECT_COLUMNS]), rows=len(rejects))
    folder.write(PENDING_CSV, pending_csv_bytes(run.pending), rows=len(run.pending))
    folder.write(VALIDATED, lambda path: pq.write_table(to_arrow(rows), path), rows=len(rows))
    inputs = _input_counts(run.records, rejects, waiting, listings)
    manifest = {
        "run_date": run.run_date.isoformat(),
        "mode": run.mode,
        "rows_in": sum(rec["rows"] for rec in inputs),
        "rows_published": len(listings),
        "rows_rejected": sum(rec["rows_rejected"] for rec in inputs),
        "rows_pending": len(waiting),
        "fx": {k: run.fx[k] for k in ("base", "quote", "rate", "rate_date", "source")},
        "inputs": inputs,
        "outputs": [{"path": f.name, "sha256": f.sha256, "rows": f.rows} for f in folder.written],
        "translation": {k: run.translation.get(k, 0) for k in TRANSLATION_KEYS},
        "changes": {**{k: int((change == k).sum()) for k in ("new", "changed", "unchanged")},
                    "withdrawn": len(gone), "rows_in_feed": len(feed)},
        "categories": category_coverage(listings) if not listings.empty else {"mapped": 0, "unmapped": 0,
                                                                              "share": None},
        "warnings": _warnings(listings),
        "stage_seconds": run.stage_seconds,
    }
    folder.commit(manifest_bytes(manifest))
    catalogue.record(run.run_date, _changes(listings, change, gone), _vendors_read(run.records))
    return manifest


def _vendors_read(records: list[dict]) -> set[str]:
    return {r["vendor_id"] for r in records if r["status"] == "processed" and r["vendor_id"]}


def _feed_rows(listings: pd.DataFrame, change: pd.Series, gone: pd.DataFrame, mode: str) -> pd.DataFrame:
    if mode == "full":
        return listings
    notice = output_profile()["listing"]["withdrawn_description"]
    withdrawals = (decode_rows(gone["listing"]).assign(stock=0, description_html=notice) if not gone.empty
                   else listings.iloc[:0])
    changed = listings[(change != "unchanged").to_numpy()]
    feed = pd.concat([changed, withdrawals[[c for c in withdrawals.columns if c in listings.columns]]],
                     ignore_index=True) if not withdrawals.empty else changed
    return feed.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)


def _changes(listings: pd.DataFrame, change: pd.Series, gone: pd.DataFrame) -> pd.DataFrame:
    """The catalogue lines this run writes: new or changed listings (live) and withdrawn ones."""
    moved = listings[(change != "unchanged").to_numpy()]
    kept = [c for c in _writer_columns() if c != "description_html"]
    live = moved.assign(status="live", listing=encode_rows(moved, kept))
    return pd.concat([live[["vendor_id", "sku", "status", "listing_hash", "listing"]],
                      gone.assign(status="withdrawn")[["vendor_id", "sku", "status", "listing_hash", "listing"]]],
                     ignore_index=True)


def _input_counts(records: list[dict], rejects: pd.DataFrame, waiting: pd.DataFrame,
                  listings: pd.DataFrame) -> list[dict]:
    """Each input's record with its rows split into rejected, pending and published."""
    rejected = rejects.drop_duplicates(["source_file", "source_row"])["source_file"].value_counts()
    pending = waiting["source_file"].value_counts() if not waiting.empty else pd.Series(dtype=int)
    published = listings["source_file"].value_counts() if not listings.empty else pd.Series(dtype=int)
    out = []
    for rec in sorted(records, key=lambda r: r["path"]):
        path = rec["path"]
        counts = {"rows_rejected": int(rejected.get(path, 0)), "rows_pending": int(pending.get(path, 0)),
                  "rows_published": int(published.get(path, 0))}
        out.append({**{k: v for k, v in rec.items() if k != "rows_valid"}, **counts})
    return out


def _warnings(listings: pd.DataFrame, named: int = 20) -> list[str]:
    """What merchandisers should look at; products are named one by one up to `named`, then counted."""
    if listings.empty:
        return []
    over = listings[listings["cbec_over_limit"].astype(bool)]
    warnings = [f"cbec_over_limit: {r.vendor_id}/{r.sku} costs {r.price_cny} CNY, above the single-transaction "
                f"limit; published, flagged" for r in over.head(named).itertuples()]
    if len(over) > named:
        warnings.append(f"cbec_over_limit: {len(over) - named} more listings above the single-transaction limit "
                        f"(column cbec_over_limit of tmall_upload.parquet)")
    unmapped = int((~listings["category_mapped"]).sum())
    if unmapped:
        warnings.append(f"category: {unmapped} listings have no Tmall category (cid 0); add a rule to "
                        f"config/categories.yaml")
    truncated = int(listings["title_truncated"].sum())
    if truncated:
        warnings.append(f"title: {truncated} titles were shortened to fit 60 GBK bytes")
    return sorted(warnings)


def _writer_columns() -> list[str]:
    """Every listing column the feed writers read."""
    columns = {source for source, _, _ in PARQUET_COLUMNS.values()} | {"source_file"}
    columns |= {c["from"] for c in output_profile()["columns"] if c.get("from")}
    return sorted(columns)


def _no_listings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in _writer_columns()})


def _without_helpers(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame({"vendor_id": pd.Series(dtype="object"), "sku": pd.Series(dtype="object")})
    helpers = [c for c in rows.columns if c.endswith(HELPER_SUFFIXES)]
    return rows.drop(columns=helpers).sort_values(["vendor_id", "source_file", "source_row"], kind="stable")


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table keeping Decimal columns as decimals and dates as dates."""
    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def sha256_of(manifest: dict) -> str:
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest()

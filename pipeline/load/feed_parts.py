"""Each vendor's feed parts in the work area, chunk by chunk: its listings compared with the catalogue, the feed
rows (CSV part and Arrow table) and catalogue lines written; withdrawn listings last. Vendors in several processes
with `workers`."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.config import output_profile
from pipeline.load import work_area
from pipeline.load.catalogue import COLUMNS as CATALOGUE_LINE
from pipeline.load.catalogue import Catalogue
from pipeline.load.feed_files import PARQUET_COLUMNS, listings_arrow_table, taobao_csv_body
from pipeline.load.run_outputs import RunOutputs, VendorPart
from pipeline.load.state import StateStore
from pipeline.parallel import in_processes
from pipeline.transform.delta import KEYS, compare_listings, withdrawn
from pipeline.transform.feed_tally import Tally
from pipeline.transform.taobao_rows import SORT_KEYS, taobao_rows


def vendor_feeds(jobs: list[tuple], run: RunOutputs, vendors_read: set[str], catalogue: Catalogue
                  ) -> tuple[list[dict], Tally]:
    """_vendor_feed for each (part, previous lines, rejects), in `run.workers` processes when more than one; the
    parts in the jobs' order and the tally of them all."""
    if run.workers <= 1 or run.state is None or len(jobs) <= 1:
        tally = Tally()
        return [_vendor_feed(*job, vendors_read, catalogue, tally, run) for job in jobs], tally
    slim = dataclasses.replace(run, records=[], rejects=run.rejects.iloc[:0], pending=run.pending.iloc[:0], parts=[])
    done = in_processes(run.workers, _vendor_feed_alone, *zip(*jobs, strict=True), [slim] * len(jobs),
                        [vendors_read] * len(jobs), costs=[part.rows for part, _, _ in jobs])
    tally = Tally()
    for _, vendor_tally in done:
        tally.merge(vendor_tally)
    return [feed_part for feed_part, _ in done], tally


def _vendor_feed_alone(part: VendorPart, previous: pd.DataFrame, rejects: pd.DataFrame, run: RunOutputs,
                       vendors_read: set[str]) -> tuple[dict, Tally]:
    """_vendor_feed in a process of its own, with its own connection to the state store and its own tally."""

    tally = Tally()
    catalogue = Catalogue(StateStore.open(run.state).engine)
    return _vendor_feed(part, previous, rejects, vendors_read, catalogue, tally, run), tally


def _vendor_feed(part: VendorPart, previous: pd.DataFrame, rejects: pd.DataFrame, vendors_read: set[str],
                 catalogue: Catalogue, tally: Tally, run: RunOutputs) -> dict:
    """Compare one vendor's listings with the catalogue and write its feed parts chunk by chunk, withdrawn listings
    last; returns where the parts are."""
    base = f"{run.work}/feed/{work_area.short_id(part.vendor_id)}"
    still_there = [rejects[KEYS]]
    chunks, validated, rows_total = [], [], 0
    for n, (rows_uri, listings_uri) in enumerate(part.chunks):
        rows = work_area.read_table(rows_uri, run.storage_options)
        waiting = _waiting(rows)
        tally.waiting += len(waiting)
        tally.per_file.update({(f, "pending"): k for f, k in waiting["source_file"].value_counts().items()})
        if rows.num_rows:
            validated.append(rows_uri)                  # streamed into validated_products.parquet, helpers dropped
            rows_total += rows.num_rows
        listings = _read(listings_uri, run) if listings_uri else pd.DataFrame()
        listings = (listings if not listings.empty else no_listings()).sort_values(SORT_KEYS, kind="stable")
        still_there += [listings[KEYS], waiting[KEYS]]
        chunks += [_listing_chunk(listings.iloc[start:start + run.chunk_rows], previous, run,
                                  f"{base}/{n:05d}/{k:03d}", tally)
                   for k, start in enumerate(range(0, len(listings), run.chunk_rows))]
    gone = withdrawn(previous, vendors_read, pd.concat(still_there))
    if not gone.empty:
        chunks.append(_withdrawn_chunk(catalogue.listings_of(run.run_date, gone), run, f"{base}/withdrawn", tally))
    return {"vendor_id": part.vendor_id, "chunks": chunks, "validated": validated,
            "vendor_read": part.vendor_id in vendors_read, "rows": rows_total}


def _listing_chunk(listings: pd.DataFrame, previous: pd.DataFrame, run: RunOutputs, base: str, tally: Tally) -> str:
    """Compare one chunk of a vendor's listings with the catalogue (pipeline.transform.delta) and write its feed
    rows (all of them in full mode, the new and changed ones in delta mode) and its catalogue lines."""
    listings, cells, change = compare_listings(listings, previous, output_profile())
    moved = (change != "unchanged").to_numpy()
    in_feed = slice(None) if run.mode == "full" else moved
    tally.add_listings(listings)
    tally.changes.update({k: int((change == k).sum()) for k in ("new", "changed", "unchanged")})
    _write_chunk(base, run, cells[in_feed], listings[in_feed], _live_lines(listings[moved]), tally)
    return base


def _withdrawn_chunk(gone: pd.DataFrame, run: RunOutputs, base: str, tally: Tally) -> str:
    """Withdrawn listings: in delta mode their last published rows with stock 0; always their catalogue lines."""
    tally.changes["withdrawn"] += len(gone)
    lines = gone.assign(status="withdrawn").reindex(columns=_line_columns())
    if run.mode == "full":
        _write_chunk(base, run, _no_cells(output_profile()), no_listings(), lines, tally)
        return base
    notice = output_profile()["listing"]["withdrawn_description"]
    feed = gone.assign(stock=0, description_html=notice)
    feed = feed[[c for c in writer_columns() if c in feed.columns]].sort_values(SORT_KEYS, kind="stable")
    feed = feed.reset_index(drop=True)
    _write_chunk(base, run, taobao_rows(feed, output_profile()), feed, lines, tally)
    return base


def _write_chunk(base: str, run: RunOutputs, cells: pd.DataFrame, feed: pd.DataFrame, lines: pd.DataFrame,
                 tally: Tally) -> None:
    opts = run.storage_options
    tally.feed_rows += len(feed)
    work_area.write_bytes(f"{base}/feed.csv.part", taobao_csv_body(cells, output_profile()), opts)
    work_area.write_table(f"{base}/feed.arrow", listings_arrow_table(feed), opts)
    work_area.write_frame(f"{base}/catalogue.arrow", lines, opts)


def _live_lines(moved: pd.DataFrame) -> pd.DataFrame:
    """Catalogue lines of new or changed listings, with the listing's columns kept to rebuild a withdrawal later."""
    return moved.assign(status="live")[_line_columns()]


def _line_columns() -> list[str]:
    """A catalogue line: its keys, status and hash, then every listing column a withdrawal's feed row is made of
    (its description is the withdrawal notice)."""
    kept = [c for c in writer_columns() if c not in (*CATALOGUE_LINE, "description_html")]
    return [*CATALOGUE_LINE, *kept]


def _read(uri: str, run: RunOutputs) -> pd.DataFrame:
    return work_area.read_frame(uri, run.storage_options)


def writer_columns() -> list[str]:
    """Every listing column the feed writers read."""
    columns = {source for source, _, _ in PARQUET_COLUMNS.values()} | {"source_file"}
    columns |= {c["from"] for c in output_profile()["columns"] if c.get("from")}
    return sorted(columns)


def no_listings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in writer_columns()})


def _no_cells(profile: dict) -> pd.DataFrame:
    return pd.DataFrame({c["en"]: pd.Series(dtype="object") for c in profile["columns"]})


def _waiting(rows: pa.Table) -> pd.DataFrame:
    """The keys and file of the localised rows still waiting for a translation."""
    if "pending_reason" not in rows.column_names or not rows.num_rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in (*KEYS, "source_file")})
    return rows.filter(pc.is_valid(rows["pending_reason"])).select([*KEYS, "source_file"]).to_pandas()

"""Writes one run's feed folder (feeds, rejects, pending translations, validated rows, manifest).

Each vendor's listings become feed parts in the work area (pipeline.load.feed_parts); the feed files are then
streamed from those parts, so memory grows with the chunk, not with the catalogue. The catalogue lines are recorded
meanwhile in a thread (pipeline.load.catalogue_recording), in a transaction committed only once the manifest is.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import output_profile
from pipeline.load import work_area
from pipeline.load.catalogue import COLUMNS as CATALOGUE_LINE
from pipeline.load.catalogue import Catalogue
from pipeline.load.catalogue_recording import CatalogueRecording
from pipeline.load.feed_files import (
    PENDING_CSV,
    TMALL_CSV,
    TMALL_PARQUET,
    listings_arrow_table,
    pending_csv_bytes,
    taobao_csv_header,
    utf8_csv,
)
from pipeline.load.feed_parts import no_listings, vendor_feeds
from pipeline.load.manifest import input_counts, manifest_bytes
from pipeline.load.manifest import manifest as manifest_of
from pipeline.load.publish import FeedFolder
from pipeline.load.run_outputs import RunOutputs, VendorPart
from pipeline.transform.feed_tally import Tally
from pipeline.transform.parse import HELPER_SUFFIXES
from pipeline.transform.reading_report import suggested_profiles
from pipeline.transform.rejects import REJECT_COLUMNS

REJECTS = "rejects.csv"
VALIDATED = "validated_products.parquet"
VENDORS = "vendors"             # <out>/<date>/vendors/<vendor_id>/: what is for that vendor alone
PROFILE = "profile.yaml"        # … a profile proposed where its sheets' reading guessed or missed a column
FILE_THREADS = 3                # feed files written at once: Arrow's writers, copying and hashing leave the GIL


def publish(folder: FeedFolder, run: RunOutputs, catalogue: Catalogue) -> dict:
    """Write every output file, then the manifest last, and record what was published: the catalogue lines are
    written meanwhile and committed once the manifest is; returns the manifest.

    `full` mode writes every publishable listing; `delta` only those new or changed since the last feed
    published before this date, plus withdrawn ones (stock 0). Vendors skipped as unchanged keep their
    catalogue lines; their inputs' counts come from their records."""
    rejects = run.rejects.sort_values(["vendor_id", "source_file", "source_row", "field"], kind="stable")
    vendors_read = _vendors_read(run.records)
    previous = catalogue.before(run.run_date) if vendors_read else _no_previous()
    previous_of = dict(tuple(previous.groupby("vendor_id", sort=False))) if not previous.empty else {}
    parts = sorted(run.parts, key=lambda p: p.vendor_id)
    parts += [VendorPart(v, []) for v in sorted(vendors_read - {p.vendor_id for p in run.parts})]  # all rejected
    jobs = [(part, previous_of.get(part.vendor_id, previous.iloc[:0]),
             rejects[rejects["vendor_id"] == part.vendor_id]) for part in parts]
    feed_parts, tally = vendor_feeds(jobs, run, vendors_read, catalogue)
    recording = CatalogueRecording(catalogue, run, feed_parts)
    try:
        _write_feed_files(folder, run, feed_parts, rejects, tally)
        manifest = manifest_of(run, folder, input_counts(run.records, rejects, tally), tally)
        folder.commit(manifest_bytes(manifest))
    except BaseException:
        recording.finish(published=False)
        raise
    recording.finish(published=True)
    return manifest


def _write_feed_files(folder: FeedFolder, run: RunOutputs, feed_parts: list[dict], rejects: pd.DataFrame,
                      tally: Tally) -> None:
    opts = run.storage_options
    profile = output_profile()
    header = taobao_csv_header(profile)
    chunks = [chunk for part in feed_parts for chunk in part["chunks"]]

    def write_csv(path: str) -> None:
        with open(path, "wb", buffering=0) as fh:
            fh.write(header)
            for chunk in chunks:
                work_area.copy_into(f"{chunk}/feed.csv.part", fh, opts)

    validated = [uri for p in feed_parts for uri in p["validated"]]
    folder.write_all([
        (TMALL_CSV, write_csv, tally.feed_rows),
        (TMALL_PARQUET, _parquet_streamer([f"{c}/feed.arrow" for c in chunks], opts,
                                          listings_arrow_table(no_listings()).schema), tally.feed_rows),
        (REJECTS, utf8_csv(rejects[REJECT_COLUMNS]), len(rejects)),
        (PENDING_CSV, pending_csv_bytes(run.pending), len(run.pending)),
        (VALIDATED, _parquet_streamer(validated, opts, _unified_schema(validated, opts), _without_helpers),
         sum(p["rows"] for p in feed_parts)),
        *((f"{VENDORS}/{vendor}/{PROFILE}", text.encode("utf-8"), None)
          for vendor, text in suggested_profiles(run.records)),
    ], threads=FILE_THREADS)


def _parquet_streamer(uris: list[str], opts: dict, schema: pa.Schema,
                      prepare: Callable[[pa.Table], pa.Table] = lambda table: table) -> Callable[[str], None]:
    """A writer of one Parquet file made of the tables at `uris`, one at a time, `prepare`d and cast to `schema`."""
    def write(path: str) -> None:
        with pq.ParquetWriter(path, schema) as writer:
            for uri in uris:
                table = prepare(work_area.read_table(uri, opts))
                columns = [table[name] if name in table.column_names else pa.nulls(len(table), f.type)
                           for name, f in zip(schema.names, schema, strict=True)]
                writer.write_table(pa.table(columns, names=schema.names).cast(schema))
            if not uris:
                writer.write_table(schema.empty_table())

    return write


def _unified_schema(uris: list[str], opts: dict) -> pa.Schema:
    """One schema for the validated rows (localised rows without their helper columns) of every vendor: columns in
    first-seen order, null columns widened."""
    schemas = [_without_helpers(work_area.read_schema(uri, opts).empty_table()).schema.remove_metadata()
               for uri in uris]
    if not schemas:
        return pa.schema([("vendor_id", pa.string()), ("sku", pa.string())])
    return pa.unify_schemas(schemas, promote_options="permissive")


def _no_previous() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CATALOGUE_LINE})


def _without_helpers(rows: pa.Table) -> pa.Table:
    """The localised rows without their helper columns, text as large_string (as pandas' str columns give it)."""
    rows = rows.drop_columns([c for c in rows.column_names if c.endswith(HELPER_SUFFIXES)])
    return rows.cast(pa.schema([f.with_type(pa.large_string()) if f.type == pa.string() else f for f in rows.schema],
                               metadata=rows.schema.metadata))


def _vendors_read(records: list[dict]) -> set[str]:
    return {r["vendor_id"] for r in records if r["status"] == "processed" and r["vendor_id"]}

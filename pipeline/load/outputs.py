"""Writes one run's feed folder (feeds, rejects, pending translations, validated rows, manifest), vendor by vendor.

Each vendor's listings are compared with the catalogue, turned into feed rows and written to the work area as
parts, chunk by chunk (vendors in several processes with `workers`); the feed files are then streamed from those
parts, so memory grows with the chunk, not with the catalogue. The catalogue lines are recorded meanwhile in a
thread, in a transaction committed only once the manifest is.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.load import work_area
from pipeline.load.catalogue import Catalogue, InKeyOrder
from pipeline.load.feed_files import (
    PARQUET_COLUMNS,
    PENDING_CSV,
    TMALL_CSV,
    TMALL_PARQUET,
    listings_arrow_table,
    pending_csv_bytes,
    taobao_csv_body,
    taobao_csv_header,
    utf8_csv,
)
from pipeline.load.publish import FeedFolder
from pipeline.parallel import in_processes
from pipeline.transform.delta import (
    KEYS,
    classify_changes,
    content_hashes,
    withdrawn,
)
from pipeline.transform.listing import output_profile
from pipeline.transform.localize import PENDING_COLUMNS
from pipeline.transform.reading_report import reading_warnings, suggested_profiles
from pipeline.transform.rejects import REJECT_COLUMNS, rejected_rows
from pipeline.transform.taobao_rows import SORT_KEYS, taobao_rows

REJECTS = "rejects.csv"
TRANSLATION_KEYS = ("segments", "tm_hits", "mt_calls", "mt_chars", "pending", "glossary_hits", "vendor_supplied")
VALIDATED = "validated_products.parquet"
VENDORS = "vendors"             # <out>/<date>/vendors/<vendor_id>/: what is for that vendor alone
PROFILE = "profile.yaml"        # … a profile proposed where its sheets' reading guessed or missed a column
HELPER_SUFFIXES = ("__raw", "__error", "__detail")
NAMED_WARNINGS = 20
CHUNK_ROWS = 50_000          # listings hashed, compared and written at a time
CATALOGUE_COLUMNS = ["vendor_id", "sku", "status", "listing_hash"]
FILE_THREADS = 3             # feed files written at once: Arrow's writers, copying and hashing leave the GIL


@dataclass
class VendorPart:
    """One vendor's chunks in SKU order: the URIs of its localised rows (valid rows, `pending_reason` set on those
    waiting) and of their listings."""

    vendor_id: str
    chunks: list[tuple[str, str | None]]
    rows: int = 0                       # how many rows the chunks hold, as a measure of the work they make


@dataclass
class RunOutputs:
    """Everything a run publishes: per-input records, rejects, pending segments and each vendor's part."""

    run_date: dt.date
    mode: str
    records: list[dict]
    rejects: pd.DataFrame
    pending: pd.DataFrame          # pending_translation.csv lines
    translation: dict              # localisation counters
    parts: list[VendorPart]
    fx: dict                       # the EUR → CNY rate record of the run
    work: str                      # the run's work area, for the feed parts
    storage_options: dict = field(default_factory=dict)
    stage_seconds: dict = field(default_factory=dict)   # seconds spent in each step (summed over files)
    publish_started: float | None = None                # time.perf_counter() when publish_feed started
    state: str | None = None                            # the state store, for vendors published in other processes
    workers: int = 1                                    # processes composing vendors' feed parts
    chunk_rows: int = CHUNK_ROWS


@dataclass
class Tally:
    """What the manifest says about the listings, added up vendor by vendor."""

    per_file: Counter = field(default_factory=Counter)       # (source_file, "published"|"pending") → rows
    changes: Counter = field(default_factory=Counter)
    mapped: int = 0
    listings: int = 0
    over_limit: list[str] = field(default_factory=list)
    over_limit_count: int = 0
    truncated: int = 0
    feed_rows: int = 0
    waiting: int = 0

    def add_listings(self, listings: pd.DataFrame, named: int = NAMED_WARNINGS) -> None:
        self.listings += len(listings)
        if listings.empty:
            return
        self.mapped += int(listings["category_mapped"].astype(bool).sum())
        self.truncated += int(listings["title_truncated"].astype(bool).sum())
        over = listings[listings["cbec_over_limit"].astype(bool)]
        self.over_limit_count += len(over)
        self.over_limit += [f"cbec_over_limit: {r.vendor_id}/{r.sku} costs {r.price_cny} CNY, above the "
                            f"single-transaction limit; published, flagged"
                            for r in over.head(max(0, named - len(self.over_limit))).itertuples()]
        self.per_file.update({(f, "published"): n for f, n in listings["source_file"].value_counts().items()})

    def merge(self, other: Tally, named: int = NAMED_WARNINGS) -> None:
        """Add another vendor's tally; the products named keep their order, up to `named`."""
        self.per_file.update(other.per_file)
        self.changes.update(other.changes)
        self.over_limit = (self.over_limit + other.over_limit)[:named]
        for name in ("mapped", "listings", "over_limit_count", "truncated", "feed_rows", "waiting"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def warnings(self) -> list[str]:
        """What merchandisers should look at; products are named one by one up to NAMED_WARNINGS, then counted."""
        warnings = list(self.over_limit)
        if self.over_limit_count > len(self.over_limit):
            warnings.append(f"cbec_over_limit: {self.over_limit_count - len(self.over_limit)} more listings above "
                            f"the single-transaction limit (column cbec_over_limit of tmall_upload.parquet)")
        unmapped = self.listings - self.mapped
        if unmapped:
            warnings.append(f"category: {unmapped} listings have no Tmall category (cid 0); add a rule to "
                            f"config/categories.yaml")
        if self.truncated:
            warnings.append(f"title: {self.truncated} titles were shortened to fit 60 GBK bytes")
        return sorted(warnings)

    def categories(self) -> dict:
        share = round(self.mapped / self.listings, 4) if self.listings else None
        return {"mapped": self.mapped, "unmapped": self.listings - self.mapped, "share": share}


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
    feed_parts, tally = _vendor_feeds(jobs, run, vendors_read, catalogue)
    recording = CatalogueRecording(catalogue, run, feed_parts)
    try:
        _write_feed_files(folder, run, feed_parts, rejects, tally)
        manifest = _manifest(run, folder, _input_counts(run.records, rejects, tally), tally)
        folder.commit(manifest_bytes(manifest))
    except BaseException:
        recording.finish(published=False)
        raise
    recording.finish(published=True)
    return manifest


def _vendor_feeds(jobs: list[tuple], run: RunOutputs, vendors_read: set[str], catalogue: Catalogue
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
    from pipeline.load.state import StateStore

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
        listings = (listings if not listings.empty else _no_listings()).sort_values(SORT_KEYS, kind="stable")
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
    """Hash, classify and write one chunk of a vendor's listings: its feed rows (all of them in full mode, the new
    and changed ones in delta mode) and its catalogue lines."""
    listings = listings.reset_index(drop=True)
    cells = taobao_rows(listings, output_profile())
    listings["listing_hash"] = content_hashes(cells).to_numpy()
    change = classify_changes(listings, previous)
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
        _write_chunk(base, run, _no_cells(output_profile()), _no_listings(), lines, tally)
        return base
    notice = output_profile()["listing"]["withdrawn_description"]
    feed = gone.assign(stock=0, description_html=notice)
    feed = feed[[c for c in _writer_columns() if c in feed.columns]].sort_values(SORT_KEYS, kind="stable")
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
    kept = [c for c in _writer_columns() if c not in (*CATALOGUE_COLUMNS, "description_html")]
    return [*CATALOGUE_COLUMNS, *kept]


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
                                          listings_arrow_table(_no_listings()).schema), tally.feed_rows),
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


class CatalogueRecording:
    """Records the run's catalogue lines in a thread while the feed files are written, in one transaction that
    commits only once the feed folder is committed, and rolls back if it is not: the lines appear with the feed."""

    def __init__(self, catalogue: Catalogue, run: RunOutputs, feed_parts: list[dict]):
        self._decided, self._published, self._error = threading.Event(), False, None
        self._thread = threading.Thread(target=self._record, args=(catalogue, run, feed_parts),
                                        name="catalogue-recording", daemon=True)
        self._thread.start()

    def finish(self, published: bool) -> None:
        """Commit (the feed is published) or roll back, wait for the thread; its error is raised if published."""
        self._published = published
        self._decided.set()
        self._thread.join()
        if published and self._error is not None:
            raise self._error

    def _record(self, catalogue: Catalogue, run: RunOutputs, feed_parts: list[dict]) -> None:
        try:
            catalogue.record_when(run.run_date, _catalogue_batches(run, feed_parts), self._go)
        except BaseException as exc:  # noqa: BLE001 - handed to the publishing thread by finish()
            self._error = exc

    def _go(self) -> bool:
        self._decided.wait()
        return self._published


def _catalogue_batches(run: RunOutputs, feed_parts: list[dict]) -> Iterator[tuple[pa.Table | InKeyOrder, set[str]]]:
    """The catalogue lines of each vendor read, one vendor at a time: chunk by chunk when its chunks hold SKUs in
    order (a file's rows are validated and localised in SKU order), else all together."""
    for part in feed_parts:
        if part["vendor_read"]:
            uris = [f"{chunk}/catalogue.arrow" for chunk in part["chunks"]]
            if _skus_in_order(uris, run.storage_options):
                tables = (work_area.read_table(uri, run.storage_options) for uri in uris)
                yield InKeyOrder(part["vendor_id"], tables), {part["vendor_id"]}
                continue
            lines = [work_area.read_table(uri, run.storage_options) for uri in uris]
            lines = [table for table in lines if table.num_rows]
            yield (pa.concat_tables(lines, promote_options="permissive") if lines else _no_lines()), {part["vendor_id"]}


def _skus_in_order(uris: list[str], opts: dict) -> bool:
    """Whether every SKU of each catalogue table comes after those of the tables before it (code point order)."""
    last = None
    for uri in uris:
        skus = work_area.read_table(uri, opts, ["sku"])["sku"]
        if len(skus) == 0:
            continue
        bounds = pc.min_max(skus)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if low is None or (last is not None and low <= last):
            return False
        last = high
    return True


def _manifest(run: RunOutputs, folder: FeedFolder, inputs: list[dict], tally: Tally) -> dict:
    skipped = [rec for rec in inputs if rec["status"] == "skipped"]
    kept = sum(rec["rows_published"] for rec in skipped)
    return {
        "run_date": run.run_date.isoformat(),
        "mode": run.mode,
        "rows_in": sum(rec["rows"] for rec in inputs),
        "rows_published": tally.listings + kept,
        "rows_rejected": sum(rec["rows_rejected"] for rec in inputs),
        "rows_pending": tally.waiting,
        "fx": {k: run.fx[k] for k in ("base", "quote", "rate", "rate_date", "source")},
        "inputs": inputs,
        "outputs": [{"path": f.name, "sha256": f.sha256, "rows": f.rows} for f in folder.written],
        "translation": {k: run.translation.get(k, 0) for k in TRANSLATION_KEYS},
        "changes": {**{k: tally.changes[k] for k in ("new", "changed")}, "unchanged": tally.changes["unchanged"] + kept,
                    "withdrawn": tally.changes["withdrawn"], "rows_in_feed": tally.feed_rows,
                    "vendors_skipped": len({rec["vendor_id"] for rec in skipped})},
        "categories": tally.categories(),
        "warnings": sorted(tally.warnings() + reading_warnings(inputs)),
        "stage_seconds": _stage_seconds(run),
    }


def _stage_seconds(run: RunOutputs) -> dict:
    """The earlier steps' seconds, and publish_feed's own up to its manifest (the catalogue lines it records are
    committed after)."""
    if run.publish_started is None:
        return run.stage_seconds
    return dict(sorted({**run.stage_seconds,
                        "publish_feed": round(time.perf_counter() - run.publish_started, 2)}.items()))


def _vendors_read(records: list[dict]) -> set[str]:
    return {r["vendor_id"] for r in records if r["status"] == "processed" and r["vendor_id"]}


def _input_counts(records: list[dict], rejects: pd.DataFrame, tally: Tally) -> list[dict]:
    """Each input's record with its rows split into rejected, pending and published; a skipped input keeps the
    counts of the run that last processed it."""
    rejected = rejected_rows(rejects)["source_file"].value_counts()
    out = []
    for rec in sorted(records, key=lambda r: r["path"]):
        path = rec["path"]
        counts = {"rows_rejected": int(rejected.get(path, 0)), "rows_pending": tally.per_file[(path, "pending")],
                  "rows_published": tally.per_file[(path, "published")]}
        if rec["status"] == "skipped":
            counts["rows_published"] = rec.get("rows_published", 0)
        out.append({**{k: v for k, v in rec.items() if k != "rows_valid"}, **counts})
    return out


def merge_pending(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """pending_translation.csv lines of several vendors as one table: one line per segment, fields and SKUs joined."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PENDING_COLUMNS})
    if len(frames) == 1:
        return frames[0][PENDING_COLUMNS]
    lines = pd.concat(frames, ignore_index=True)
    merged = lines.groupby(["source_lang", "target_lang", "source"], sort=True).agg(
        field=("field", lambda f: " ".join(sorted(set(" ".join(f).split())))),
        skus=("skus", lambda s: " ".join(sorted(set(" ".join(s).split())))))
    return merged.reset_index().assign(target="")[PENDING_COLUMNS]


def _warnings(listings: pd.DataFrame, named: int = NAMED_WARNINGS) -> list[str]:
    tally = Tally()
    tally.add_listings(listings, named)
    return tally.warnings()


def _read(uri: str, run: RunOutputs) -> pd.DataFrame:
    return work_area.read_frame(uri, run.storage_options)


def _writer_columns() -> list[str]:
    """Every listing column the feed writers read."""
    columns = {source for source, _, _ in PARQUET_COLUMNS.values()} | {"source_file"}
    columns |= {c["from"] for c in output_profile()["columns"] if c.get("from")}
    return sorted(columns)


def _no_listings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in _writer_columns()})


def _no_lines() -> pa.Table:
    return pa.table({c: pa.array([], pa.large_string()) for c in CATALOGUE_COLUMNS})


def _no_previous() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ("vendor_id", "sku", "status", "listing_hash")})


def _no_cells(profile: dict) -> pd.DataFrame:
    return pd.DataFrame({c["en"]: pd.Series(dtype="object") for c in profile["columns"]})


def _without_helpers(rows: pa.Table) -> pa.Table:
    """The localised rows without their helper columns, text as large_string (as pandas' str columns give it)."""
    rows = rows.drop_columns([c for c in rows.column_names if c.endswith(HELPER_SUFFIXES)])
    return rows.cast(pa.schema([f.with_type(pa.large_string()) if f.type == pa.string() else f for f in rows.schema],
                               metadata=rows.schema.metadata))


def _waiting(rows: pa.Table) -> pd.DataFrame:
    """The keys and file of the localised rows still waiting for a translation."""
    if "pending_reason" not in rows.column_names or not rows.num_rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in (*KEYS, "source_file")})
    return rows.filter(pc.is_valid(rows["pending_reason"])).select([*KEYS, "source_file"]).to_pandas()


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def sha256_of(manifest: dict) -> str:
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest()


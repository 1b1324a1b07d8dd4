"""The publish_feed step: `<out>/<date>/` written atomically from the work area, the run recorded in the state
store, and each fully published vendor's results stored for later delta runs."""
from __future__ import annotations

import itertools
import time

from pipeline.load import outputs, work_area
from pipeline.load.catalogue import Catalogue
from pipeline.load.manifest import sha256_of
from pipeline.load.publish import FeedFolder
from pipeline.load.run_outputs import RunOutputs, VendorPart
from pipeline.load.state import StateStore
from pipeline.steps import delta_cache
from pipeline.steps.run_context import RunContext
from pipeline.transform.rejects import concat_rejects
from pipeline.transform.segments import merge_pending

COUNTS = ("rows_in", "rows_published", "rows_rejected", "rows_pending")


def publish_feed(ctx: RunContext, file_uris: list[str], localized_uri: str, listings_uri: str,
                 rates_uri: str) -> dict:
    """Publish the feed folder; returns its path and the manifest's counts."""
    started = time.perf_counter()
    opts = ctx.storage_options
    records = [work_area.read_json(f"{uri}/record.json", opts) for uri in file_uris]
    records += work_area.read_json(f"{ctx.work}/strays.json", opts)
    parts = work_area.read_json(f"{listings_uri}/parts.json", opts)
    vendor_bases = sorted({p["rows"].rsplit("/", 1)[0] for p in parts})
    rejects = concat_rejects([work_area.read_frame(uri, opts) for uri in
                              [f"{u}/rejects.arrow" for u in file_uris]
                              + [f"{b}/superseded.arrow" for b in vendor_bases]
                              + [f"{p['rows']}/no_rate.arrow" for p in parts]])
    pending = merge_pending([work_area.read_frame(f"{p['rows']}/pending.arrow", opts) for p in parts])
    stats = {**work_area.read_json(f"{localized_uri}/stats.json", opts), "pending": len(pending)}  # distinct segments
    eur = work_area.read_json(rates_uri, opts)["EUR"]
    timings = work_area.sum_json_numbers(f"{ctx.work}/timings", opts)
    folder = FeedFolder(ctx.out, ctx.run_date, opts)
    store = StateStore.open(ctx.state)
    by_vendor = [(vendor, list(chunks)) for vendor, chunks in itertools.groupby(parts, key=lambda p: p["vendor_id"])]
    vendor_parts = [VendorPart(vendor, [(f"{p['rows']}/rows.arrow", p["listings"]) for p in chunks],
                                       sum(p.get("row_count", 0) for p in chunks)) for vendor, chunks in by_vendor]
    run = RunOutputs(ctx.date, ctx.mode, records, rejects, pending, stats, vendor_parts, eur, ctx.work, opts,
                             timings, started, ctx.state, ctx.workers, chunk_rows=ctx.chunk_rows)
    manifest = outputs.publish(folder, run, Catalogue(store.engine))
    store.record_run(ctx.date, ctx.mode, {k: manifest[k] for k in COUNTS}, sha256_of(manifest),
                     manifest["inputs"])
    delta_cache.store_unchanged_candidates(ctx, manifest["inputs"], rejects, vendor_parts)
    work_area.remove(ctx.work, opts)
    return {"folder": folder.final_path, **{k: manifest[k] for k in COUNTS}}

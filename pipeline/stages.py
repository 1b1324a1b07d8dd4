"""The steps of one run as functions that hand each other small references (URIs), for the CLI and the DAG.

Each step reads what earlier steps wrote to the run's work area (`<out>/.work/<date>/`, see
pipeline.load.work_area) and writes its own result there, so a step may run on any worker and a retried
step simply overwrites its own output. `eprovence run` calls the same steps one after the other.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pipeline.config import RunSettings
from pipeline.parallel import in_processes

log = logging.getLogger("eprovence")
FACT_COLUMNS = ("shelf_life_days", "currency")     # what a vendor's stored results keep of its rows (_vendor_facts)


def _timed(step: Callable) -> Callable:
    """Record the step's duration in the work area (`timings/`), for the manifest's stage_seconds."""
    @functools.wraps(step)
    def timed(ctx: RunContext, *args, **kwargs):
        start = time.perf_counter()
        result = step(ctx, *args, **kwargs)
        from pipeline.load import work_area

        work_area.write_json(f"{ctx.work}/timings/{step.__name__}-{uuid.uuid4().hex[:12]}.json",
                             {step.__name__: time.perf_counter() - start}, ctx.storage_options)
        return result

    return timed


@dataclass(frozen=True)
class RunContext:
    """Where a run reads and writes, and its options; plain data, so it can travel through XCom."""

    intake: str
    out: str
    state: str
    run_date: str                      # YYYY-MM-DD
    mode: str = "full"
    translator: str = "none"
    min_shelf_life_days: int = 180
    storage_options: dict = field(default_factory=dict)
    chunk_rows: int = 50_000           # rows localised, priced and published at a time within a vendor
    workers: int = 1                   # processes for the per-vendor work of localize_rows (memory-only runs),
    #                                    price_and_map and publish_feed

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.run_date)

    @property
    def work(self) -> str:
        from pipeline.load.work_area import work_root

        return work_root(self.out, self.run_date)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@_timed
def discover_inputs(ctx: RunContext) -> list[dict]:
    """The vendor files to process (as small dicts). Files outside vendor folders are recorded in the work
    area as quarantined inputs. In delta mode a vendor whose results an earlier run stored and which nothing
    has changed since (pipeline.load.vendor_cache) has its files marked `cached`: they are not read again.
    Steps only read the URIs they are handed, so leftovers of an earlier attempt are harmless and are overwritten."""
    from pipeline.extract.intake import discover
    from pipeline.load import work_area
    from pipeline.records import stray_record

    files, strays = discover(ctx.intake, ctx.storage_options)
    records = [stray_record(s) for s in strays]
    work_area.write_json(f"{ctx.work}/strays.json", records, ctx.storage_options)
    found = [dataclasses.asdict(f) for f in files]
    if ctx.mode == "delta":
        _mark_unchanged_vendors(ctx, found)
    log.info("discovered %d vendor files (%d unchanged), %d stray files", len(files),
             sum("cached" in f for f in found), len(strays))
    return found


def _mark_unchanged_vendors(ctx: RunContext, files: list[dict]) -> None:
    from pipeline.load import vendor_cache, work_area

    context = _cache_context(ctx)
    rates = work_area.read_json(f"{ctx.work}/rates.json", ctx.storage_options)
    for vendor, group in itertools.groupby(sorted(files, key=lambda f: f["vendor_id"]), key=lambda f: f["vendor_id"]):
        group = list(group)
        key = _vendor_key(ctx, vendor, [(f["path"], f["modified"], _sha256_of(ctx, f)) for f in group], context)
        uri = vendor_cache.entry_uri(ctx.out, vendor)
        entry = (work_area.read_json(f"{uri}/entry.json", ctx.storage_options)
                 if key and work_area.exists(f"{uri}/entry.json", ctx.storage_options) else None)
        if key and vendor_cache.usable(entry, key, ctx.date, rates):
            for f in group:
                f["cached"] = uri


def _cache_context(ctx: RunContext) -> dict:
    """What every vendor's results depend on besides its own files, profile and exchange rates."""
    from pipeline.load import vendor_cache
    from pipeline.load.state import StateStore

    return {"code": vendor_cache.code_fingerprint(), "translator": ctx.translator,
            "min_shelf_life_days": ctx.min_shelf_life_days,
            "memory": vendor_cache.memory_fingerprint(StateStore.open(ctx.state).engine)}


def _vendor_key(ctx: RunContext, vendor: str, files: list[tuple], context: dict) -> str | None:
    """The vendor's cache key, or None when its profile cannot be read."""
    from pipeline.extract.profiles import ProfileError, load_profile
    from pipeline.load import vendor_cache

    try:
        profile = dataclasses.asdict(load_profile(ctx.intake, vendor, ctx.storage_options))
    except ProfileError:
        return None
    return vendor_cache.vendor_key(files, profile, context)


def _sha256_of(ctx: RunContext, file: dict) -> str:
    from pipeline.extract.intake import IntakeFile, file_sha256

    return file_sha256(IntakeFile(**file), ctx.storage_options)


@_timed
def extract_file(ctx: RunContext, file: dict) -> str:
    """Read, map, parse and validate one vendor file; returns the URI of its result folder. A file marked
    `cached` by discover_inputs is not read: its record (status `skipped`) and rejects come from the cache."""
    from pipeline.extract.intake import IntakeFile
    from pipeline.load import work_area

    file = dict(file)
    cached = file.pop("cached", None)
    intake_file = IntakeFile(**file)
    uri = f"{ctx.work}/files/{work_area.short_id(intake_file.path)}"
    return _reuse(ctx, intake_file.path, cached, uri) if cached else _contained_ingest(ctx, intake_file, uri)


def _contained_ingest(ctx: RunContext, intake_file, uri: str) -> str:
    """_ingest in this process's reader child, with the memory and time limits of config/limits.yaml
    (pipeline.extract.containment): a file that stops it is quarantined with the reason, and the run goes on."""
    from pipeline.ingest import prepare_reading

    prepare_reading(RunSettings(ctx.min_shelf_life_days))
    stopped = _reader().run(_ingest, ctx, intake_file, uri)
    if stopped is not None:
        _quarantine(ctx, intake_file, uri, str(stopped))
    return uri


_READERS: dict = {}     # this process's ContainedReader, by limits: its child reads file after file until closed


def _reader():
    from pipeline import config
    from pipeline.extract.containment import ContainedReader, Limits

    limits = Limits.from_config(config.config_file("limits.yaml"))
    if limits not in _READERS:
        close_readers()
        _READERS[limits] = ContainedReader(limits)
    return _READERS[limits]


def close_readers() -> None:
    """End this process's reader child: a run's last file is read (a later run forks one from the state then)."""
    for reader in _READERS.values():
        reader.close()
    _READERS.clear()


def _quarantine(ctx: RunContext, intake_file, uri: str, reason: str) -> None:
    """The result of a file whose reading was stopped: quarantined with `reason`, no rows, no rejects (anything its
    reading wrote before is not listed, so not read)."""
    from pipeline.load import work_area
    from pipeline.records import input_record, quarantined
    from pipeline.transform.rejects import empty_rejects

    work_area.write_json(f"{uri}/valid.json", {"parts": []}, ctx.storage_options)
    work_area.write_frame(f"{uri}/rejects.arrow", empty_rejects(), ctx.storage_options)
    work_area.write_json(f"{uri}/record.json", quarantined(input_record(intake_file), reason), ctx.storage_options)
    log.error("%s: quarantined: %s", intake_file.path, reason)


def _ingest(ctx: RunContext, intake_file, uri: str) -> str:
    from pipeline.ingest import ingest_file  # Great Expectations: imported only when a file is read
    from pipeline.load import work_area

    parts: list[str] = []

    def keep(valid) -> None:
        parts.append(work_area.write_frame(f"{uri}/valid/{len(parts):05d}.arrow", valid, ctx.storage_options))

    result = ingest_file(ctx.intake, intake_file, ctx.date, RunSettings(ctx.min_shelf_life_days),
                         ctx.storage_options, chunk_rows=ctx.chunk_rows, emit=keep)
    # a file is handed on chunk by chunk in SKU order, each SKU once (process_file): so are its parts
    work_area.write_json(f"{uri}/valid.json", {"parts": parts}, ctx.storage_options)
    work_area.write_frame(f"{uri}/rejects.arrow", result.rejects, ctx.storage_options)
    work_area.write_json(f"{uri}/record.json", result.record, ctx.storage_options)
    rec = result.record
    log.info("%s: %s, %d rows, %d rejected, %d valid", rec["path"], rec["status"], rec["rows"],
             rec["rows_rejected"], rec["rows_valid"])
    return uri


def _reuse(ctx: RunContext, path: str, cached: str, uri: str) -> str:
    from pipeline.load import work_area

    opts = ctx.storage_options
    entry = work_area.read_json(f"{cached}/entry.json", opts)
    record = next(r for r in entry["records"] if r["path"] == path)
    record = {**record, "status": "skipped" if record["status"] == "processed" else record["status"]}
    rejects = work_area.read_frame(f"{cached}/rejects.arrow", opts)
    work_area.write_frame(f"{uri}/rejects.arrow", rejects[rejects["source_file"] == path], opts)
    work_area.write_json(f"{uri}/record.json", record, opts)
    log.info("%s: unchanged since %s, skipped", path, entry["run_date"])
    return uri


@_timed
def localize_rows(ctx: RunContext, file_uris: list[str], translator=None) -> str:
    """Localise the valid rows vendor by vendor (newest file wins per SKU); each distinct segment is translated
    once, later vendors find it in the memory. Memory-only runs (translator `none`, no client given) localise
    vendors in `ctx.workers` processes. Returns the URI of the localised parts."""
    from pipeline.extract.translators import make_translator
    from pipeline.load import work_area

    opts = ctx.storage_options
    records = {uri: work_area.read_json(f"{uri}/record.json", opts) for uri in file_uris}
    read = [uri for uri, rec in records.items() if rec["status"] == "processed"]
    vendors = [(vendor, [(uri, records[uri]) for uri in uris]) for vendor, uris in
               itertools.groupby(sorted(read, key=lambda u: records[u]["vendor_id"]),
                                 key=lambda u: records[u]["vendor_id"])]
    if translator is None and ctx.translator == "none":
        done = in_processes(ctx.workers, _localize_vendor, [ctx] * len(vendors), *zip(*vendors, strict=True),
                            costs=[sum(rec.get("rows_valid") or 0 for _, rec in files) for _, files in vendors]
                            ) if vendors else []
    else:
        translator = translator if translator is not None else make_translator(ctx.translator)
        done = [_localize_vendor(ctx, vendor, files, translator) for vendor, files in vendors]
    parts, totals = [], Counter()
    for (vendor, _files), (vendor_parts, stats) in zip(vendors, done, strict=True):
        parts += [{"vendor_id": vendor, "rows": part, "row_count": rows} for part, rows in vendor_parts]
        totals.update(stats)
    if translator is not None:     # its counters run over the whole run, not per vendor
        totals["mt_calls"], totals["mt_chars"] = translator.calls, translator.chars_sent
    for key, count in _segment_counts(ctx, [part["rows"] for part in parts]).items():
        totals[key] = count                                 # the run's distinct segments, not per-chunk sums
    uri = f"{ctx.work}/localized"
    work_area.write_json(f"{uri}/parts.json", parts, opts)
    work_area.write_json(f"{uri}/stats.json", dict(totals), opts)
    return uri


def _segment_counts(ctx: RunContext, part_uris: list[str]) -> dict[str, int]:
    """The run's distinct segments, and how many the glossary and the memory resolved, each segment counted once
    (by how it was first resolved) however many chunks and vendors hold it."""
    import pandas as pd

    from pipeline.load import work_area

    frames = [work_area.read_frame(f"{uri}/segments.arrow", ctx.storage_options) for uri in part_uris]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return {"segments": 0, "glossary_hits": 0, "tm_hits": 0}
    first = pd.concat(frames, ignore_index=True).drop_duplicates(["source_lang", "key"])
    return {"segments": len(first), "glossary_hits": int((first["provider"] == "glossary").sum()),
            "tm_hits": int((first["provider"] == "memory").sum())}


def _localize_vendor(ctx: RunContext, vendor: str, files: list[tuple[str, dict]], translator=None
                     ) -> tuple[list[tuple[str, int]], Counter]:
    """Localise one vendor's valid rows, newest file first per SKU, in SKU order about `ctx.chunk_rows` rows at a
    time; returns the URIs of its parts (at least one) with their rows, and the summed counters."""
    import pandas as pd

    from pipeline.load import work_area
    from pipeline.load.state import StateStore
    from pipeline.load.translation_memory import TranslationMemory
    from pipeline.transform.rejects import concat_rejects

    memory = TranslationMemory(StateStore.open(ctx.state).engine)
    opts = ctx.storage_options
    parts = [work_area.read_json(f"{file_uri}/valid.json", opts)["parts"] for file_uri, _ in files]
    base = f"{ctx.work}/localized/{work_area.short_id(vendor)}"
    superseded: list[pd.DataFrame] = []
    if len(parts) == 1:                                 # one file: its parts are the chunks
        chunks = (work_area.read_frame(uri, opts) for uri in parts[0])
    else:
        chunks = _newest_rows_in_chunks(ctx, parts, [record for _, record in files], superseded)
    uris, totals = [], Counter()
    for n, rows in enumerate(chunks):
        uri = f"{base}/{n:05d}"
        totals.update(_localize_chunk(rows, memory, translator, uri, opts))
        uris.append((uri, len(rows)))
    if not uris:                        # a vendor without a valid row still has one (empty) part
        uris.append((f"{base}/00000", 0))
        _localize_chunk(pd.DataFrame(), memory, translator, uris[0][0], opts)
    work_area.write_frame(f"{base}/superseded.arrow", concat_rejects(superseded), opts)
    return uris, totals


def _newest_rows_in_chunks(ctx: RunContext, parts: list[list[str]], records: list[dict],
                           superseded: list) -> Iterator:
    """The valid rows of a vendor's files (`parts` of each, in SKU order), the newest file winning per SKU, in SKU
    order and cut into chunks of `ctx.chunk_rows`, read a part of each file at a time; the superseded rows'
    rejects are added to `superseded` as they are found."""
    import pandas as pd

    from pipeline.load import work_area
    from pipeline.transform.supersede import newest_in_sku_order

    ranked = sorted(records, key=lambda r: (r.get("modified") or "", r["path"]))
    files = [(work_area.read_frame(uri, ctx.storage_options) for uri in uris) for uris in parts]
    held, count = [], 0
    for rows, found in newest_in_sku_order(files, {r["path"]: n for n, r in enumerate(ranked)}):
        superseded.append(found)
        held.append(rows)
        count += len(rows)
        while count >= ctx.chunk_rows:
            joined = pd.concat(held, ignore_index=True)
            yield joined.iloc[:ctx.chunk_rows]
            held, count = [joined.iloc[ctx.chunk_rows:]], len(joined) - ctx.chunk_rows
    if count:
        yield pd.concat(held, ignore_index=True)


def _localize_chunk(rows, memory, translator, uri: str, opts: dict) -> dict:
    import pandas as pd

    from pipeline.load import work_area
    from pipeline.localize import Localized, localize
    from pipeline.transform.localize import pending_table

    if rows.empty:
        localized = Localized(rows, pending_table(pd.DataFrame(columns=["target"]), rows, "zh-CN"))
    else:
        localized = localize(rows.reset_index(drop=True), memory, translator)
    work_area.write_frame(f"{uri}/rows.arrow", localized.frame, opts)
    work_area.write_frame(f"{uri}/pending.arrow", localized.pending, opts)
    work_area.write_frame(f"{uri}/segments.arrow", localized.segments.astype(object), opts)
    return {k: v for k, v in localized.stats.items() if isinstance(v, int)}


@_timed
def refresh_rates(ctx: RunContext) -> str:
    """The ECB rates of the run's date for every currency, refreshed from the ECB when reachable (unless
    EPROVENCE_ECB_REFRESH=0); raises StaleRate when the euro's newest rate is older than the limit."""
    import os

    from pipeline import config
    from pipeline.extract.ecb_rates import load_rate_history
    from pipeline.load import work_area
    from pipeline.transform.fx import rates_of_day, to_record

    work_area.remove(f"{ctx.work}/timings", ctx.storage_options)     # the first step: timings start afresh
    settings = config.config_file("fx.yaml")
    history = load_rate_history(refresh=os.environ.get("EPROVENCE_ECB_REFRESH", "1") != "0")
    rates = rates_of_day(history, ctx.date, settings["quote"], settings["max_age_days"])
    eur = rates["EUR"]
    log.info("EUR/%s %s of %s (%s); %d currencies usable", eur.quote, eur.rate, eur.rate_date, eur.source,
             len(rates))
    return work_area.write_json(f"{ctx.work}/rates.json", {c: to_record(r) for c, r in rates.items()},
                                ctx.storage_options)


@_timed
def price_and_map(ctx: RunContext, localized_uri: str, rates_uri: str) -> str:
    """Classify, price in CNY and compose the listings of every localised row, part by part (in `ctx.workers`
    processes); rows whose currency has no usable rate are rejected. Returns the URI of the listings folder."""
    from pipeline.load import work_area

    opts = ctx.storage_options
    rates = work_area.read_json(rates_uri, opts)
    parts = work_area.read_json(f"{localized_uri}/parts.json", opts)
    parts = in_processes(ctx.workers, _price_part, [ctx] * len(parts), [rates] * len(parts), parts,
                         costs=[part.get("row_count", 0) for part in parts])
    uri = f"{ctx.work}/listings"
    work_area.write_json(f"{uri}/parts.json", parts, opts)
    return uri


def _price_part(ctx: RunContext, rate_records: dict, part: dict) -> dict:
    from pipeline.listings import make_listings
    from pipeline.load import work_area
    from pipeline.transform.fx import from_record

    opts = ctx.storage_options
    rates = {c: from_record(r) for c, r in rate_records.items()}
    listings, rejects = make_listings(work_area.read_frame(f"{part['rows']}/rows.arrow", opts), rates)
    work_area.write_frame(f"{part['rows']}/listings.arrow", listings, opts)
    work_area.write_frame(f"{part['rows']}/no_rate.arrow", rejects, opts)
    log.info("%s: priced and mapped %d listings; %d rows rejected for want of an exchange rate",
             part["vendor_id"], len(listings), len(rejects))
    return {**part, "listings": f"{part['rows']}/listings.arrow"}


def publish_feed(ctx: RunContext, file_uris: list[str], localized_uri: str, listings_uri: str,
                 rates_uri: str) -> dict:
    """Write `<out>/<date>/` atomically from the work area; record the run in the state store and store each
    fully published vendor's results for later delta runs."""
    from pipeline.load import outputs, work_area
    from pipeline.load.catalogue import Catalogue
    from pipeline.load.publish import FeedFolder
    from pipeline.load.state import StateStore
    from pipeline.transform.rejects import concat_rejects

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
    pending = outputs.merge_pending([work_area.read_frame(f"{p['rows']}/pending.arrow", opts) for p in parts])
    stats = {**work_area.read_json(f"{localized_uri}/stats.json", opts), "pending": len(pending)}  # distinct segments
    eur = work_area.read_json(rates_uri, opts)["EUR"]
    timings = work_area.sum_json_numbers(f"{ctx.work}/timings", opts)
    folder = FeedFolder(ctx.out, ctx.run_date, opts)
    store = StateStore.open(ctx.state)
    by_vendor = [(vendor, list(chunks)) for vendor, chunks in itertools.groupby(parts, key=lambda p: p["vendor_id"])]
    vendor_parts = [outputs.VendorPart(vendor, [(f"{p['rows']}/rows.arrow", p["listings"]) for p in chunks],
                                       sum(p.get("row_count", 0) for p in chunks)) for vendor, chunks in by_vendor]
    run = outputs.RunOutputs(ctx.date, ctx.mode, records, rejects, pending, stats, vendor_parts, eur, ctx.work, opts,
                             timings, started, ctx.state, ctx.workers, chunk_rows=ctx.chunk_rows)
    manifest = outputs.publish(folder, run, Catalogue(store.engine))
    store.record_run(
        ctx.date, ctx.mode, {k: manifest[k] for k in ("rows_in", "rows_published", "rows_rejected", "rows_pending")},
        outputs.sha256_of(manifest), manifest["inputs"])
    _store_unchanged_candidates(ctx, manifest["inputs"], rejects, vendor_parts)
    work_area.remove(ctx.work, opts)
    return {"folder": folder.final_path, **{k: manifest[k] for k in
                                             ("rows_in", "rows_published", "rows_rejected", "rows_pending")}}


def _store_unchanged_candidates(ctx: RunContext, inputs: list[dict], rejects, parts: list) -> None:
    """Store the results of each vendor this run read in full and left nothing pending, for later delta runs."""
    from pipeline.load import vendor_cache, work_area

    context = _cache_context(ctx)
    opts = ctx.storage_options
    rates = work_area.read_json(f"{ctx.work}/rates.json", opts)
    for vendor, group in itertools.groupby(sorted((r for r in inputs if r["vendor_id"]), key=lambda r: r["vendor_id"]),
                                           key=lambda r: r["vendor_id"]):
        group = list(group)
        if any(r["status"] == "skipped" for r in group) or any(r["rows_pending"] for r in group) \
                or any(r["sha256"] is None for r in group):
            continue
        key = _vendor_key(ctx, vendor, [(r["path"], r.get("modified", ""), r["sha256"]) for r in group], context)
        if key is None:
            continue
        uri = vendor_cache.entry_uri(ctx.out, vendor)
        row_uris = [rows for part in parts if part.vendor_id == vendor for rows, _ in part.chunks]
        stable_until, currencies = _vendor_facts(ctx, row_uris)
        work_area.write_frame(f"{uri}/rejects.arrow", rejects[rejects["vendor_id"] == vendor], opts)
        work_area.write_json(f"{uri}/entry.json", {
            "key": key, "vendor_id": vendor, "run_date": ctx.run_date, "records": group, "stable_until": stable_until,
            "rates": {c: rates.get(c) for c in currencies}}, opts)


def _vendor_facts(ctx: RunContext, row_uris: list[str]) -> tuple[str | None, list[str]]:
    """(the last date the vendor's shelf-life checks give what they gave today, the currencies of its rows)."""
    import pyarrow.compute as pc

    from pipeline.load import vendor_cache, work_area

    days, currencies = [], set()
    for uri in row_uris:
        names = set(work_area.read_schema(uri, ctx.storage_options).names)
        table = work_area.read_table(uri, ctx.storage_options, [c for c in FACT_COLUMNS if c in names])  # only these
        if "shelf_life_days" in names:                  # only the shortest shelf life matters
            days.append(pc.min(table["shelf_life_days"]).as_py())
        currencies |= set(pc.unique(table["currency"]).drop_null().to_pylist()) if "currency" in names else set()
    return vendor_cache.stable_until(ctx.date, days, ctx.min_shelf_life_days), sorted(currencies)

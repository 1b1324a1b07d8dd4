"""The steps of one run as functions that hand each other small references (URIs), for the CLI and the DAG.

Each step reads what earlier steps wrote to the run's work area (`<out>/.work/<date>/`, see
pipeline.load.work_area) and writes its own result there, so a step may run on any worker and a retried
step simply overwrites its own output. `eprovence run` calls the same steps one after the other.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.config import RunSettings

log = logging.getLogger("eprovence")


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
    area as quarantined inputs. Steps only read the URIs they are handed, so leftovers of an earlier
    attempt are harmless and are overwritten."""
    from pipeline.extract.intake import discover
    from pipeline.load import work_area
    from pipeline.records import stray_record

    files, strays = discover(ctx.intake, ctx.storage_options)
    records = [stray_record(s) for s in strays]
    work_area.write_json(f"{ctx.work}/strays.json", records, ctx.storage_options)
    log.info("discovered %d vendor files, %d stray files", len(files), len(strays))
    return [dataclasses.asdict(f) for f in files]


@_timed
def extract_file(ctx: RunContext, file: dict) -> str:
    """Read, map, parse and validate one vendor file; returns the URI of its result folder."""
    from pipeline.extract.intake import IntakeFile
    from pipeline.ingest import ingest_file
    from pipeline.load import work_area

    intake_file = IntakeFile(**file)
    result = ingest_file(ctx.intake, intake_file, ctx.date, RunSettings(ctx.min_shelf_life_days),
                         ctx.storage_options)
    uri = f"{ctx.work}/files/{hashlib.sha256(intake_file.path.encode()).hexdigest()[:16]}"
    work_area.write_frame(f"{uri}/valid.parquet", result.valid, ctx.storage_options)
    work_area.write_frame(f"{uri}/rejects.parquet", result.rejects, ctx.storage_options)
    work_area.write_json(f"{uri}/record.json", result.record, ctx.storage_options)
    rec = result.record
    log.info("%s: %s, %d rows, %d rejected, %d valid", rec["path"], rec["status"], rec["rows"],
             rec["rows_rejected"], rec["rows_valid"])
    return uri


@_timed
def localize_rows(ctx: RunContext, file_uris: list[str], translator=None) -> str:
    """Localise the valid rows of every file at once (each distinct segment once across vendors)."""
    import pandas as pd

    from pipeline.extract.translators import make_translator
    from pipeline.load import work_area
    from pipeline.load.state import StateStore
    from pipeline.load.translation_memory import TranslationMemory
    from pipeline.localize import localize
    from pipeline.transform.supersede import newest_wins

    frames = [work_area.read_frame(f"{uri}/valid.parquet", ctx.storage_options) for uri in file_uris]
    frames = [f for f in frames if not f.empty]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    records = [work_area.read_json(f"{uri}/record.json", ctx.storage_options) for uri in file_uris]
    order = {r["path"]: n for n, r in enumerate(sorted(records, key=lambda r: (r.get("modified") or "", r["path"])))}
    rows, superseded = newest_wins(rows, order)
    memory = TranslationMemory(StateStore.open(ctx.state).engine)
    translator = translator if translator is not None else make_translator(ctx.translator)
    if rows.empty:
        from pipeline.transform.localize import pending_table

        result_frame, pending, stats = rows, pending_table(pd.DataFrame(columns=["target"]), rows, "zh-CN"), {}
    else:
        localized = localize(rows, memory, translator)
        result_frame, pending, stats = localized.frame, localized.pending, localized.stats
    uri = f"{ctx.work}/localized"
    work_area.write_frame(f"{uri}/rows.parquet", result_frame, ctx.storage_options)
    work_area.write_frame(f"{uri}/pending.parquet", pending, ctx.storage_options)
    work_area.write_json(f"{uri}/stats.json", stats, ctx.storage_options)
    work_area.write_frame(f"{uri}/rejects.parquet", superseded, ctx.storage_options)
    return uri


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
    """Classify, price in CNY and compose the listings of every localised row; rows whose currency has no
    usable rate are rejected. Returns the URI of the listings folder."""
    from pipeline.listings import make_listings
    from pipeline.load import work_area
    from pipeline.transform.fx import from_record

    opts = ctx.storage_options
    rows = work_area.read_frame(f"{localized_uri}/rows.parquet", opts)
    rates = {c: from_record(r) for c, r in work_area.read_json(rates_uri, opts).items()}
    listings, rejects = make_listings(rows, rates)
    uri = f"{ctx.work}/listings"
    work_area.write_frame(f"{uri}/listings.parquet", listings, opts)
    work_area.write_frame(f"{uri}/rejects.parquet", rejects, opts)
    log.info("priced and mapped %d listings; %d rows rejected for want of an exchange rate", len(listings),
             len(rejects))
    return uri


def publish_feed(ctx: RunContext, file_uris: list[str], localized_uri: str, listings_uri: str,
                 rates_uri: str) -> dict:
    """Write `<out>/<date>/` atomically from the work area; record the run in the state store."""
    from pipeline.load import outputs, work_area
    from pipeline.load.catalogue import Catalogue
    from pipeline.load.publish import FeedFolder
    from pipeline.load.state import StateStore

    opts = ctx.storage_options
    records = [work_area.read_json(f"{uri}/record.json", opts) for uri in file_uris]
    records += work_area.read_json(f"{ctx.work}/strays.json", opts)
    rejects = [work_area.read_frame(f"{uri}/rejects.parquet", opts)
               for uri in [*file_uris, localized_uri, listings_uri]]
    localized = work_area.read_frame(f"{localized_uri}/rows.parquet", opts)
    pending = work_area.read_frame(f"{localized_uri}/pending.parquet", opts)
    stats = work_area.read_json(f"{localized_uri}/stats.json", opts)
    listings = work_area.read_frame(f"{listings_uri}/listings.parquet", opts)
    eur = work_area.read_json(rates_uri, opts)["EUR"]
    timings = work_area.sum_json_numbers(f"{ctx.work}/timings", opts)
    folder = FeedFolder(ctx.out, ctx.run_date, opts)
    store = StateStore.open(ctx.state)
    manifest = outputs.publish(folder, outputs.RunOutputs(ctx.date, ctx.mode, records, rejects, localized,
                                                          pending, stats, listings, eur, timings),
                               Catalogue(store.engine))
    store.record_run(
        ctx.date, ctx.mode, {k: manifest[k] for k in ("rows_in", "rows_published", "rows_rejected", "rows_pending")},
        outputs.sha256_of(manifest), manifest["inputs"])
    work_area.remove(ctx.work, opts)
    return {"folder": folder.final_path, **{k: manifest[k] for k in
                                             ("rows_in", "rows_published", "rows_rejected", "rows_pending")}}

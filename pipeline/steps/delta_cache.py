"""What delta runs reuse: a vendor whose files, profile, exchange rates, code, config and translation memory are
unchanged since a run stored its results is not read again; its stored records and rejects stand in for a reading
(the entries themselves are kept by pipeline.load.vendor_cache)."""
from __future__ import annotations

import dataclasses
import itertools
import logging

import pandas as pd
import pyarrow.compute as pc

from pipeline.extract.intake import IntakeFile, file_sha256
from pipeline.extract.profiles import ProfileError, load_profile
from pipeline.load import vendor_cache, work_area
from pipeline.load.state import StateStore
from pipeline.steps.run_context import RunContext

log = logging.getLogger("eprovence")
FACT_COLUMNS = ("shelf_life_days", "currency")     # what a vendor's stored results keep of its rows (_vendor_facts)


def mark_unchanged_vendors(ctx: RunContext, files: list[dict]) -> None:
    """Mark `cached` (with the URI of its stored results) each file of a vendor that nothing has changed since."""
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


def reuse_file_results(ctx: RunContext, path: str, cached: str, uri: str) -> str:
    """The result folder of a file marked `cached`: its stored record (status `skipped`) and rejects."""
    opts = ctx.storage_options
    entry = work_area.read_json(f"{cached}/entry.json", opts)
    record = next(r for r in entry["records"] if r["path"] == path)
    record = {**record, "status": "skipped" if record["status"] == "processed" else record["status"]}
    rejects = work_area.read_frame(f"{cached}/rejects.arrow", opts)
    work_area.write_frame(f"{uri}/rejects.arrow", rejects[rejects["source_file"] == path], opts)
    work_area.write_json(f"{uri}/record.json", record, opts)
    log.info("%s: unchanged since %s, skipped", path, entry["run_date"])
    return uri


def store_unchanged_candidates(ctx: RunContext, inputs: list[dict], rejects: pd.DataFrame, parts: list) -> None:
    """Store the results of each vendor this run read in full and left nothing pending, for later delta runs."""
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


def _cache_context(ctx: RunContext) -> dict:
    """What every vendor's results depend on besides its own files, profile and exchange rates."""
    return {"code": vendor_cache.code_fingerprint(), "translator": ctx.translator,
            "min_shelf_life_days": ctx.min_shelf_life_days,
            "memory": vendor_cache.memory_fingerprint(StateStore.open(ctx.state).engine)}


def _vendor_key(ctx: RunContext, vendor: str, files: list[tuple], context: dict) -> str | None:
    """The vendor's cache key, or None when its profile cannot be read."""
    try:
        profile = dataclasses.asdict(load_profile(ctx.intake, vendor, ctx.storage_options))
    except ProfileError:
        return None
    return vendor_cache.vendor_key(files, profile, context)


def _sha256_of(ctx: RunContext, file: dict) -> str:
    return file_sha256(IntakeFile(**file), ctx.storage_options)


def _vendor_facts(ctx: RunContext, row_uris: list[str]) -> tuple[str | None, list[str]]:
    """(the last date the vendor's shelf-life checks give what they gave today, the currencies of its rows)."""
    days, currencies = [], set()
    for uri in row_uris:
        names = set(work_area.read_schema(uri, ctx.storage_options).names)
        table = work_area.read_table(uri, ctx.storage_options, [c for c in FACT_COLUMNS if c in names])  # only these
        if "shelf_life_days" in names:                  # only the shortest shelf life matters
            days.append(pc.min(table["shelf_life_days"]).as_py())
        currencies |= set(pc.unique(table["currency"]).drop_null().to_pylist()) if "currency" in names else set()
    return vendor_cache.stable_until(ctx.date, days, ctx.min_shelf_life_days), sorted(currencies)

"""The discover_inputs step: the vendor files of the intake, and the stray files beside them."""
from __future__ import annotations

import dataclasses
import logging

from pipeline.extract.intake import discover
from pipeline.load import work_area
from pipeline.records import stray_record
from pipeline.steps import delta_cache
from pipeline.steps.run_context import RunContext, timed

log = logging.getLogger("eprovence")


@timed
def discover_inputs(ctx: RunContext) -> list[dict]:
    """The vendor files to process (as small dicts). Files outside vendor folders are recorded in the work
    area as quarantined inputs. In delta mode a vendor whose results an earlier run stored and which nothing
    has changed since (pipeline.steps.delta_cache) has its files marked `cached`: they are not read again.
    Steps only read the URIs they are handed, so leftovers of an earlier attempt are harmless and are overwritten."""
    files, strays = discover(ctx.intake, ctx.storage_options)
    records = [stray_record(s) for s in strays]
    work_area.write_json(f"{ctx.work}/strays.json", records, ctx.storage_options)
    found = [dataclasses.asdict(f) for f in files]
    if ctx.mode == "delta":
        delta_cache.mark_unchanged_vendors(ctx, found)
    log.info("discovered %d vendor files (%d unchanged), %d stray files", len(files),
             sum("cached" in f for f in found), len(strays))
    return found

"""The price_and_map step: localised rows → Tmall listings (category, CNY price, CBEC, title, description), part by
part; rows whose currency has no usable rate are rejected."""
from __future__ import annotations

import logging

import pandas as pd

from pipeline import config
from pipeline.load import work_area
from pipeline.parallel import in_processes
from pipeline.steps.run_context import RunContext, timed
from pipeline.transform.categories import classify
from pipeline.transform.fx import FxRate, from_record
from pipeline.transform.listing import build_listings
from pipeline.transform.pricing import active_policy, price_listings
from pipeline.transform.rejects import empty_rejects, make_rejects

log = logging.getLogger("eprovence")


@timed
def price_and_map(ctx: RunContext, localized_uri: str, rates_uri: str) -> str:
    """Classify, price in CNY and compose the listings of every localised row, part by part (in `ctx.workers`
    processes). Returns the URI of the listings folder."""
    opts = ctx.storage_options
    rates = work_area.read_json(rates_uri, opts)
    parts = work_area.read_json(f"{localized_uri}/parts.json", opts)
    parts = in_processes(ctx.workers, _price_part, [ctx] * len(parts), [rates] * len(parts), parts,
                         costs=[part.get("row_count", 0) for part in parts])
    uri = f"{ctx.work}/listings"
    work_area.write_json(f"{uri}/parts.json", parts, opts)
    return uri


def make_listings(rows: pd.DataFrame, rates: dict[str, FxRate]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(listings of every row ready to publish, rejects of rows whose currency has no usable rate)."""
    if rows.empty or "pending_reason" not in rows:
        return pd.DataFrame(), empty_rejects()
    waiting = rows["pending_reason"].notna()
    ready = rows[~waiting] if waiting.any() else rows
    no_rate = ~ready["currency"].isin(list(rates))
    if no_rate.any():
        rejects, ready = make_rejects(ready[no_rate], field="currency", rule="currency_no_rate",
                                      settings=config.settings()), ready[~no_rate]
    else:
        rejects = empty_rejects()
    if ready.empty:
        return pd.DataFrame(), rejects
    settings = config.settings()
    classified = classify(ready, settings.config("categories.yaml"))
    priced = price_listings(classified, rates, vat=settings.config("vat.yaml"), cbec=settings.config("cbec.yaml"),
                            policy=active_policy(settings.config("pricing.yaml")))
    listings = build_listings(priced, settings)
    return listings.reset_index(drop=True), rejects


def _price_part(ctx: RunContext, rate_records: dict, part: dict) -> dict:
    opts = ctx.storage_options
    rates = {c: from_record(r) for c, r in rate_records.items()}
    listings, rejects = make_listings(work_area.read_frame(f"{part['rows']}/rows.arrow", opts), rates)
    work_area.write_frame(f"{part['rows']}/listings.arrow", listings, opts)
    work_area.write_frame(f"{part['rows']}/no_rate.arrow", rejects, opts)
    log.info("%s: priced and mapped %d listings; %d rows rejected for want of an exchange rate",
             part["vendor_id"], len(listings), len(rejects))
    return {**part, "listings": f"{part['rows']}/listings.arrow"}

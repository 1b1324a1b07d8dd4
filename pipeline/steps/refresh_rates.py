"""The refresh_rates step: the ECB rates of the run's date, for every currency."""
from __future__ import annotations

import logging
import os

from pipeline import config
from pipeline.extract.ecb_rates import load_rate_history
from pipeline.load import work_area
from pipeline.steps.run_context import RunContext, timed
from pipeline.transform.fx import rates_of_day, to_record

log = logging.getLogger("eprovence")


@timed
def refresh_rates(ctx: RunContext) -> str:
    """The ECB rates of the run's date for every currency, refreshed from the ECB when reachable (unless
    EPROVENCE_ECB_REFRESH=0); raises StaleRate when the euro's newest rate is older than the limit."""
    work_area.remove(f"{ctx.work}/timings", ctx.storage_options)     # the first step: timings start afresh
    settings = config.config_file("fx.yaml")
    history = load_rate_history(refresh=os.environ.get("EPROVENCE_ECB_REFRESH", "1") != "0")
    rates = rates_of_day(history, ctx.date, settings["quote"], settings["max_age_days"])
    eur = rates["EUR"]
    log.info("EUR/%s %s of %s (%s); %d currencies usable", eur.quote, eur.rate, eur.rate_date, eur.source,
             len(rates))
    return work_area.write_json(f"{ctx.work}/rates.json", {c: to_record(r) for c, r in rates.items()},
                                ctx.storage_options)

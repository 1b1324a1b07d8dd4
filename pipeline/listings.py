"""The price-and-map step: localised rows → Tmall listings (category, CNY price, CBEC, title, description)."""
from __future__ import annotations

import pandas as pd

from pipeline import config
from pipeline.transform.categories import category_rules, classify
from pipeline.transform.fx import FxRate
from pipeline.transform.listing import build_listings, output_profile
from pipeline.transform.pricing import active_policy, price_listings
from pipeline.transform.rejects import empty_rejects, make_rejects


def make_listings(rows: pd.DataFrame, rates: dict[str, FxRate]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(listings of every row ready to publish, rejects of rows whose currency has no usable rate)."""
    if rows.empty or "pending_reason" not in rows:
        return pd.DataFrame(), empty_rejects()
    waiting = rows["pending_reason"].notna()
    ready = rows[~waiting] if waiting.any() else rows
    no_rate = ~ready["currency"].isin(list(rates))
    if no_rate.any():
        rejects, ready = make_rejects(ready[no_rate], field="currency", rule="currency_no_rate"), ready[~no_rate]
    else:
        rejects = empty_rejects()
    if ready.empty:
        return pd.DataFrame(), rejects
    classified = classify(ready, category_rules())
    priced = price_listings(classified, rates, vat=config.config_file("vat.yaml"),
                            cbec=config.config_file("cbec.yaml"),
                            policy=active_policy(config.config_file("pricing.yaml")))
    listings = build_listings(priced, output_profile())
    return listings.reset_index(drop=True), rejects

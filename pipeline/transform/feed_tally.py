"""What the manifest says about a run's listings (counts, changes, categories, warnings), added up chunk by chunk
and vendor by vendor."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

NAMED_WARNINGS = 20             # products named one by one in the warnings, before they are only counted


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

    def warnings(self, title_max_bytes: int) -> list[str]:
        """What merchandisers should look at; products are named one by one up to NAMED_WARNINGS, then counted
        (`title_max_bytes`: the output profile's title limit, which shortened titles were cut to)."""
        warnings = list(self.over_limit)
        if self.over_limit_count > len(self.over_limit):
            warnings.append(f"cbec_over_limit: {self.over_limit_count - len(self.over_limit)} more listings above "
                            f"the single-transaction limit (column cbec_over_limit of tmall_upload.parquet)")
        unmapped = self.listings - self.mapped
        if unmapped:
            warnings.append(f"category: {unmapped} listings have no Tmall category (cid 0); add a rule to "
                            f"config/categories.yaml")
        if self.truncated:
            warnings.append(f"title: {self.truncated} titles were shortened to fit {title_max_bytes} GBK bytes")
        return sorted(warnings)

    def categories(self) -> dict:
        share = round(self.mapped / self.listings, 4) if self.listings else None
        return {"mapped": self.mapped, "unmapped": self.listings - self.mapped, "share": share}

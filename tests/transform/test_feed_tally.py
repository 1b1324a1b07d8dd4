"""pipeline/transform/feed_tally.py: what the manifest says of the listings, named then counted."""
import pandas as pd

from pipeline.transform.feed_tally import Tally


def _listings(over: int, total: int = 30, truncated: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"vendor_id": "v", "sku": [f"S{i:02d}" for i in range(total)],
                         "price_cny": ["6000.00"] * total, "cbec_over_limit": [i < over for i in range(total)],
                         "category_mapped": [i != 0 for i in range(total)],
                         "title_truncated": [i < truncated for i in range(total)], "source_file": "v/tarifs.csv"})


def _warnings(listings: pd.DataFrame, named: int = 20, title_max_bytes: int = 60) -> list[str]:
    tally = Tally()
    tally.add_listings(listings, named)
    return tally.warnings(title_max_bytes)


def test_over_limit_listings_are_named_then_counted():
    warnings = _warnings(_listings(over=25), named=20)
    assert sum(w.startswith("cbec_over_limit: v/S") for w in warnings) == 20
    assert "cbec_over_limit: 5 more listings above the single-transaction limit" in " ".join(warnings)
    assert any(w.startswith("category: 1 listings") for w in warnings)


def test_nothing_to_say_says_nothing():
    frame = _listings(over=0).assign(category_mapped=True)
    assert _warnings(frame) == []


def test_shortened_titles_are_said_with_the_profiles_limit():
    frame = _listings(over=0, truncated=3).assign(category_mapped=True)
    assert _warnings(frame, title_max_bytes=42) == ["title: 3 titles were shortened to fit 42 GBK bytes"]


def test_two_vendors_tallies_add_up_and_keep_the_first_named():
    first, second = Tally(), Tally()
    first.add_listings(_listings(over=15, total=20))
    second.add_listings(_listings(over=10, total=20).assign(vendor_id="w"))
    first.merge(second)
    assert (first.listings, first.over_limit_count, first.mapped) == (40, 25, 38)
    named = [w for w in first.warnings(60) if w.startswith("cbec_over_limit: ") and "/S" in w]
    assert len(named) == 20 and sum(w.startswith("cbec_over_limit: v/") for w in named) == 15

"""Which of a sheet's price columns gives its price: ranked by config/price_preference.yaml (kind, then VAT
basis, then position); two columns whose headers do not tell them apart are told apart by their values: a steady
ratio of 1 + a French VAT rate makes an HT / TTC pair, another steady ratio a wholesale / retail pair.
"""
from __future__ import annotations

import statistics
from dataclasses import replace
from decimal import Decimal

import pandas as pd

from pipeline.transform.column_plan import Source
from pipeline.transform.money import parse_money
from pipeline.transform.reading_tables import ReadingTables

KIND_OF_BASIS = {False: "excl", True: "incl", None: "unknown"}
PAIR_TOLERANCE = Decimal("0.005")         # relative: TTC / HT within 0.5 % of 1 + a VAT rate
STEADY_SHARE = 0.8                        # rows whose ratio of two prices is the usual one, to call it steady


def rank_prices(sources: list[Source], sample: pd.DataFrame, tables: ReadingTables) -> list[Source]:
    """The price columns in order of preference; the first is the price, the next ones (same kind, another basis)
    fill its empty rows. Two columns whose headers do not tell them apart are told apart by their values."""
    sources = _told_apart(sources, sample, tables)
    kinds, basis = list(tables.preference["kinds"]), list(tables.preference["basis"])
    ranked = sorted(sources, key=lambda s: (kinds.index(s.kind or "regular"),
                                            basis.index(KIND_OF_BASIS[s.includes_vat]), sources.index(s)))
    chosen = ranked[0]
    same_kind = [s for s in ranked[1:] if s.kind == chosen.kind and s.method != "content"]
    return [chosen, *[s if s.includes_vat != chosen.includes_vat else replace(s, checked=True) for s in same_kind]]


def _told_apart(sources: list[Source], sample: pd.DataFrame, tables: ReadingTables) -> list[Source]:
    """Sources of the same kind and unknown basis, taken two by two in sheet order: when the second is steadily
    1 + a VAT rate times the first, they are HT and TTC; when steadily more, wholesale and retail."""
    undetermined = [s for s in sources if s.includes_vat is None and (s.kind or "regular") == "regular"]
    if len(undetermined) != 2:
        return sources
    first, second = undetermined
    ratio = _steady_ratio(sample[first.columns[0]], sample[second.columns[0]], tables)
    if ratio is None or ratio == 1:
        return sources
    low, high = (first, second) if ratio > 1 else (second, first)
    ratio = max(ratio, 1 / ratio)
    if any(abs(ratio - (1 + rate)) <= PAIR_TOLERANCE * (1 + rate) for rate in tables.vat_rates):
        told = {low: replace(low, includes_vat=False), high: replace(high, includes_vat=True)}
    else:
        told = {low: replace(low, kind="wholesale", includes_vat=False),
                high: replace(high, kind="retail", includes_vat=True)}
    return [replace(told.get(s, s), confidence=min(s.confidence, 0.6)) if s in told else s for s in sources]


def _steady_ratio(first: pd.Series, second: pd.Series, tables: ReadingTables) -> Decimal | None:
    """The usual ratio second / first over rows with both prices, when most rows share it (within 2 %)."""
    a, b = parse_money(first, tables.values)["amount"], parse_money(second, tables.values)["amount"]
    ratios = [y / x for x, y in zip(a, b, strict=True)
              if isinstance(x, Decimal) and isinstance(y, Decimal) and x > 0 and y > 0]
    if len(ratios) < 2:
        return None
    usual = statistics.median(ratios)
    steady = sum(1 for r in ratios if abs(r - usual) <= usual * Decimal("0.02"))
    return usual if steady >= STEADY_SHARE * len(ratios) else None

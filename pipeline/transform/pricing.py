"""Prices in CNY: French VAT taken out of VAT-inclusive prices, the ECB rate applied, one ROUND_HALF_UP to
0.01 CNY at the end, the optional pricing policy, and the CBEC import tax estimate with its limit flag.

Per distinct (price, currency, price_includes_vat, product_class, net_content, net_unit), in a 34-digit
decimal context:
    price_cny = round_half_up_0.01( price × quote_per_eur × (1 + markup_pct/100)
                                    / ((1 + vat_rate) × base_per_eur) )
Every factor is exact (the vendor's price, the ECB rates as published, the configured rates), the products
stay far below 34 digits, and the only division comes last: so nothing is rounded before the final
ROUND_HALF_UP, which therefore also decides exact halves (x.xx5) correctly. base_per_eur is 1 for EUR;
for other currencies quote_per_eur / base_per_eur is the cross rate (pipeline.transform.fx).
Then, with a policy (config/pricing.yaml), the price ending and the bounds.

Recorded columns: export_price = price / (1 + vat_rate) (unrounded, 34 digits; the price itself when
VAT-exclusive); fx_rate = the rate rounded to 10 significant digits for reading (EUR rates are shown
exactly as published); cbec_tax_rate = (consumption_tax + vat) × share / (1 − consumption_tax) from
config/cbec.yaml, exact to 34 digits (23.0588…% for high-end cosmetics); cbec_tax_cny = price_cny ×
cbec_tax_rate rounded once HALF_UP to 0.01; cbec_over_limit = price_cny above the single-transaction
limit (such listings are kept: marketplace-facts §4).

Defaults: a row without product_class takes each table's `default_class` (config/vat.yaml, config/cbec.yaml:
"other", 20 % VAT and 9.1 % CBEC); price_includes_vat NA is read as VAT-exclusive (DESIGN.md: a plain price
is HT). A cosmetic without a net content in g or ml is priced per piece for the high-end test.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from pipeline.transform.fx import FxRate

PRICE_KEYS = ["price", "currency", "price_includes_vat", "product_class", "net_content", "net_unit"]
CHAIN_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)   # traps invalid operations, division by zero
CENT = Decimal("0.01")
PIECE = "piece"
PRICED_COLUMNS = ["source_price", "source_currency", "vat_rate", "export_price", "fx_rate", "fx_date",
                  "fx_source", "price_cny", "pricing_policy", "cbec_tax_rate", "cbec_tax_cny",
                  "cbec_over_limit"]


@dataclass(frozen=True)
class CbecClass:
    """One product class of config/cbec.yaml, its rates computed."""

    rate: Decimal
    high_end_rate: Decimal | None = None
    high_end_min_price: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)  # per g / ml / piece


@dataclass(frozen=True)
class PricingPolicy:
    """The `policy` section of config/pricing.yaml (keys explained there)."""

    name: str
    markup_pct: Decimal = Decimal(0)
    ending: Decimal | None = None
    ending_step: Decimal = Decimal(1)
    min_price_cny: Decimal | None = None
    max_price_cny: Decimal | None = None


def active_policy(pricing_config: Mapping[str, Any]) -> dict | None:
    """config/pricing.yaml's policy when it is enabled, else None."""
    return pricing_config["policy"] if pricing_config.get("enabled") else None


def price_listings(frame: pd.DataFrame, rates: Mapping[str, FxRate], *, vat: dict, cbec: dict,
                   policy: dict | None = None) -> pd.DataFrame:
    """`frame` plus PRICED_COLUMNS. `rates` maps every currency in the frame to its FxRate into CNY; `vat`,
    `cbec` and `policy` are config/vat.yaml, config/cbec.yaml and an active pricing policy (or None)."""
    missing = set(frame["currency"].fillna("<none>").unique()) - set(rates)
    if missing:
        raise ValueError(f"no exchange rate given for currency {', '.join(sorted(missing))}")
    group = frame.groupby(PRICE_KEYS, sort=False, dropna=False).ngroup().to_numpy()
    first_rows = np.flatnonzero(~pd.Series(group).duplicated().to_numpy())
    distinct = frame[PRICE_KEYS].iloc[first_rows].set_axis(group[first_rows])
    priced = _price_distinct(distinct, rates, vat, cbec, _policy(policy))
    per_row = priced.loc[group].set_axis(frame.index)
    per_row["source_price"], per_row["source_currency"] = frame["price"], frame["currency"]
    return frame.assign(**{name: per_row[name] for name in PRICED_COLUMNS})


def _price_distinct(rows: pd.DataFrame, rates: Mapping[str, FxRate], vat: dict, cbec: dict,
                    policy: PricingPolicy | None) -> pd.DataFrame:
    with localcontext(CHAIN_CONTEXT):
        vat_rate = _by_class(rows["product_class"], _vat_rates(vat), vat["default_class"], "config/vat.yaml")
        includes_vat = rows["price_includes_vat"].astype("boolean").fillna(False).astype(bool)
        vat_factor = (1 + vat_rate).where(includes_vat, Decimal(1))
        fx = rows["currency"].map(rates)
        numerator = fx.map(lambda rate: rate.as_fraction()[0])
        denominator = fx.map(lambda rate: rate.as_fraction()[1])
        markup = 1 + (policy.markup_pct if policy else Decimal(0)) / 100
        price_cny = (rows["price"] * numerator * markup / (vat_factor * denominator)).map(_to_cent)
        if policy:
            price_cny = _apply_policy(price_cny, policy)
        cbec_rate = _cbec_rates(rows, price_cny, cbec)
        priced = pd.DataFrame({
            "vat_rate": vat_rate,
            "export_price": rows["price"] / vat_factor,
            "fx_rate": fx.map(lambda rate: rate.display_rate),
            "fx_date": fx.map(lambda rate: rate.rate_date),
            "fx_source": fx.map(lambda rate: rate.source),
            "price_cny": price_cny,
            "pricing_policy": pd.Series(policy.name if policy else pd.NA, index=rows.index, dtype=object),
            "cbec_tax_rate": cbec_rate,
            "cbec_tax_cny": (price_cny * cbec_rate).map(_to_cent),
        }, index=rows.index).astype(object)
        priced["cbec_over_limit"] = (price_cny > _decimal(cbec["single_transaction_limit_cny"])).astype(bool)
    return priced


def _to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _by_class(product_class: pd.Series, table: Mapping[str, Any], default: str, source: str) -> pd.Series:
    classes = product_class.fillna(default)
    unknown = set(classes) - set(table)
    if unknown:
        raise ValueError(f"product class {', '.join(sorted(map(repr, unknown)))} is not in {source}")
    return classes.map(table).astype(object)


def _vat_rates(vat: dict) -> dict[str, Decimal]:
    return {name: _decimal(rate) for name, rate in vat["rates"].items()}


def _apply_policy(price_cny: pd.Series, policy: PricingPolicy) -> pd.Series:
    """The price ending (next price at or above ending so), then the bounds."""
    if policy.ending is not None:
        price_cny = price_cny.map(lambda price: _with_ending(price, policy.ending, policy.ending_step))
    if policy.min_price_cny is not None:
        price_cny = price_cny.where(price_cny >= policy.min_price_cny, policy.min_price_cny)
    if policy.max_price_cny is not None:
        price_cny = price_cny.where(price_cny <= policy.max_price_cny, policy.max_price_cny)
    return price_cny.map(_to_cent)


def _with_ending(price: Decimal, ending: Decimal, step: Decimal) -> Decimal:
    steps = ((price - ending) / step).to_integral_value(rounding=ROUND_CEILING)
    return steps * step + ending


def _cbec_rates(rows: pd.DataFrame, price_cny: pd.Series, cbec: dict) -> pd.Series:
    table = _cbec_classes(cbec)
    classes = _by_class(rows["product_class"], table, cbec["default_class"], "config/cbec.yaml")
    return pd.Series([_cbec_rate(spec, price, quantity, unit) for spec, price, quantity, unit
                      in zip(classes, price_cny, rows["net_content"], rows["net_unit"], strict=True)],
                     index=rows.index, dtype=object)


def _cbec_rate(spec: CbecClass, price_cny: Decimal, net_content: Any, net_unit: Any) -> Decimal:
    """The high-end rate when the class has one and the price per g, ml or piece reaches its threshold."""
    if spec.high_end_rate is None:
        return spec.rate
    stated = pd.notna(net_content) and isinstance(net_unit, str) and net_unit in spec.high_end_min_price
    unit, quantity = (net_unit, net_content) if stated else (PIECE, Decimal(1))
    return spec.high_end_rate if price_cny >= spec.high_end_min_price[unit] * quantity else spec.rate


def cbec_rate_table(cbec: dict) -> dict[str, Decimal]:
    """The CBEC rate of each class of config/cbec.yaml as computed from its inputs (`<class> high-end` for a class
    with a high-end rate): the table config/cbec.yaml writes out for people, `effective_rates`."""
    table = {}
    for name, spec in _cbec_classes(cbec).items():
        table[name] = spec.rate
        if spec.high_end_rate is not None:
            table[f"{name} high-end"] = spec.high_end_rate
    return table


def _cbec_classes(cbec: dict) -> dict[str, CbecClass]:
    share = _decimal(cbec["tax_share_within_limits"])
    return {name: _cbec_class(spec, share) for name, spec in cbec["classes"].items()}


def _cbec_class(spec: dict, share: Decimal) -> CbecClass:
    rate = _combined_rate(spec["vat"], spec["consumption_tax"], share)
    if "high_end" not in spec:
        return CbecClass(rate)
    high_end = spec["high_end"]
    return CbecClass(rate, _combined_rate(spec["vat"], high_end["consumption_tax"], share),
                     {unit: _decimal(price) for unit, price in high_end["min_price_cny_per"].items()})


def _combined_rate(vat: Any, consumption_tax: Any, share: Decimal) -> Decimal:
    """CBEC rate within the limits (tariff 0): (consumption tax + VAT) × share / (1 − consumption tax)."""
    consumption_tax = _decimal(consumption_tax)
    return CHAIN_CONTEXT.divide((consumption_tax + _decimal(vat)) * share, 1 - consumption_tax)


def _policy(policy: Mapping[str, Any] | None) -> PricingPolicy | None:
    if policy is None:
        return None
    known = {field.name for field in dataclasses.fields(PricingPolicy)}
    if unknown := set(policy) - known:
        raise ValueError(f"unknown pricing policy key {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(sorted(known))})")
    amounts = {key: _decimal(value) for key, value in policy.items() if key != "name" and value is not None}
    return PricingPolicy(name=str(policy["name"]), **amounts)


def _decimal(value: Any) -> Decimal:
    """A configured number, read exactly from its text (YAML may hand over a float: its repr is used)."""
    return Decimal(str(value))

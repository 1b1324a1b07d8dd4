"""Price cells: French and English money text to a Decimal amount, plus the currency and tax mention stated.

A cell is one number (read as in pipeline.transform.scalars: "4,20", "1 234,50", "1.234,50", "1,234.50",
".5", "1e30"; a lone comma or dot before three digits, "1,234", is a decimal mark) with at most one currency,
before or after it ("€12.50", "12,50 €", "EUR 12,50", "CHF 18.90", "£5", "$5.00"), optionally followed by a
tax mention ("12,50 € TTC"). Signs, words and tax mentions are in config/money.yaml, codes in
config/iso4217.yaml. "12€50" is read as 12,50 €. The amount is exact and unchecked: "-5" and "1e30" are
numbers here; the schema's range checks reject them later.

Errors: money_not_a_number for NaN / inf spellings (which Decimal would accept); money_currency_unknown
when the only other text is a three-letter code or a sign we do not know ("12 XYZ", detail = that text);
money_unreadable for everything else (no number, a malformed number, other words, two currencies).
"""
from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from pipeline import config
from pipeline.transform.scalars import NUMBER, currency_of, decimal_from_text
from pipeline.transform.text import clean_values, object_column, per_distinct

_PRICE = rf"^(?P<before>.*?) ?(?P<number>{NUMBER}) ?(?P<after>.*)$"
_EURO_AS_DECIMAL_MARK = r"^(\d+) ?€ ?(\d{2})$"
_NOT_A_NUMBER = r"[+-]?(?:s?nan|inf|infinity)"
_CURRENCY_LIKE = r"[^\W\d_]{3}|[^\w\s]{1,3}"


@functools.cache
def vat_mentions() -> dict[str, bool]:
    """Lower-case tax mentions (config/money.yaml) → whether the price includes VAT."""
    return config.config_file("money.yaml")["vat_mentions"]


@functools.cache
def _currency_and_mention() -> str:
    """Splits the text after the number into a currency and a trailing tax mention ("€ TTC")."""
    words = sorted(vat_mentions(), key=len, reverse=True)
    return rf"^(?P<currency>.*?)(?: ?\b(?P<vat>{'|'.join(map(re.escape, words))}))?$"


def parse_money(s: pd.Series) -> pd.DataFrame:
    """Money text → amount (Decimal; None when missing or wrong), currency (ISO code, only when the cell
    names one), includes_vat (boolean, only when the cell says TTC/HT), error (rule) and detail."""
    return per_distinct(s, _prices, fill={"amount": None})


def _prices(values: pd.Series) -> pd.DataFrame:
    text = clean_values(values).fillna("").str.replace(_EURO_AS_DECIMAL_MARK, r"\1,\2 €", regex=True)
    parts = text.str.extract(_PRICE)
    after = parts["after"].fillna("").str.extract(_currency_and_mention(), flags=re.IGNORECASE)
    before_currency, after_currency = parts["before"].fillna(""), after["currency"].fillna("")
    currency_text = before_currency + after_currency
    currency = currency_of(currency_text)
    amount = pd.Series([decimal_from_text(n) if isinstance(n, str) else None for n in parts["number"]],
                       index=values.index, dtype=object)
    unknown_currency = (currency_text != "") & currency.isna()
    unreadable = (amount.isna() | ((before_currency != "") & (after_currency != ""))
                  | (unknown_currency & ~currency_text.str.fullmatch(_CURRENCY_LIKE)))
    error = object_column(np.select(
        [text.str.fullmatch(_NOT_A_NUMBER, case=False), unreadable, unknown_currency],
        ["money_not_a_number", "money_unreadable", "money_currency_unknown"], default=pd.NA), values.index)
    ok = error.isna()
    return pd.DataFrame({
        "amount": amount.where(ok, None),
        "currency": currency.where(ok, pd.NA),
        "includes_vat": after["vat"].str.lower().map(vat_mentions()).astype("boolean").where(ok),
        "error": error,
        "detail": object_column(currency_text.where(error == "money_currency_unknown")),
    }, index=values.index)

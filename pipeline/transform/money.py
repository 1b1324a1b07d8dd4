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

import re
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipeline.transform.distinct import per_distinct
from pipeline.transform.scalars import NUMBER, currency_of, decimal_from_text
from pipeline.transform.text import clean_values, object_column

_PRICE = rf"^(?P<before>.*?) ?(?P<number>{NUMBER}) ?(?P<after>.*)$"
_EURO_AS_DECIMAL_MARK = r"^(\d+) ?€ ?(\d{2})$"
_NOT_A_NUMBER = r"[+-]?(?:s?nan|inf|infinity)"
_CURRENCY_LIKE = r"[^\W\d_]{3}|[^\w\s]{1,3}"
_PRICE_RE, _EURO_RE = re.compile(_PRICE), re.compile(_EURO_AS_DECIMAL_MARK)
_NOT_A_NUMBER_RE = re.compile(_NOT_A_NUMBER, re.IGNORECASE)


if TYPE_CHECKING:
    from pipeline.transform.value_tables import ValueTables


def tax_mention_pattern(vat_mentions: dict[str, bool]) -> re.Pattern[str]:
    """Splits the text after the number into a currency and a trailing tax mention ("€ TTC"), given the tax
    mentions of config/money.yaml."""
    words = sorted(vat_mentions, key=len, reverse=True)
    return re.compile(rf"^(?P<currency>.*?)(?: ?\b(?P<vat>{'|'.join(map(re.escape, words))}))?$", re.IGNORECASE)


def parse_money(s: pd.Series, tables: ValueTables) -> pd.DataFrame:
    """Money text → amount (Decimal; None when missing or wrong), currency (ISO code, only when the cell
    names one), includes_vat (boolean, only when the cell says TTC/HT), error (rule) and detail."""
    return per_distinct(s, partial(_prices, tables=tables), fill={"amount": None})


def _prices(values: pd.Series, tables: ValueTables) -> pd.DataFrame:
    text = [_EURO_RE.sub(r"\1,\2 €", cell) if "€" in cell else cell for cell in clean_values(values).fillna("")]
    parts = [_price_parts(cell) for cell in text]
    mentions = [_currency_and_mention(after, tables.tax_mention) for _, _, after in parts]
    before = pd.Series([before for before, _, _ in parts], index=values.index, dtype=object)
    after = pd.Series([currency for currency, _ in mentions], index=values.index, dtype=object)
    vat = pd.Series([vat for _, vat in mentions], index=values.index, dtype=object)
    currency_text = before + after
    currency = currency_of(currency_text, tables)
    amount = pd.Series([decimal_from_text(n) if n is not None else None for _, n, _ in parts], index=values.index,
                       dtype=object)
    unknown_currency = (currency_text != "") & currency.isna()
    unreadable = (amount.isna() | ((before != "") & (after != ""))
                  | (unknown_currency & ~currency_text.str.fullmatch(_CURRENCY_LIKE)))
    not_a_number = np.array([_NOT_A_NUMBER_RE.fullmatch(cell) is not None for cell in text], dtype=bool)
    error = object_column(np.select(
        [not_a_number, unreadable, unknown_currency],
        ["money_not_a_number", "money_unreadable", "money_currency_unknown"], default=pd.NA), values.index)
    ok = error.isna()
    return pd.DataFrame({
        "amount": amount.where(ok, None),
        "currency": currency.where(ok, pd.NA),
        "includes_vat": vat.str.lower().map(tables.vat_mentions).astype("boolean").where(ok),
        "error": error,
        "detail": object_column(currency_text.where(error == "money_currency_unknown")),
    }, index=values.index)


def _price_parts(cell: str) -> tuple[str, str | None, str]:
    """(text before the number, the number, text after it); ("", None, "") when the cell holds no number.

    Tuples of strings, not match objects: the garbage collector stops tracking them (see
    pipeline.extract.csv_reader.split_records)."""
    found = _PRICE_RE.search(cell)
    return found.group("before", "number", "after") if found else ("", None, "")


def _currency_and_mention(after: str, tax_mention: re.Pattern[str]) -> tuple[str, str | None]:
    """(the currency written after the number, the tax mention ending the cell or None)."""
    found = tax_mention.search(after)
    return found.group("currency", "vat") if found else ("", None)

"""Barcode cells: GTIN-8, -12, -13 or -14 as a digit string, verified with the GS1 mod-10 check digit.

Spaces and hyphens are removed, and so is the ".0" (or ",0") a spreadsheet appends to a number stored as
such; leading zeros are kept as sent ("0000080446392" is the EAN-8 80446392 padded to 13 digits, and
padding does not change a GS1 check digit). Errors, in this order: gtin_scientific (Excel turned the code
into "4.6347E+11": its last digits are lost), gtin_characters (anything but digits), gtin_length (detail =
the digit count), gtin_check_digit (detail = the check digit the other digits call for).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.transform.text import object_column, per_distinct

GTIN_LENGTHS = (8, 12, 13, 14)   # GS1 General Specifications: GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN), GTIN-14
_SCIENTIFIC = r"[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+"
_SPREADSHEET_DECIMALS = r"^([0-9]+)[.,]0$"


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it: weights 3, 1, 3, … counted from the right."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def parse_gtin(s: pd.Series) -> pd.DataFrame:
    """Barcode text → gtin (the digits), error (a gtin_* rule) and detail."""
    return per_distinct(s, _gtins)


def _gtins(values: pd.Series) -> pd.DataFrame:
    text = values.str.replace(r"[\s-]", "", regex=True)
    digits = text.str.replace(_SPREADSHEET_DECIMALS, r"\1", regex=True)
    only_digits = digits.str.fullmatch(r"[0-9]+")
    length = digits.str.len()
    checkable = only_digits & length.isin(GTIN_LENGTHS)
    expected = pd.Series([str(gs1_check_digit(code[:-1])) for code in digits[checkable]],
                         index=digits.index[checkable], dtype=object).reindex(digits.index)
    error = object_column(np.select(
        [text.str.fullmatch(_SCIENTIFIC), ~only_digits, ~checkable, expected != digits.str[-1]],
        ["gtin_scientific", "gtin_characters", "gtin_length", "gtin_check_digit"], default=pd.NA),
        values.index)
    detail = np.select([error == "gtin_length", error == "gtin_check_digit"], [length.astype(str), expected],
                       default=pd.NA)
    return pd.DataFrame({"gtin": object_column(digits.where(error.isna())),
                         "error": error,
                         "detail": object_column(detail, values.index)})

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
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.transform.distinct import per_distinct

GTIN_LENGTHS = (8, 12, 13, 14)   # GS1 General Specifications: GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN), GTIN-14
_SCIENTIFIC = r"[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+"
_SPREADSHEET_DECIMALS = r"^([0-9]+)[.,]0$"
_ONLY_DIGITS = r"^[0-9]+$"       # RE2 (Arrow): `$` is the end of the text, as a Python fullmatch
_DIGIT_TEXT = np.array(list("0123456789"), dtype=object)


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it: weights 3, 1, 3, … counted from the right."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def parse_gtin(s: pd.Series) -> pd.DataFrame:
    """Barcode text → gtin (the digits), error (a gtin_* rule) and detail."""
    return per_distinct(s, _gtins)


def _gtins(values: pd.Series) -> pd.DataFrame:
    digits, scientific = values.to_numpy(dtype=object), np.zeros(len(values), dtype=bool)
    cells = pa.array(digits, type=pa.string())
    only_digits = _only_digits(cells)
    if not only_digits.all():                 # the usual cell is digits alone: nothing to clean
        digits, scientific = _cleaned(digits, only_digits)
        cells = pa.array(digits, type=pa.string())
        only_digits = _only_digits(cells)
    length = pc.utf8_length(cells).to_numpy()
    checkable = only_digits & np.isin(length, GTIN_LENGTHS)
    expected, last = check_digits(digits[checkable], length[checkable])
    wrong = np.zeros(len(digits), dtype=bool)
    wrong[checkable] = expected != last
    error, detail = np.full(len(digits), pd.NA, dtype=object), np.full(len(digits), pd.NA, dtype=object)
    error[wrong] = "gtin_check_digit"
    detail[wrong] = _DIGIT_TEXT[expected[wrong[checkable]]]
    too_short = only_digits & ~checkable
    error[too_short] = "gtin_length"
    detail[too_short] = length[too_short].astype(str).astype(object)
    error[~only_digits] = "gtin_characters"
    error[scientific] = "gtin_scientific"
    detail[scientific] = pd.NA
    failed = ~checkable | wrong | scientific
    return pd.DataFrame({"gtin": pd.Series(np.where(failed, pd.NA, digits), index=values.index, dtype=object),
                         "error": pd.Series(error, index=values.index, dtype=object),
                         "detail": pd.Series(detail, index=values.index, dtype=object)})


def _only_digits(cells: pa.Array) -> np.ndarray:
    return pc.match_substring_regex(cells, _ONLY_DIGITS).to_numpy(zero_copy_only=False)


def _cleaned(cells: np.ndarray, plain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the digits: each cell without spaces, hyphens and a spreadsheet's ".0"; whether its text is in
    scientific notation). `plain` cells, digits alone, are left as they are."""
    digits, scientific = cells.copy(), np.zeros(len(cells), dtype=bool)
    text = pd.Series(cells[~plain], dtype=object).str.replace(r"[\s-]", "", regex=True)
    digits[~plain] = text.str.replace(_SPREADSHEET_DECIMALS, r"\1", regex=True).to_numpy()
    scientific[~plain] = text.str.fullmatch(_SCIENTIFIC).to_numpy(dtype=bool)
    return digits, scientific


def check_digits(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gs1_check_digit of each code's digits but its last, its last digit), vectorised; `codes` hold ASCII
    digits only, `lengths` their lengths."""
    expected, last = np.empty(len(codes), dtype=np.int64), np.empty(len(codes), dtype=np.int64)
    for length in np.unique(lengths):
        at = lengths == length
        grid = np.frombuffer("".join(codes[at]).encode("ascii"), dtype=np.uint8).reshape(-1, length)
        weights = (3 - 2 * (np.arange(length - 1)[::-1] % 2)).astype(np.uint16)   # 3 before the check digit
        total = (grid[:, :-1] * weights).sum(axis=1, dtype=np.int64) - ord("0") * int(weights.sum())
        expected[at] = (10 - total % 10) % 10
        last[at] = grid[:, -1] - ord("0")
    return expected, last

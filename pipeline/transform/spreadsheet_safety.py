"""Neutralises cells a spreadsheet would run as formulas (CSV injection), for every CSV we write."""
from __future__ import annotations

import pandas as pd

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = r"[+-]?\d+(?:\.\d+)?"


def neutralise(s: pd.Series) -> pd.Series:
    """Prefix with ' every text cell starting with = + - @ TAB or CR that is not a plain number."""
    text = s.astype("string")
    risky = text.str.startswith(DANGEROUS_PREFIXES).fillna(False) & ~text.str.fullmatch(PLAIN_NUMBER).fillna(False)
    return s.where(~risky, "'" + text)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """neutralise() applied to every text column of a frame (numbers and dates are left alone)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = neutralise(out[column])
    return out

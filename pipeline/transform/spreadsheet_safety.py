"""Neutralises cells a spreadsheet would run as formulas (CSV injection): the text a listing publishes, once, when
the listing is built (pipeline/transform/listing.py), so that tmall_upload.csv and tmall_upload.parquet carry the
same value; and every cell of every CSV we write, as a guard.

A cell starting with = + - @, TAB or CR that is not a plain number gets a leading '. neutralise is idempotent: a
cell it prefixed starts with ', which it leaves alone, so the CSV writers' guard changes nothing in a listing
already neutralised.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = r"[+-]?\d+(?:\.\d+)?"


def neutralise(s: pd.Series) -> pd.Series:
    """Prefix with ' every text cell starting with = + - @ TAB or CR that is not a plain number (a cell that is not
    text is read as its str()). Only the start of each cell is read; the few that start so are then read whole."""
    starts = _starts_like_formula(s)
    if not starts.any():
        return s.copy(deep=False)
    text = s[starts].astype("string")
    risky = ~text.str.fullmatch(PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
    positions = np.flatnonzero(starts)[risky]
    prefixed = np.empty(len(s), dtype=object)
    prefixed[positions] = ("'" + text[risky]).to_numpy(dtype=object)
    return s.mask(np.isin(np.arange(len(s)), positions), prefixed)


def _starts_like_formula(s: pd.Series) -> np.ndarray:
    """Whether each cell (a cell that is not text: its str()) starts with one of DANGEROUS_PREFIXES; missing: no.
    Text cells are read in place, not copied."""
    text_only = (s.dtype == object or isinstance(s.dtype, pd.StringDtype)) and \
        pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    text = s if text_only else s.astype("string")
    return text.str.startswith(DANGEROUS_PREFIXES, na=False).to_numpy(dtype=bool)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """neutralise() applied to every text column of a frame (numbers and dates are left alone)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = neutralise(out[column])
    return out

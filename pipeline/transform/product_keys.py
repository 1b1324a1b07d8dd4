"""The SKU of a product its sheet gives no reference for: its barcode, else a key derived from what it is.

A derived key is "auto-" and 12 hexadecimal digits of the SHA-1 of the product's identity: its title, net content,
brand, short description and attribute values (colour, size, vintage …), each compared as words (case, accents,
punctuation and spacing aside, "100g" = "100 g"), in that order. The same product gets the same key next month,
whatever its price, stock or row; two products differing in any of these get two keys.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.transform.distinct import factorize_cells
from pipeline.transform.reading_tables import normalise_header

KEY_PREFIX = "auto-"
GTIN_LENGTHS = (8, 12, 13, 14)
_DIGITS_AND_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")   # "100g" is "100 g"
_SEPARATORS = re.compile(r"[\s\-.]")


def barcode_skus(barcodes: pd.Series) -> pd.Series:
    """The barcode's digits where a cell is a GTIN's length of digits (spaces, hyphens and dots aside), else NA;
    its check digit is the barcode parser's concern."""
    codes, distinct = factorize_cells(barcodes)
    digits = np.array([_gtin_digits(value) for value in distinct] + [pd.NA], dtype=object)
    return pd.Series(digits[codes], index=barcodes.index, dtype=object)


def _gtin_digits(cell: str) -> object:
    digits = _SEPARATORS.sub("", cell)
    return digits if digits.isdigit() and len(digits) in GTIN_LENGTHS else pd.NA


def derived_skus(parts: Sequence[pd.Series]) -> pd.Series:
    """The derived key of each row of `parts` (title, net content, attributes, aligned), NA where every part is
    empty."""
    index = parts[0].index
    identity = pd.Series("", index=index, dtype=object)
    for part in parts:
        identity = identity + "|" + part.map(_words, na_action="ignore").fillna("")
    codes, distinct = pd.factorize(identity)
    keys = np.array([_key(value) for value in distinct] + [pd.NA], dtype=object)
    return pd.Series(keys[codes], index=index, dtype=object)


def _words(cell: str) -> str:
    return normalise_header(_DIGITS_AND_LETTERS.sub(" ", str(cell)))


def _key(identity: str) -> object:
    if not identity.strip("|"):
        return pd.NA
    return KEY_PREFIX + hashlib.sha1(identity.encode("utf-8")).hexdigest()[:12]

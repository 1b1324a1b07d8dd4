"""Cell text: Unicode and whitespace normalisation, HTML to plain text, one parser run per distinct cell."""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

# Dropped from every cell: OOXML's escaped carriage return "_x000D_", which some exports keep literally
# (Open Food Facts export), and the zero-width space and byte-order mark left inside cells.
DROPPED = r"(?i)_x000D_|[\u200b\ufeff]"
# Tags after which the text starts on a new line (HTML block-level elements and line breaks).
BLOCK_TAGS = (r"(?i)</?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|tr|table|blockquote|section|article|header"
              r"|footer)\b[^<>]*>")
ANY_TAG = r"</?[a-zA-Z][^<>]*>"
SCRIPT_STYLE_COMMENT = r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->"


def per_distinct(s: pd.Series, parse_values: Callable[[pd.Series], pd.DataFrame],
                 fill: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Run `parse_values` once on the distinct non-missing cells of `s` and align its rows back to `s`.

    `parse_values` receives the distinct cells as an object Series indexed 0..n-1 and returns one row per
    cell, same index. Rows where `s` is missing come out as pd.NA in every column, or as `fill[column]`.
    """
    positions, uniques = factorize_cells(s)       # one hashing pass; missing cells get -1
    values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    parsed = parse_values(values)
    aligned = pd.DataFrame({
        name: pd.Series(column.array.take(positions, allow_fill=True, fill_value=pd.NA), index=s.index,
                        dtype=column.dtype)
        for name, column in parsed.items()})
    for name, missing in (fill or {}).items():
        aligned[name] = aligned[name].where(positions >= 0, missing)
    return aligned


def factorize_cells(s: pd.Series, sample: int = 1_000, long_text: int = 32) -> tuple[np.ndarray, Any]:
    """pd.factorize(s): the code of each cell (-1 where missing) and the distinct cells in order of first
    appearance.

    pandas hashes the characters of every text cell. A column of long texts that repeat (descriptions,
    titles: a read sheet shares one str among equal cells) is numbered instead through a dict, which hashes
    each str object once and finds a shared one by identity. Judged on the first `sample` cells.
    """
    cells = s.to_numpy()
    head = dict.fromkeys(cells[:sample]) if cells.dtype == object else {}
    texts = [cell for cell in head if cell.__class__ is str]
    if len(head) == min(len(cells), sample) or not texts or sum(map(len, texts)) < long_text * len(texts):
        return pd.factorize(s)
    distinct = np.fromiter(dict.fromkeys(cells), dtype=object)
    if len(distinct) * 4 > len(cells):
        return pd.factorize(s)
    missing = pd.isna(distinct)
    number = dict(zip(distinct, np.where(missing, -1, np.cumsum(~missing) - 1).tolist(), strict=True))
    return np.fromiter(map(number.__getitem__, cells), dtype=np.intp, count=len(cells)), distinct[~missing]


def object_column(values: pd.Series | np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Object dtype with pd.NA for missing: what pandas 3 would otherwise infer as "str" with NaN."""
    column = pd.Series(values, index=index, dtype=object)
    return column.where(column.notna(), pd.NA)


def clean_values(values: pd.Series) -> pd.Series:
    """NFC; Excel artefacts and invisible characters dropped; whitespace runs made one space; "" → NA."""
    cleaned = (values.str.normalize("NFC")
               .str.replace(DROPPED, "", regex=True)
               .str.replace(r"\s+", " ", regex=True)
               .str.strip())
    return object_column(cleaned.mask(cleaned == ""))


def normalise_text(s: pd.Series) -> pd.Series:
    """`clean_values` applied once per distinct cell of a text column."""
    return per_distinct(s, lambda values: clean_values(values).to_frame("text"))["text"]


def trim_text(s: pd.Series) -> pd.Series:
    """Surrounding whitespace removed and nothing else (identifiers such as a SKU); "" → NA."""
    trimmed = s.str.strip()
    return object_column(trimmed.mask(trimmed == ""))


def html_to_text(s: pd.Series) -> pd.Series:
    """HTML (or plain text) to lines of plain text: block tags become line breaks, entities decoded."""
    return per_distinct(s, lambda values: _plain_text(values).to_frame("text"))["text"]


def _plain_text(values: pd.Series) -> pd.Series:
    text = (values.str.normalize("NFC")
            .str.replace(r"\r\n?", "\n", regex=True)
            .str.replace(SCRIPT_STYLE_COMMENT, "", regex=True)
            .str.replace(BLOCK_TAGS, "\n", regex=True)
            .str.replace(ANY_TAG, "", regex=True)
            .map(html.unescape)
            .str.replace(DROPPED, "", regex=True)
            .str.replace(r"[^\S\n]+", " ", regex=True)
            .str.replace(r" ?\n\s*", "\n", regex=True)
            .str.strip())
    return object_column(text.mask(text == ""))

"""Cell text: Unicode and whitespace normalisation, HTML to plain text, one parser run per distinct cell."""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Dropped from every cell: OOXML's escaped carriage return "_x000D_", which some exports keep literally
# (Open Food Facts export), and the zero-width space and byte-order mark left inside cells.
DROPPED = r"(?i)_x000D_|[\u200b\ufeff]"
# Tags after which the text starts on a new line (HTML block-level elements and line breaks).
BLOCK_TAGS = (r"(?i)</?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|tr|table|blockquote|section|article|header"
              r"|footer)\b[^<>]*>")
ANY_TAG = r"</?[a-zA-Z][^<>]*>"
SCRIPT_STYLE_COMMENT = r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->"
# Cells that cleaning leaves as they are (RE2 patterns, matched by Arrow): printable ASCII words (already NFC,
# no invisible characters) separated by single spaces; a plain text may also break lines between words and
# holds no markup ("<") or entity ("&"). Either also needs no "_x000D_" (see _matching_text).
CLEAN_TEXT = r"^[!-~]+(?: [!-~]+)*$"
CLEAN_PLAIN_TEXT = r"^[!-%'-;=-~]+(?:[ \n][!-%'-;=-~]+)*$"


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
    """NFC; Excel artefacts and invisible characters dropped; whitespace runs made one space; "" → NA.

    Cells already clean (CLEAN_TEXT) are kept as they are; only the others go through the regexes.
    """
    return _where_not_clean(values, CLEAN_TEXT, _clean_text)


def _clean_text(values: pd.Series) -> pd.Series:
    cleaned = (values.str.normalize("NFC")
               .str.replace(DROPPED, "", regex=True)
               .str.replace(r"\s+", " ", regex=True)
               .str.strip())
    return object_column(cleaned.mask(cleaned == ""))


def _where_not_clean(values: pd.Series, clean: str, cleaner: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`cleaner(values)`, run only on the cells that are not text matching the RE2 pattern `clean` without
    "_x000D_" (in any case): those are kept as they are. Object dtype, pd.NA for missing."""
    as_is = _matching_text(values, clean)
    if not as_is.any():
        return cleaner(values)
    result = values.to_numpy(dtype=object, copy=True)
    if not as_is.all():
        result[~as_is] = cleaner(values[~as_is]).to_numpy(dtype=object)
    return object_column(result, index=values.index)


def _matching_text(values: pd.Series, pattern: str) -> np.ndarray:
    """Whether each cell is a str matching `pattern` and not holding "_x000D_" (in any case); one Arrow pass.
    None match if a cell is not a str, or not valid UTF-8 (a lone surrogate)."""
    if not len(values) or pd.api.types.infer_dtype(values, skipna=True) != "string":
        return np.zeros(len(values), dtype=bool)
    try:
        text = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except UnicodeEncodeError:
        return np.zeros(len(values), dtype=bool)
    matching = pc.and_(pc.match_substring_regex(text, pattern),
                       pc.invert(pc.match_substring(text, "_x000d_", ignore_case=True)))
    return matching.fill_null(False).to_numpy(zero_copy_only=False)


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
    """`html_to_text` of distinct cells; cells already plain text (CLEAN_PLAIN_TEXT) are kept as they are."""
    return _where_not_clean(values, CLEAN_PLAIN_TEXT, _plain_text_of_html)


def _plain_text_of_html(values: pd.Series) -> pd.Series:
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

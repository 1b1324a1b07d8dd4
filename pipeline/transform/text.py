"""Cell text: Unicode and whitespace normalisation, HTML to plain text, one parser run per distinct cell.

Text that is published (titles, descriptions, brand, category, ingredients …) never holds a control character or a
bidirectional override: `normalise_text` and `html_to_text` remove terminal escape sequences whole (ESC[31m), the
C0 and C1 controls that are not whitespace, and the bidi marks, embeddings, overrides and isolates (REMOVED). The
whitespace controls (TAB, CR, VT, FF, U+001C–U+001F, U+0085) count as whitespace: a space, except that
`html_to_text` keeps each line break (LF, CR LF or CR) as one LF, which splits a description into paragraphs.
Identifiers are not cleaned but checked: `refused_characters` names the controls and bidi characters a key (the
SKU) holds, for the parser to reject it.
"""
from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.transform.distinct import per_distinct

# Invisible characters left inside cells: the zero-width space and the byte-order mark.
INVISIBLE = "\u200b\ufeff"
# Bidirectional formatting characters: the left-to-right and right-to-left marks, the embeddings and overrides
# (U+202E shows "txet" as "text") and the isolates. Escapes here, the characters themselves in the pattern.
BIDI_CONTROLS = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Terminal escape sequences, removed whole: CSI ("\x1b[31m", also as the one C1 character U+009B), OSC ended by BEL
# or ESC \ (a terminal hyperlink "\x1b]8;;url\x1b\\"), and any other ESC with its intermediate and final character.
ESCAPE_SEQUENCE = (r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-~])"
                   r"|\x9b[0-?]*[ -/]*[@-~]")
# The C0 and C1 controls and DEL that Python's \s does not take for whitespace (it does \t \n \v \f \r,
# U+001C–U+001F and U+0085, which cleaning turns into spaces or line breaks): ranges for a character class.
CONTROL_CHARACTERS = r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
# Dropped from every cell, in one pass (Python re, as pandas runs it): OOXML's escaped carriage return "_x000D_",
# which some exports keep literally (Open Food Facts export); escape sequences, before what is left of them; then
# single characters: invisible, control and bidi ones.
REMOVED = f"(?i)_x000D_|{ESCAPE_SEQUENCE}|[{INVISIBLE}{CONTROL_CHARACTERS}{BIDI_CONTROLS}]"
# What a key (the SKU) may not hold: every C0 and C1 control, DEL and the bidi characters. A class both Python's re
# and RE2 (Arrow) read.
# What a reference may not hold: controls, bidi marks, markup quotes and brackets, a formula's first character.
KEY_REFUSED = f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}<>\"]|^[=+@]"
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


def object_column(values: pd.Series | np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Object dtype with pd.NA for missing: what pandas 3 would otherwise infer as "str" with NaN."""
    column = pd.Series(values, index=index, dtype=object)
    return column.where(column.notna(), pd.NA)


def clean_values(values: pd.Series) -> pd.Series:
    """Excel artefacts, invisible characters, controls and escape sequences dropped (REMOVED); NFC; whitespace runs
    made one space; "" → NA.

    Cells already clean (CLEAN_TEXT) are kept as they are; only the others go through the regexes.
    """
    return _where_not_clean(values, CLEAN_TEXT, _clean_text)


def _clean_text(values: pd.Series) -> pd.Series:
    cleaned = (values.str.replace(REMOVED, "", regex=True)
               .str.normalize("NFC")              # after: a character dropped between a letter and its accent
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


def refused_characters(keys: pd.Series) -> pd.Series:
    """For each key (a trimmed SKU), the characters of KEY_REFUSED it holds as code points, e.g. "U+0009, U+202E"
    (each once, in order of appearance); NA where it holds none or is missing. The keys are searched in Arrow;
    only those holding one are spelt out, once per distinct key."""
    holding = _holding(keys, KEY_REFUSED)
    detail = pd.Series(pd.NA, index=keys.index, dtype=object)
    if holding.any():
        def spelt(values: pd.Series) -> pd.DataFrame:
            found = values.str.findall(KEY_REFUSED).map(lambda chars: ", ".join(f"U+{ord(c):04X}"
                                                                               for c in dict.fromkeys(chars)))
            return found.to_frame("detail")

        detail[holding] = per_distinct(keys[holding], spelt)["detail"]
    return detail


def _holding(values: pd.Series, pattern: str) -> np.ndarray:
    """Whether each cell is a str holding a match of `pattern` (a regex both RE2 and Python's re read): one Arrow
    pass, or Python's re when a cell is not a str or not valid UTF-8 (a lone surrogate)."""
    if not len(values):
        return np.zeros(0, dtype=bool)
    try:
        text = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (UnicodeEncodeError, pa.ArrowTypeError, pa.ArrowInvalid):
        return values.astype(object).str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
    return pc.match_substring_regex(text, pattern).fill_null(False).to_numpy(zero_copy_only=False)


def html_to_text(s: pd.Series) -> pd.Series:
    """HTML (or plain text) to lines of plain text: block tags and line breaks become LF (one between two lines),
    entities decoded, REMOVED dropped, other whitespace runs made one space."""
    return per_distinct(s, lambda values: _plain_text(values).to_frame("text"))["text"]


def _plain_text(values: pd.Series) -> pd.Series:
    """`html_to_text` of distinct cells; cells already plain text (CLEAN_PLAIN_TEXT) are kept as they are."""
    return _where_not_clean(values, CLEAN_PLAIN_TEXT, _plain_text_of_html)


def _plain_text_of_html(values: pd.Series) -> pd.Series:
    text = (values.str.replace(r"\r\n?", "\n", regex=True)
            .str.replace(SCRIPT_STYLE_COMMENT, "", regex=True)
            .str.replace(BLOCK_TAGS, "\n", regex=True)
            .str.replace(ANY_TAG, "", regex=True)
            .map(html.unescape)
            .str.replace(REMOVED, "", regex=True)      # after unescaping: "&#x202E;" is U+202E
            .str.normalize("NFC")
            .str.replace(r"[^\S\n]+", " ", regex=True)
            .str.replace(r" ?\n\s*", "\n", regex=True)
            .str.strip())
    return object_column(text.mask(text == ""))

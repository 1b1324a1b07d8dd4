"""Tmall category id and product class of each product, from its vendor category and title.

Matching is described in config/categories.yaml: keywords in the category, then in the title, then a
shop-section name in the category; the first rule in the file's order wins within each step. Each distinct
category is compared once, and each distinct title once when its category names no keyword; keywords as whole words
after `match_text`.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np
import pandas as pd


def match_text(s: pd.Series) -> pd.Series:
    """Lower case, no accents, œ/æ as oe/ae, & as "and", punctuation as spaces, plural -s/-x of words of
    four letters or more dropped: how texts and keywords are compared."""
    return (s.astype(object).fillna("").astype(str).str.casefold()
            .str.replace("œ", "oe").str.replace("æ", "ae").str.replace("&", " and ")
            .str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
            .str.replace(r"[\W_]+", " ", regex=True)
            .str.replace(r"\b(\w{3,})[sx]\b", r"\1", regex=True)
            .str.strip())


def classify(frame: pd.DataFrame, rules: dict[str, Any]) -> pd.DataFrame:
    """`frame` plus category_id (Int64, 0 unmapped), category_name_zh, product_class, category_mapped (bool).

    A product_class already set (the vendor profile's) is kept; otherwise the matched rule's, or
    `unmapped_class` when no rule matches.
    """
    keys = pd.DataFrame({name: _grouping_text(frame[name] if name in frame else pd.Series(pd.NA, index=frame.index))
                         for name in ("category", "title")})
    rule_of_row = _matching_rule(keys["category"], keys["title"], rules["rules"])

    mapped = rule_of_row >= 0
    cids = np.array([r["category_id"] for r in rules["rules"]] + [0], dtype="int64")
    classes = np.array([r["product_class"] for r in rules["rules"]] + [rules["unmapped_class"]], dtype=object)
    category_id = pd.Series(cids[rule_of_row], index=frame.index, dtype="Int64")
    out = frame.copy(deep=False)                # copy-on-write: the caller's frame is never changed
    out["category_id"] = category_id
    out["category_name_zh"] = category_id.map(rules["categories"]).astype(object).where(mapped, pd.NA)
    rule_class = pd.Series(classes[rule_of_row], index=frame.index, dtype=object)
    kept = out["product_class"].astype(object) if "product_class" in out else rule_class
    out["product_class"] = kept.where(kept.notna(), rule_class)
    out["category_mapped"] = pd.Series(mapped, index=frame.index, dtype=bool)
    return out


def _grouping_text(s: pd.Series) -> pd.Series:
    """A key column to group by, missing as "": text stays Arrow-backed, anything else becomes objects."""
    return (s if isinstance(s.dtype, pd.StringDtype) else s.astype(object)).fillna("")


def _matching_rule(category: pd.Series, title: pd.Series, rules: list[dict[str, Any]]) -> np.ndarray:
    """Per position, the index of the winning rule, or -1 when none (-1 picks the "unmapped" entry that
    `classify` appends to its lookup arrays). Each step reads the distinct texts it needs: the categories' for
    the first and last steps, and the titles only of the positions no category keyword matched."""
    sections = [_words_pattern(r.get("sections", [])) for r in rules]
    keywords = [_words_pattern(r["keywords"]) for r in rules]
    all_sections = "|".join(p for p in sections if p)
    codes, categories = pd.factorize(category)
    category_text = match_text(pd.Series(categories, dtype=object))
    product_words = (category_text.str.replace(all_sections, " ", regex=True) if all_sections
                     else category_text)
    by_keyword, by_section = _first_match(product_words, keywords), _first_match(category_text, sections)
    rule = by_keyword[codes] if len(categories) else np.full(len(category), -1)
    unmatched = np.flatnonzero(rule < 0)
    if len(unmatched):
        title_codes, titles = pd.factorize(title.iloc[unmatched])
        by_title = _first_match(match_text(pd.Series(titles, dtype=object)), keywords)[title_codes]
        rule[unmatched] = np.where(by_title >= 0, by_title, by_section[codes[unmatched]])
    return rule


def _first_match(texts: pd.Series, patterns: list[str]) -> np.ndarray:
    """Per text, the index of the first pattern it contains, or -1."""
    conditions = [_contains(texts, pattern) for pattern in patterns]
    return np.select(conditions, list(range(len(patterns))), default=-1) if conditions else np.full(len(texts), -1)


def _words_pattern(words: list[str]) -> str:
    """A regex matching any of `words` (normalised like the texts) as whole words; "" for no words."""
    return _pattern_of(tuple(words))


@functools.cache
def _pattern_of(words: tuple[str, ...]) -> str:
    """_words_pattern, once per process for each list of words (classify runs once per vendor)."""
    if not words:
        return ""
    normalised = sorted(set(match_text(pd.Series(words, dtype=object))) - {""}, key=len, reverse=True)
    return r"\b(?:" + "|".join(re.escape(w) for w in normalised) + r")\b"


def _contains(text: pd.Series, pattern: str) -> np.ndarray:
    if not pattern:
        return np.zeros(len(text), dtype=bool)
    return text.str.contains(pattern, regex=True).to_numpy(dtype=bool)


def category_coverage(frame: pd.DataFrame) -> dict[str, int | float | None]:
    """{mapped, unmapped, share} of a classified frame, for the manifest; share is None without rows."""
    mapped = int(frame["category_mapped"].sum())
    total = len(frame)
    share = round(mapped / total, 4) if total else None
    return {"mapped": mapped, "unmapped": total - mapped, "share": share}

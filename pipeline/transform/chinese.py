"""Converts Chinese text to Simplified with OpenCC: each distinct string once, text it cannot change skipped.

Why the skip is exact: every OpenCC stage (normalisation, conversion chain) copies a character unchanged
unless a dictionary key matching the text at that point has a first value different from itself; the
segmentation only cuts the text. So a string that contains no *trigger letter*, chosen such that every
such changing key contains at least one, comes out of every stage as it went in. The converter and the
dictionary entries the trigger letters are chosen from are loaded at the edge
(pipeline.extract.opencc_dictionaries) and handed in as a ChineseConverter.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SUPPORTED_CONFIGS = ("t2s", "tw2sp", "tw2s", "hk2s")


@dataclass(frozen=True, eq=False)
class ChineseConverter:
    """One OpenCC config: its conversion of a string, and the letters without which a string is left as it is."""

    config: str
    engine: Any                     # converts with .convert(text) -> text: OpenCC's own converter for `config`
    triggers: frozenset[str]


def to_simplified(s: pd.Series, converter: ChineseConverter) -> pd.Series:
    """`s` (same index, name and dtype) with each string converted by `converter`; NA stays NA."""
    codes, distinct, converted = _convert_distinct(s, converter)
    changed = _changed_rows(codes, distinct, converted)
    out = s.copy()
    if changed.any():
        out[changed] = converted[codes[changed]]
    return out


def convert_text(text: str, converter: ChineseConverter) -> str:
    """One string converted by `converter` (returned as it is when it holds no trigger letter)."""
    if converter.triggers.isdisjoint(text):
        return text
    return converter.engine.convert(text)


def has_traditional(s: pd.Series, converter: ChineseConverter) -> pd.Series:
    """Boolean, aligned with `s`: True where converting with `converter` would change the string (NA: False).

    For tw2sp this includes Taiwanese vocabulary written in characters that are also Simplified (滑鼠).
    """
    codes, distinct, converted = _convert_distinct(s, converter)
    return pd.Series(_changed_rows(codes, distinct, converted), index=s.index, name=s.name)


def _convert_distinct(s: pd.Series, converter: ChineseConverter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes of `s` into its distinct strings, -1 for NA; the distinct strings; each one converted).

    OpenCC sees each distinct string at most once, and only when it holds a trigger letter.
    """
    codes, uniques = pd.factorize(s)
    distinct = np.asarray(uniques, dtype=object)
    converted = [text if converter.triggers.isdisjoint(text) else converter.engine.convert(text)
                 for text in distinct]
    return codes, distinct, np.array(converted, dtype=object)


def _changed_rows(codes: np.ndarray, distinct: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """Boolean per row: conversion changes its string (NA rows, code -1, read the appended False)."""
    return np.append(converted != distinct, False)[codes]


def check_config(config: str) -> None:
    if config not in SUPPORTED_CONFIGS:
        raise ValueError(f"unsupported OpenCC config {config!r}; expected one of {SUPPORTED_CONFIGS}")


def trigger_letters(changing_entries: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Letters such that every (key, first value) entry whose conversion changes text has at least one in its key.

    Shortest keys first: a single-character key must be a trigger itself; a longer key that already
    contains a trigger adds nothing, otherwise it adds the letters its value replaces.
    """
    triggers: set[str] = set()
    for key, value in sorted(changing_entries, key=lambda entry: (len(entry[0]), entry)):
        if triggers.isdisjoint(key):
            triggers |= _replaced_letters(key, value)
    return frozenset(triggers)


def _replaced_letters(key: str, value: str) -> set[str]:
    """The non-ASCII letters of `key` that `value` does not keep, else all of its non-ASCII letters.

    Keeps ASCII out of the triggers (A肝 → 甲肝 is triggered by 肝), so text without Chinese is never a
    candidate; a key without non-ASCII letters would contribute all of its characters.
    """
    letters = {char for char in key if char.isalpha() and not char.isascii()}
    return (letters - set(value)) or letters or set(key)

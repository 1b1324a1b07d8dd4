"""Converts Chinese text to Simplified with OpenCC: each distinct string once, text it cannot change skipped.

Why the skip is exact: every OpenCC stage (normalisation, conversion chain) copies a character unchanged
unless a dictionary key matching the text at that point has a first value different from itself; the
segmentation only cuts the text. So a string that contains no *trigger letter*, chosen such that every
such changing key contains at least one, comes out of every stage as it went in. The keys are read from
the dictionaries the installed opencc package ships for the config, with the package's own dictionary
tool (`opencc_dict`, which writes a binary .ocd2 dictionary as text); nothing is written to disk.
"""
from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import opencc
import pandas as pd

SUPPORTED_CONFIGS = ("t2s", "tw2sp", "tw2s", "hk2s")

_OPENCC_FILES = Path(opencc.__file__).resolve().parent / "clib"
_DICTIONARY_DIR = _OPENCC_FILES / "share" / "opencc"
_DICTIONARY_TOOL = _OPENCC_FILES / "bin" / "opencc_dict"


def to_simplified(s: pd.Series, config: str = "t2s") -> pd.Series:
    """`s` (same index, name and dtype) with each string converted by OpenCC `config`; NA stays NA."""
    codes, distinct, converted = _convert_distinct(s, config)
    changed = _changed_rows(codes, distinct, converted)
    out = s.copy()
    if changed.any():
        out[changed] = converted[codes[changed]]
    return out


def convert_text(text: str, config: str = "t2s") -> str:
    """One string converted by OpenCC `config` (returned as it is when it holds no trigger letter)."""
    if _trigger_letters(config).isdisjoint(text):
        return text
    return _converter(config).convert(text)


def has_traditional(s: pd.Series, config: str = "t2s") -> pd.Series:
    """Boolean, aligned with `s`: True where converting with `config` would change the string (NA: False).

    For tw2sp this includes Taiwanese vocabulary written in characters that are also Simplified (滑鼠).
    """
    codes, distinct, converted = _convert_distinct(s, config)
    return pd.Series(_changed_rows(codes, distinct, converted), index=s.index, name=s.name)


def _convert_distinct(s: pd.Series, config: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes of `s` into its distinct strings, -1 for NA; the distinct strings; each one converted).

    OpenCC sees each distinct string at most once, and only when it holds a trigger letter.
    """
    triggers = _trigger_letters(config)
    converter = _converter(config)
    codes, uniques = pd.factorize(s)
    distinct = np.asarray(uniques, dtype=object)
    converted = [text if triggers.isdisjoint(text) else converter.convert(text) for text in distinct]
    return codes, distinct, np.array(converted, dtype=object)


def _changed_rows(codes: np.ndarray, distinct: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """Boolean per row: conversion changes its string (NA rows, code -1, read the appended False)."""
    return np.append(converted != distinct, False)[codes]


def _check_config(config: str) -> None:
    if config not in SUPPORTED_CONFIGS:
        raise ValueError(f"unsupported OpenCC config {config!r}; expected one of {SUPPORTED_CONFIGS}")


@cache
def _converter(config: str) -> opencc.OpenCC:
    """The official converter for `config`, built once per process."""
    _check_config(config)
    return opencc.OpenCC(config)


@cache
def _trigger_letters(config: str) -> frozenset[str]:
    """Letters such that every key of `config` whose conversion changes text contains at least one.

    Shortest keys first: a single-character key must be a trigger itself; a longer key that already
    contains a trigger adds nothing, otherwise it adds the letters its value replaces.
    """
    _check_config(config)
    triggers: set[str] = set()
    for key, value in sorted(_changing_entries(config), key=lambda entry: (len(entry[0]), entry)):
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


def _changing_entries(config: str) -> set[tuple[str, str]]:
    """(key, first value) of each entry, in any dictionary `config` names, whose value is not its key."""
    spec = json.loads((_DICTIONARY_DIR / f"{config}.json").read_text(encoding="utf-8"))
    return {(key, value) for dict_type, file in set(_dictionary_files(spec))
            for key, value in _dictionary_entries(dict_type, file) if value != key}


def _dictionary_files(node: Any) -> Iterator[tuple[str, str]]:
    """(type, file name) of every dictionary in an OpenCC config, at any depth (groups nest dictionaries)."""
    if isinstance(node, dict):
        if "file" in node:
            yield node["type"], node["file"]
        for child in node.values():
            yield from _dictionary_files(child)
    elif isinstance(node, list):
        for child in node:
            yield from _dictionary_files(child)


def _dictionary_entries(dict_type: str, file: str) -> Iterator[tuple[str, str]]:
    """(key, first value) of each entry, from the dictionary's text form: `key<TAB>value value…` lines."""
    command = [str(_DICTIONARY_TOOL), "-i", str(_DICTIONARY_DIR / file), "-f", dict_type,
               "-t", "text", "-o", "/dev/stdout"]
    text = subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8")
    for line in text.splitlines():
        key, values = line.split("\t", 1)
        yield key, values.split(" ", 1)[0]

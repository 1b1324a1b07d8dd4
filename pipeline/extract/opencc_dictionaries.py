"""OpenCC's converters and dictionaries, loaded once per process: the ChineseConverter of each config
(pipeline.transform.chinese). The dictionaries' entries are read from the files the installed opencc package
ships for the config, with the package's own dictionary tool (`opencc_dict`, which writes a binary .ocd2
dictionary as text); nothing is written to disk."""
from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import opencc

from pipeline.transform.chinese import ChineseConverter, check_config, trigger_letters

_OPENCC_FILES = Path(opencc.__file__).resolve().parent / "clib"
_DICTIONARY_DIR = _OPENCC_FILES / "share" / "opencc"
_DICTIONARY_TOOL = _OPENCC_FILES / "bin" / "opencc_dict"


@functools.cache
def converter(config: str = "t2s") -> ChineseConverter:
    """The converter of OpenCC `config` (one of chinese.SUPPORTED_CONFIGS), built once per process."""
    check_config(config)
    return ChineseConverter(config, opencc.OpenCC(config), trigger_letters(_changing_entries(config)))


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

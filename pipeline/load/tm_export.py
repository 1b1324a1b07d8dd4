"""Writes translation-memory files for `eprovence tm export`: TMX 1.4 or CSV (by the file's extension),
sorted by source_lang, target_lang, source, to a local path or any fsspec URL, atomically.

Each unit carries its status and provider (TMX: `<prop type="x-eprovence-status">` and
`x-eprovence-provider`; CSV: `status` and `provider` columns), which `eprovence tm import` honours.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

import fsspec
import pandas as pd
from fsspec.implementations.local import LocalFileSystem

from pipeline import __version__
from pipeline.transform.spreadsheet_safety import neutralise_frame
from pipeline.transform.tm_format import CSV_COLUMNS, PROVIDER_PROPERTY, STATUS_PROPERTY, Entry, TMFileError

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CARRIAGE_RETURN = {"\r": "&#13;"}     # escaped, or a reader would turn it into a line feed


def write_memory_file(entries: Sequence[Entry], path_or_url: str) -> int:
    """Write `entries` as a `.tmx` or `.csv` file; returns how many were written."""
    suffix = PurePosixPath(urlsplit(path_or_url).path).suffix.lower()
    ordered = sorted(entries, key=lambda e: (e.source_lang, e.target_lang, e.source, e.target))
    if suffix == ".tmx":
        payload = tmx_bytes(ordered)
    elif suffix == ".csv":
        payload = csv_bytes(ordered)
    else:
        raise TMFileError(f"{path_or_url}: cannot write a memory file of this kind (use .tmx or .csv)")
    _write_atomically(payload, path_or_url)
    return len(ordered)


def tmx_bytes(entries: Sequence[Entry]) -> bytes:
    """A TMX 1.4 document, UTF-8, one <tu> per entry in the order given."""
    source_langs = {entry.source_lang for entry in entries}
    header = {"creationtool": "eprovence", "creationtoolversion": __version__, "segtype": "block",
              "o-tmf": "eprovence", "adminlang": "en",
              "srclang": source_langs.pop() if len(source_langs) == 1 else "*all*", "datatype": "plaintext"}
    attributes = " ".join(f"{name}={quoteattr(value)}" for name, value in header.items())
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<tmx version="1.4">', f"  <header {attributes}/>",
             "  <body>"]
    for number, entry in enumerate(entries, start=1):
        lines += _tu_lines(entry, number)
    lines += ["  </body>", "</tmx>", ""]
    return "\n".join(lines).encode("utf-8")


def _tu_lines(entry: Entry, number: int) -> list[str]:
    def tuv(lang: str, text: str) -> str:
        return f"      <tuv xml:lang={quoteattr(lang)}><seg>{_xml_text(text, number)}</seg></tuv>"

    return [f"    <tu srclang={quoteattr(entry.source_lang)}>",
            f'      <prop type="{STATUS_PROPERTY}">{_xml_text(entry.status, number)}</prop>',
            f'      <prop type="{PROVIDER_PROPERTY}">{_xml_text(entry.provider, number)}</prop>',
            tuv(entry.source_lang, entry.source), tuv(entry.target_lang, entry.target), "    </tu>"]


def _xml_text(text: str, number: int) -> str:
    """`text` escaped for XML character data; TMFileError when it holds a character XML cannot carry."""
    bad = _NOT_XML.search(text)
    if bad:
        character = f"U+{ord(bad.group()):04X}"
        raise TMFileError(f"entry #{number}: {text[:40]!r} holds {character}, which XML cannot carry")
    return escape(text, _CARRIAGE_RETURN)


def csv_bytes(entries: Sequence[Entry]) -> bytes:
    """UTF-8 with BOM, comma, CRLF, formula-like cells neutralised (the reader undoes it)."""
    frame = pd.DataFrame([[getattr(entry, column) for column in CSV_COLUMNS] for entry in entries],
                         columns=CSV_COLUMNS, dtype=object)
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _write_atomically(payload: bytes, path_or_url: str) -> None:
    """Local disk: a temporary file beside the target, then one rename. Object stores: one PUT."""
    fs, path = fsspec.core.url_to_fs(path_or_url)
    if not isinstance(fs, LocalFileSystem):
        fs.pipe_file(path, payload)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp",
                                         delete=False)
    try:
        with handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise

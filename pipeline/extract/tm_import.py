"""Reads translation-memory files for `eprovence tm import`: TMX 1.4, and CSV (a filled-in
pending_translation.csv as it is), from a local path or any fsspec URL.

Every entry read is `approved` with provider `import:<file name>`, unless the file itself says `machine`
(the `x-eprovence-status` property of a TMX <tu>, or a `status` column), as files written by
`eprovence tm export` do, so that a memory exported and imported again keeps machine output as such.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
import fsspec
import pandas as pd
from defusedxml import DefusedXmlException

from pipeline.transform.segments_text import normalise_lang
from pipeline.transform.spreadsheet_safety import DANGEROUS_PREFIXES
from pipeline.transform.tm_format import (
    DEFAULT_SOURCE_LANG,
    DEFAULT_TARGET_LANG,
    STATUS_PROPERTY,
    STATUSES,
    Entry,
    TMFileError,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
INLINE_CODE = {"bpt", "ept", "it", "ph", "ut"}    # TMX 1.4 elements holding native markup, not text
CSV_DELIMITERS = (",", ";", "\t")
_NEUTRALISED = re.compile("^'(?=[" + re.escape("".join(DANGEROUS_PREFIXES)) + "])")


def read_memory_file(path_or_url: str) -> tuple[list[Entry], int]:
    """(entries, units skipped because they have no target) from a `.tmx` or `.csv` file."""
    suffix = PurePosixPath(urlsplit(path_or_url).path).suffix.lower()
    if suffix not in (".tmx", ".csv"):
        raise TMFileError(f"{path_or_url}: not a memory file (expected .tmx or .csv)")
    try:
        with fsspec.open(path_or_url, "rb") as handle:
            payload = handle.read()
    except OSError as exc:
        raise TMFileError(f"{path_or_url}: cannot be read ({exc.__class__.__name__}: {exc})") from exc
    provider = "import:" + _file_name(path_or_url)
    if suffix == ".tmx":
        return _read_tmx(payload, path_or_url, provider)
    return _read_csv(payload, path_or_url, provider)


def _file_name(path_or_url: str) -> str:
    return PurePosixPath(urlsplit(path_or_url).path).name


def _read_tmx(payload: bytes, name: str, provider: str) -> tuple[list[Entry], int]:
    root = _parse_xml(payload, name)
    header, body = root.find("header"), root.find("body")
    if root.tag != "tmx" or header is None or body is None:
        raise TMFileError(f"{name}: not a TMX document (expected <tmx> with <header> and <body>)")
    default_source = header.get("srclang", DEFAULT_SOURCE_LANG)
    entries: list[Entry] = []
    skipped = 0
    for number, unit in enumerate(body.iter("tu"), start=1):
        read = _tu_entries(unit, default_source, provider, f"{name} <tu> #{number}")
        entries += read
        skipped += not read
    return entries, skipped


def _parse_xml(payload: bytes, name: str) -> ET.Element:
    """The document, parsed by defusedxml: no DOCTYPE, hence no entity (billion laughs, external entities)."""
    try:
        return SafeET.fromstring(payload, forbid_dtd=True)
    except ET.ParseError as exc:
        reason = str(exc).split(":")[0]
        raise TMFileError(f"{name} line {exc.position[0]}: not well-formed XML ({reason})") from exc
    except DefusedXmlException as exc:
        raise TMFileError(f"{name}: a DOCTYPE is not allowed in a memory file ({type(exc).__name__})") from exc


def _tu_entries(unit: ET.Element, default_source: str, provider: str, where: str) -> list[Entry]:
    """One entry per target-language <tuv> of a <tu> that has text; [] when it has none."""
    source_lang = unit.get("srclang", default_source)
    source_lang = DEFAULT_SOURCE_LANG if source_lang == "*all*" else normalise_lang(source_lang)
    segments = [_tuv_segment(tuv, where) for tuv in unit.iter("tuv")]
    sources = [text for lang, text in segments if lang == source_lang]
    targets = [(lang, text) for lang, text in segments if lang != source_lang and text.strip()]
    if not sources or not sources[0].strip():
        if targets:
            raise TMFileError(f"{where}: no text in the source language {source_lang}")
        return []
    status = _properties(unit).get(STATUS_PROPERTY, "approved")
    if status not in STATUSES:
        raise TMFileError(f"{where}: {STATUS_PROPERTY} must be one of {STATUSES}, not {status!r}")
    return [Entry(sources[0], text, source_lang, lang, status, provider) for lang, text in targets]


def _tuv_segment(tuv: ET.Element, where: str) -> tuple[str, str]:
    lang = tuv.get(XML_LANG) or tuv.get("lang")     # TMX 1.4 uses xml:lang, TMX 1.1 lang
    seg = tuv.find("seg")
    if not lang or seg is None:
        raise TMFileError(f"{where}: a <tuv> without xml:lang or without <seg>")
    return normalise_lang(lang), _text_content(seg)


def _text_content(element: ET.Element) -> str:
    """The text of a <seg>, inline elements included except those that hold native code (<bpt>, <ph> …)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in INLINE_CODE:
            parts.append(_text_content(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _properties(unit: ET.Element) -> dict[str, str]:
    return {prop.get("type", ""): (prop.text or "").strip() for prop in unit.findall("prop")}


def _read_csv(payload: bytes, name: str, provider: str) -> tuple[list[Entry], int]:
    frame = _csv_frame(payload, name)
    frame = frame.apply(lambda column: column.str.replace(_NEUTRALISED, "", regex=True))
    source, target = frame["source"], frame["target"].str.strip()
    has_source, has_target = source.str.strip() != "", target != ""
    orphans = frame.index[has_target & ~has_source]
    if len(orphans):
        raise TMFileError(f"{name} row {orphans[0] + 2}: a target without a source")
    source_lang = _languages(_column(frame, "source_lang", DEFAULT_SOURCE_LANG))
    target_lang = _languages(_column(frame, "target_lang", DEFAULT_TARGET_LANG))
    status = _statuses(frame, name)
    keep = has_source & has_target
    columns = (source, target, source_lang, target_lang, status)
    entries = [Entry(*values, provider) for values in zip(*(column[keep] for column in columns), strict=True)]
    return entries, int((has_source & ~has_target).sum())


def _csv_frame(payload: bytes, name: str) -> pd.DataFrame:
    """Every cell as text (no NA); header names lower-cased; the delimiter is the one the header uses most."""
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TMFileError(f"{name}: not UTF-8 text (save it as 'CSV UTF-8')") from exc
    header = text.split("\n", 1)[0].strip()
    delimiter = max(CSV_DELIMITERS, key=header.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TMFileError(f"{name}: not a readable CSV ({str(exc).strip().splitlines()[-1]})") from exc
    frame = frame.fillna("")    # blank lines and short rows
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in ("source", "target") if column not in frame.columns]
    if missing:
        raise TMFileError(f"{name} line 1: the header lacks {' and '.join(missing)} (it reads: {header})")
    return frame


def _column(frame: pd.DataFrame, column: str, default: str) -> pd.Series:
    """A column's cells stripped, with `default` for empty cells and for a missing column."""
    cells = frame[column].str.strip() if column in frame.columns else pd.Series("", index=frame.index)
    return cells.mask(cells == "", default)


def _languages(tags: pd.Series) -> pd.Series:
    """normalise_lang applied to each distinct tag."""
    return tags.map({tag: normalise_lang(tag) for tag in tags.unique()})


def _statuses(frame: pd.DataFrame, name: str) -> pd.Series:
    status = _column(frame, "status", "approved").str.lower()
    unknown = status.index[~status.isin(STATUSES)]
    if len(unknown):
        row = unknown[0]
        raise TMFileError(f"{name} row {row + 2}: status must be one of {STATUSES}, not {status[row]!r}")
    return status

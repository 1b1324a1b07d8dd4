"""Checks a workbook's zip before it is opened: what each part inflates to, how much it is compressed, how many cells
its sheets span, and that no part declares XML entities. A workbook past a limit of config/limits.yaml
(`workbook`) is refused with the number that is too large, before the reader allocates anything for it.

Every XML part is inflated once here, a block at a time, counting what it actually gives (a zip's declared sizes
may lie): a zip bomb stops at the limit, not at the end of its bytes. The small parts (content types,
relationships, workbook) are parsed with defusedxml, which refuses a DTD; the sheets, which can be hundreds of
megabytes, are not parsed twice: their prolog, where a DTD can only stand, is searched for one, and their cell
references are scanned for the last row and column, which is what the reader allocates for.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from pipeline.extract.sniff import UnreadableSheet

MIB = 1 << 20
BLOCK = 1 << 20                             # bytes inflated at a time
PROLOG = 4096                               # bytes of a part searched for a DTD
SMALL_PART = 4 * MIB                        # parts parsed whole with defusedxml
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]{1,3})?([0-9]{1,7})?(?::([A-Z]{1,3})([0-9]{1,7}))?"')


@dataclass(frozen=True)
class WorkbookLimits:
    max_entry_mib: int
    max_total_mib: int
    max_ratio: float
    max_cells: int

    @classmethod
    def from_config(cls, limits: dict) -> WorkbookLimits:
        """config/limits.yaml's `workbook` section."""
        w = limits["workbook"]
        return cls(int(w["max_entry_mib"]), int(w["max_total_mib"]), float(w["max_ratio"]), int(w["max_cells"]))


def check_workbook(data: bytes, limits: WorkbookLimits) -> None:
    """Raise UnreadableSheet when the workbook in `data` is past a limit (see the module doc)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableSheet(f"Classeur XLSX endommagé : {exc}.", f"Damaged XLSX workbook: {exc}.") from exc
    _check_declared(entries, limits)
    total = 0
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            total += _check_part(archive, entry, limits, total)


def _check_declared(entries: list[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    declared = sum(e.file_size for e in entries)
    if declared > limits.max_total_mib * MIB:
        raise _too_large(f"ses parties se décompressent en {_fr(declared / MIB)} Mio",
                         f"its parts inflate to {declared / MIB:,.0f} MiB", limits.max_total_mib)
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MIB and ratio > limits.max_ratio:
            raise UnreadableSheet(
                f"Classeur refusé : sa partie {_name(entry)} est comprimée {_fr(ratio)} fois (au plus "
                f"{_fr(limits.max_ratio)}), comme une bombe de décompression.",
                f"Workbook refused: its part {_name(entry)} is compressed {ratio:,.0f} times (at most "
                f"{limits.max_ratio:,.0f}), like a decompression bomb.")


def _check_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: WorkbookLimits, before: int) -> int:
    """Inflate one XML part a block at a time: its actual size within the limits, no DTD, its cells counted.
    Returns its inflated size."""
    size, head, rows, columns = 0, b"", 0, 0
    is_sheet = "worksheets/" in entry.filename
    small = bytearray()
    try:
        with archive.open(entry) as part:
            tail = b""
            while block := part.read(BLOCK):
                size += len(block)
                if size > limits.max_entry_mib * MIB or before + size > limits.max_total_mib * MIB:
                    raise _too_large(f"sa partie {_name(entry)} se décompresse en plus de {_fr(size / MIB)} Mio",
                                     f"its part {_name(entry)} inflates to over {size / MIB:,.0f} MiB",
                                     limits.max_entry_mib)
                if len(head) < PROLOG:
                    head += block[:PROLOG - len(head)]
                if not is_sheet and size <= SMALL_PART:
                    small += block
                if is_sheet:
                    text = tail + block
                    rows, columns = _farthest(text, rows, columns)
                    tail = text[-256:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableSheet(f"Classeur XLSX endommagé : {exc}.", f"Damaged XLSX workbook: {exc}.") from exc
    _refuse_dtd(entry, head, bytes(small) if not is_sheet and size <= SMALL_PART else None)
    if is_sheet and rows * columns > limits.max_cells:
        raise _too_large(f"sa feuille {_name(entry)} s'étend sur {_fr(rows)} lignes × {_fr(columns)} colonnes, soit "
                         f"{_fr(rows * columns)} cellules", f"its sheet {_name(entry)} spans {rows:,} rows × "
                         f"{columns:,} columns, {rows * columns:,} cells", None, limits.max_cells)
    return size


def _farthest(text: bytes, rows: int, columns: int) -> tuple[int, int]:
    """The last row and column the cell, row and dimension references of `text` reach, with those seen before."""
    for column, row in _CELL_REF.findall(text):
        rows, columns = max(rows, int(row)), max(columns, column_number(column))
    for row in _ROW_REF.findall(text):
        rows = max(rows, int(row))
    for first_col, first_row, last_col, last_row in _DIMENSION.findall(text):
        rows = max(rows, int(last_row or first_row or 0))
        columns = max(columns, column_number(last_col or first_col) if (last_col or first_col) else 0)
    return rows, columns


def column_number(letters: bytes) -> int:
    """Excel's column letters as a number: A → 1, Z → 26, AA → 27, XFD → 16,384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _refuse_dtd(entry: zipfile.ZipInfo, head: bytes, whole: bytes | None) -> None:
    """A part whose XML declares a DTD or entities (billion laughs, external entities) is refused."""
    found = _DTD.search(head) is not None
    if whole is not None and not found:
        try:
            SafeET.fromstring(whole, forbid_dtd=True)
        except DefusedXmlException:
            found = True
        except SafeET.ParseError:
            pass                                    # malformed XML: the reader says so
    if found:
        raise UnreadableSheet(
            f"Classeur refusé : sa partie {_name(entry)} déclare des entités XML (DTD), ce qu'un classeur ne fait "
            "pas ; réenregistrez-le depuis votre tableur.",
            f"Workbook refused: its part {_name(entry)} declares XML entities (a DTD), which a workbook never does; "
            "save it again from your spreadsheet program.")


def _too_large(what_fr: str, what_en: str, limit_mib: int | None, limit_cells: int | None = None) -> UnreadableSheet:
    limit_fr = f"{_fr(limit_mib)} Mio" if limit_mib is not None else f"{_fr(limit_cells)} cellules"
    limit_en = f"{limit_mib:,} MiB" if limit_mib is not None else f"{limit_cells:,} cells"
    return UnreadableSheet(f"Classeur refusé : {what_fr} (au plus {limit_fr}).",
                           f"Workbook refused: {what_en} (at most {limit_en}).")


def _fr(number: float) -> str:
    """A number as French writes it: 17 179 869 184 (a narrow no-break space between thousands)."""
    return f"{number:,.0f}".replace(",", "\u202f")


def _name(entry: zipfile.ZipInfo) -> str:
    return entry.filename[:80]
